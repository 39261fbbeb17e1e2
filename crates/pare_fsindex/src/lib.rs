//! One streaming pass over an image's layers, and the squashed filesystem
//! index it produces.
//!
//! Layers are decompressed and read in parallel (one rayon task per layer),
//! never unpacked to disk. Each task produces a [`scan::LayerScan`]: the
//! layer's entries, whiteouts and opaque directories, plus the bytes of the
//! files that analyzers asked for *before* the pass (by glob, via
//! [`IndexOptions::capture`]) and the results of [`Probe`]s, which see
//! candidate files' bytes while they stream and keep only what they
//! extract. The scans are then squashed in layer order, honouring OCI
//! whiteouts (`.wh.NAME`, `.wh..wh..opq`), into an [`FsIndex`] in which
//! every path knows its type, mode, owner, size, link target and the layer
//! that last wrote it. What each layer added, changed and removed is kept,
//! and so is the waste (bytes written in one layer and overwritten or
//! deleted in a later one), from which efficiency is computed the way
//! `dive` defines it.
//!
//! Memory grows with the number of paths, not with the bytes in the image:
//! file contents are only held for captured files, within
//! [`IndexOptions::max_capture_file`] and [`IndexOptions::max_capture_total`].
#![deny(missing_docs)]

mod access;
mod efficiency;
mod entries;
mod error;
mod index;
mod pipe;
mod retain;
mod rootfs;
mod scan;
mod sparse;
#[cfg(test)]
mod testing;

pub use access::{reread_files, LayerAccess};
pub use efficiency::{Efficiency, Inefficiency};
pub use error::{Error, LayerFault, Result};
pub use index::{Entry, FsIndex, Kind, LayerStats, ResolveError};
pub use pare_elf::code_ranges as elf_code_ranges;
pub use retain::Retained;
pub use scan::{normalize_path, read_layer, reread_layer, EntryReader, LayerScan};

use globset::{Glob, GlobSet, GlobSetBuilder};
use pare_image::{Image, Limits};
use rayon::prelude::*;
use std::sync::Arc;

/// An extractor that sees selected files' bytes during the pass and keeps a
/// small result (e.g. a Go binary's build info), so that analyzers never
/// need a second decompression of a layer.
pub trait Probe: Send + Sync {
    /// Stable name, used as the key of its results.
    fn name(&self) -> &'static str;
    /// Whether to read this regular file. `head` holds its first bytes (up
    /// to 64) so probes can match magic numbers.
    fn wants(&self, path: &str, size: u64, mode: u32, head: &[u8]) -> bool;
    /// Extract from the file's full bytes; `None` keeps nothing.
    fn probe(&self, path: &str, data: &[u8]) -> Option<Vec<u8>>;
    /// Whether [`Probe::probe`] reads the machine code of an ELF file. A
    /// probe that only reads headers, `.dynamic`, string tables and
    /// non-code sections returns `false`: then, when every probe that wants
    /// a big ELF file says so, the pass does not hold the file's code
    /// segments in memory and the probe sees zeros there (see
    /// `sparse.rs`).
    fn reads_code(&self) -> bool {
        true
    }
}

/// A reader of regular files' bytes during the pass that keeps what it
/// finds **per layer**: unlike [`Probe`] results, which follow the squashed
/// filesystem, a visitor's results survive a later layer deleting or
/// overwriting the file (a key removed by `RUN rm` is still in the image).
/// Results are read back with [`FsIndex::visits`].
pub trait Visitor: Send + Sync {
    /// Stable name, used as the key of its results.
    fn name(&self) -> &'static str;
    /// Whether to read this regular file (at most
    /// [`IndexOptions::max_visit_file`] bytes). `head` holds its first
    /// bytes (up to 64), for magic numbers.
    fn wants(&self, path: &str, size: u64, head: &[u8]) -> bool;
    /// The file's bytes as layer `layer` wrote them; `None` keeps nothing.
    fn visit(&self, layer: usize, path: &str, data: &[u8]) -> Option<Vec<u8>>;
    /// Whether a file over [`IndexOptions::max_visit_file`] that this
    /// visitor wants is read as a stream ([`Visitor::visit_stream`])
    /// rather than recorded as unvisited. No, unless the visitor says so.
    fn streams(&self) -> bool {
        false
    }
    /// A file over [`IndexOptions::max_visit_file`], as a stream of its
    /// `size` bytes, for a visitor that [`Visitor::streams`]: read it in
    /// bounded pieces (memory stays flat whatever the file's size).
    ///
    /// # Errors
    /// The stream's read errors (a truncated layer), passed on.
    fn visit_stream(
        &self,
        layer: usize,
        path: &str,
        size: u64,
        data: &mut dyn std::io::Read,
    ) -> std::io::Result<Option<Vec<u8>>> {
        let _ = (layer, path, size, data);
        Ok(None)
    }
}

/// A glob set from static patterns, for [`IndexOptions::capture`]: each
/// analyzer declares its globs as `&'static str`s and the caller combines
/// them.
///
/// # Panics
/// Only if a pattern is invalid; analyzers' tests compile their globs.
#[must_use]
pub fn glob_set(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in patterns {
        b.add(Glob::new(g).expect("static glob is valid"));
    }
    b.build().expect("static globs are valid")
}

/// What to collect during the pass.
#[derive(Clone)]
pub struct IndexOptions {
    /// Files whose bytes to keep, as globs over image paths without the
    /// leading `/` (`etc/os-release`, `var/lib/dpkg/status.d/*`).
    pub capture: GlobSet,
    /// Extractors run on the files they want.
    pub probes: Vec<Arc<dyn Probe>>,
    /// Per-layer readers of the files they want ([`Visitor`]).
    pub visitors: Vec<Arc<dyn Visitor>>,
    /// Largest file a visitor is shown; larger ones are not offered.
    pub max_visit_file: u64,
    /// Largest file captured or probed; larger ones are noted and skipped.
    pub max_capture_file: u64,
    /// Cap on all captured bytes together.
    pub max_capture_total: u64,
    /// Decompression limits.
    pub limits: Limits,
    /// Told the bytes of each layer blob as they are read (for a progress
    /// bar; the total is [`pare_image::Image::compressed_size`]).
    pub progress: Option<Progress>,
    /// Record where each regular file lies in its layer's tar, and access
    /// points into gzip layers, so that a second read of a layer
    /// ([`reread_files`]) inflates only around the files it wants.
    pub access_points: bool,
    /// With [`Self::access_points`]: bytes of uncompressed tar that may be
    /// held in memory for the second read, from the layers above the
    /// bottom one, top down, whole layers that fit ([`Retained`]); 0 holds
    /// none.
    pub retain: u64,
}

/// A progress callback: bytes read since the last call.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            capture: GlobSet::empty(),
            probes: Vec::new(),
            visitors: Vec::new(),
            max_visit_file: 10 << 20,
            max_capture_file: 64 << 20,
            max_capture_total: 1 << 30,
            limits: Limits::default(),
            progress: None,
            access_points: false,
            retain: 0,
        }
    }
}

impl FsIndex {
    /// Build the index of `image` in one parallel pass over its layers (or
    /// one walk of a rootfs directory).
    ///
    /// # Errors
    /// The first layer that fails (corrupt stream, digest mismatch, unsafe
    /// path, limits), named by its index and digest.
    pub fn build(image: &Image, opts: &IndexOptions) -> Result<Self> {
        if let Some(dir) = &image.rootfs {
            let scan = rootfs::scan_dir(dir, opts)?;
            return Ok(index::squash(vec![scan], opts));
        }
        // Largest layer first: its decompression is the longest chain in
        // the pass, and started last (rayon splits the range in order) it
        // would run alone on one core at the end while the others idle.
        let mut order: Vec<usize> = (0..image.layers.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(image.layers[i].size.unwrap_or(0)));
        let held = if opts.access_points && opts.retain > 0 {
            retain::plan(image, opts.retain)
        } else {
            vec![0; image.layers.len()]
        };
        let mut scans: Vec<(usize, Result<LayerScan>)> = order
            .into_par_iter()
            .map(|i| (i, scan::scan_layer(image, i, opts, held[i])))
            .collect();
        scans.sort_by_key(|(i, _)| *i);
        let mut scans = scans
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Result<Vec<_>>>()?;
        let access = scans.iter_mut().map(|s| s.access.take()).collect();
        let mut idx = index::squash(scans, opts);
        idx.access = access;
        Ok(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps each text file's length, as a visitor result.
    struct Lengths;

    impl Visitor for Lengths {
        fn name(&self) -> &'static str {
            "lengths"
        }
        fn wants(&self, _path: &str, _size: u64, head: &[u8]) -> bool {
            !head.contains(&0)
        }
        fn visit(&self, layer: usize, path: &str, data: &[u8]) -> Option<Vec<u8>> {
            assert!(
                !path.starts_with('/'),
                "visitors see paths without the leading /"
            );
            Some(format!("{layer}:{}", data.len()).into_bytes())
        }
    }

    #[test]
    fn visitors_see_wanted_files_under_the_cap() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        std::fs::write(t.path().join("etc/a.conf"), b"hello").unwrap();
        std::fs::write(t.path().join("big.txt"), vec![b'x'; 64]).unwrap();
        std::fs::write(t.path().join("bin"), b"\x7fELF\0\0\0").unwrap();
        let source = pare_source::open(&format!("dir:{}", t.path().display())).unwrap();
        let image = Image::open(source, None).unwrap();
        let opts = IndexOptions {
            visitors: vec![Arc::new(Lengths)],
            max_visit_file: 16,
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        let seen: Vec<(usize, &str, &[u8])> = idx.visits("lengths").collect();
        assert_eq!(seen, [(0, "/etc/a.conf", &b"0:5"[..])]);
        assert_eq!(idx.visits("other").count(), 0);
        // nothing is captured or skipped on a visitor's account, and the
        // text file over its cap is named, not dropped in silence
        assert!(idx.captured().is_empty() && idx.skipped_large().is_empty());
        let over: Vec<(usize, &str, u64)> = idx.unvisited("lengths").collect();
        assert_eq!(over, [(0, "/big.txt", 64)]);
        assert_eq!(idx.unvisited("other").count(), 0);
    }

    /// Reads files over the cap as a stream, in small pieces: its size,
    /// the bytes read and their sum, as a visitor result.
    struct Streamed;

    impl Visitor for Streamed {
        fn name(&self) -> &'static str {
            "streamed"
        }
        fn wants(&self, _path: &str, _size: u64, head: &[u8]) -> bool {
            !head.contains(&0)
        }
        fn visit(&self, _layer: usize, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
            Some(format!("whole:{}", data.len()).into_bytes())
        }
        fn streams(&self) -> bool {
            true
        }
        fn visit_stream(
            &self,
            _layer: usize,
            _path: &str,
            size: u64,
            data: &mut dyn std::io::Read,
        ) -> std::io::Result<Option<Vec<u8>>> {
            let (mut n, mut sum, mut piece) = (0u64, 0u64, [0u8; 4096]);
            loop {
                match data.read(&mut piece)? {
                    0 => break,
                    k => {
                        n += k as u64;
                        sum += piece[..k].iter().map(|&b| u64::from(b)).sum::<u64>();
                    }
                }
            }
            Ok(Some(format!("stream:{size}:{n}:{sum}").into_bytes()))
        }
    }

    #[test]
    fn a_streaming_visitor_reads_files_over_the_cap_as_a_stream() {
        let text = |n: usize| -> Vec<u8> { (0..n).map(|i| b'a' + (i % 26) as u8).collect() };
        let sum = |b: &[u8]| b.iter().map(|&x| u64::from(x)).sum::<u64>();
        let big = text(100_000);
        let conf = text(3_000);
        let files = vec![
            ("big.txt".to_string(), big.clone()),
            ("etc/big.conf".to_string(), conf.clone()),
            ("small.txt".to_string(), b"hello".to_vec()),
        ];
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("dir");
        for (p, b) in &files {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, b).unwrap();
        }
        let images = [
            testing::layout(&t.path().join("gz"), &files, true),
            testing::layout(&t.path().join("tar"), &files, false),
            Image::open(
                pare_source::open(&format!("dir:{}", dir.display())).unwrap(),
                None,
            )
            .unwrap(),
        ];
        for image in &images {
            let opts = IndexOptions {
                visitors: vec![Arc::new(Lengths), Arc::new(Streamed)],
                max_visit_file: 16,
                // etc/big.conf is read whole for the capture: the stream is
                // that buffer, and the capture still gets every byte.
                capture: glob_set(&["etc/big.conf"]),
                ..IndexOptions::default()
            };
            let idx = FsIndex::build(image, &opts).unwrap();
            let mut seen: Vec<(&str, String)> = idx
                .visits("streamed")
                .map(|(_, p, r)| (p, String::from_utf8_lossy(r).into_owned()))
                .collect();
            seen.sort();
            assert_eq!(
                seen,
                [
                    ("/big.txt", format!("stream:100000:100000:{}", sum(&big))),
                    ("/etc/big.conf", format!("stream:3000:3000:{}", sum(&conf))),
                    ("/small.txt", "whole:5".to_string()),
                ]
            );
            assert_eq!(idx.unvisited("streamed").count(), 0);
            // A visitor that does not stream still names what it missed.
            let mut over: Vec<&str> = idx.unvisited("lengths").map(|(_, p, _)| p).collect();
            over.sort_unstable();
            assert_eq!(over, ["/big.txt", "/etc/big.conf"]);
            assert_eq!(idx.contents("/etc/big.conf"), Some(&conf[..]));
        }
    }
}
