//! A second read of a layer that inflates only around the files it wants
//! (`pare slim` copying the files it keeps).
//!
//! The pass records, when asked ([`crate::IndexOptions::access_points`]),
//! where each regular file's tar entry lies in its layer's stream (from its
//! first header, PAX or GNU long name included, to the end of its padded
//! contents) and, for a gzip layer, access points into the blob
//! ([`pare_image::access`]). [`reread_files`] then builds the tar stream of
//! just the wanted entries (a valid tar: whole entries, in order) by
//! seeking in a plain layer and resuming at the nearest point before each
//! wanted run of entries in a gzip one; every resumed segment is checked
//! against the CRC-32 the first read recorded for it. The entries go to the
//! same [`EntryReader`] a full read would feed.

use crate::retain::Retained;
use crate::scan::{read_stream, EntryReader};
use crate::Result;
use pare_image::access::{AccessPoints, Resumed};
use pare_image::Image;
use std::collections::HashMap;
use std::io::{self, Read};

/// Where a layer's regular files lie in its tar, and its access points.
#[derive(Debug)]
pub struct LayerAccess {
    /// Access points of a gzip layer read from a file; `None` for a plain
    /// one, or one held in memory.
    points: Option<AccessPoints>,
    /// Path to (first byte of its headers, end of its padded contents).
    files: HashMap<String, (u64, u64)>,
    /// The whole uncompressed tar, when the first read held it
    /// ([`crate::IndexOptions::retain`]).
    retained: Option<Retained>,
}

impl LayerAccess {
    pub(crate) fn new(
        points: Option<AccessPoints>,
        spans: Vec<(String, u64, u64)>,
        retained: Option<Retained>,
    ) -> Self {
        Self {
            // A layer held whole is read from memory: its windows are
            // not needed.
            points: points.filter(|_| retained.is_none()),
            files: spans.into_iter().map(|(p, a, b)| (p, (a, b))).collect(),
            retained,
        }
    }

    /// Bytes held for access points (windows and probes) and of the tar
    /// held whole.
    #[must_use]
    pub fn memory(&self) -> usize {
        self.points.as_ref().map_or(0, AccessPoints::memory)
            + self
                .retained
                .as_ref()
                .map_or(0, |r| usize::try_from(r.memory()).unwrap_or(usize::MAX))
    }

    /// The tar held whole from the first read, if it was.
    #[must_use]
    pub fn retained(&self) -> Option<&Retained> {
        self.retained.as_ref()
    }
}

/// Compressed bytes between access points: at least 64 KiB, and no more
/// than about 1,024 points (32 MiB of windows) for the whole image.
pub(crate) fn spacing(image: &Image) -> u64 {
    (image.compressed_size().unwrap_or(0) / 1024).max(64 << 10)
}

/// A gap in the stream worth seeking over in a plain layer rather than
/// reading through.
const SEEK_GAP: u64 = 1 << 20;

/// Read the entries of layer `index` whose paths `wanted` takes with
/// `reader`, from the places `access` recorded: only those entries, in
/// stream order. `Ok(None)` when the layer cannot be read that way (a
/// compression without access points): read it whole.
///
/// # Errors
/// A failure to read or decode the blob, a resumed segment that does not
/// match its checksum, or the reader's failure, naming the layer.
pub fn reread_files(
    image: &Image,
    index: usize,
    access: &LayerAccess,
    wanted: &(dyn Fn(&str) -> bool + Sync),
    reader: &mut impl EntryReader,
) -> Result<Option<u64>> {
    // Offsets alone for a tar held in memory or a plain layer, access
    // points for a gzip one.
    let held = access.retained.as_ref();
    let points = match image.layers.get(index).map(|l| l.compression) {
        _ if held.is_some() => None,
        Some(pare_image::Compression::Gzip) if access.points.is_some() => access.points.as_ref(),
        Some(pare_image::Compression::None) => None,
        _ => return Ok(None),
    };
    let mut spans: Vec<(u64, u64)> = access
        .files
        .iter()
        .filter(|(p, _)| wanted(p))
        .map(|(_, &s)| s)
        .collect();
    spans.sort_unstable();
    // Adjacent entries make one run.
    let mut runs: Vec<(u64, u64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match runs.last_mut() {
            Some(last) if last.1 >= a => last.1 = last.1.max(b),
            _ => runs.push((a, b)),
        }
    }
    let open = |at: u64| -> io::Result<Box<dyn Read + Send + '_>> {
        if let Some(h) = held {
            return Ok(Box::new(h.reader_at(at)?));
        }
        image
            .open_blob_at(index, at)
            .map_err(io::Error::other)?
            .ok_or_else(|| io::Error::other("the layer's blob cannot be read from an offset"))
    };
    let total: u64 = runs.iter().map(|(a, b)| b - a).sum();
    let sparse = Sparse {
        runs,
        next: 0,
        pos: 0,
        cur: None,
        points,
        open: &open,
        // In memory a jump costs nothing; in a file, a gap under 1 MiB is
        // cheaper read through than sought over.
        gap: if held.is_some() { 0 } else { SEEK_GAP },
    };
    read_stream(image, index, sparse, reader)?;
    Ok(Some(total))
}

/// The wanted runs of a layer's tar stream, one after the other.
struct Sparse<'a, 'b> {
    runs: Vec<(u64, u64)>,
    next: usize,
    /// Stream offset of the next byte `cur` yields.
    pos: u64,
    cur: Option<Box<dyn Read + Send + 'a>>,
    points: Option<&'b AccessPoints>,
    open: &'b pare_image::access::OpenAt<'a>,
    /// Without access points: a gap worth opening the stream again after
    /// rather than reading through.
    gap: u64,
}

impl Sparse<'_, '_> {
    /// Make `cur` yield the stream from `target` or before it.
    fn seek(&mut self, target: u64) -> io::Result<()> {
        match self.points {
            None => {
                if self.cur.is_none() || target > self.pos + self.gap {
                    self.cur = Some((self.open)(target)?);
                    self.pos = target;
                }
            }
            Some(points) => {
                let best = points.before(target).unwrap_or(0);
                if self.cur.is_some() && points.points()[best].output <= self.pos {
                    return Ok(());
                }
                // The nearest point that resumes; a member's start always
                // does.
                for i in (0..=best).rev() {
                    if let Some(r) = Resumed::at(points, i, self.open)? {
                        self.cur = Some(Box::new(r));
                        self.pos = points.points()[i].output;
                        return Ok(());
                    }
                }
                return Err(io::Error::other("no access point resumes the stream"));
            }
        }
        Ok(())
    }
}

impl Sparse<'_, '_> {
    /// The reader ended before the run it was reading: the end of a gzip
    /// member, to go on from the next one's start; anything else (a plain
    /// layer, the stream's last member) means the entries recorded in the
    /// first read are not where it found them.
    fn ended(&mut self) -> io::Result<()> {
        self.cur = None;
        match self.points {
            Some(p) if self.pos < p.end() => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the layer ends before an entry recorded in it",
            )),
        }
    }
}

impl Read for Sparse<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(&(a, b)) = self.runs.get(self.next) else {
                return Ok(0);
            };
            if self.pos >= b {
                self.next += 1;
                continue;
            }
            if self.cur.is_none() || self.pos < a {
                self.seek(a.max(self.pos))?;
            }
            let cur = self.cur.as_mut().expect("seek sets a reader");
            if self.pos < a {
                let skip = a - self.pos;
                let n = io::copy(&mut cur.take(skip), &mut io::sink())?;
                self.pos += n;
                if n < skip {
                    // The end of a gzip member: go on from the next one.
                    self.ended()?;
                }
                continue;
            }
            let want = usize::try_from(b - self.pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let n = cur.read(&mut buf[..want])?;
            if n == 0 {
                self.ended()?;
                continue;
            }
            self.pos += n as u64;
            return Ok(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{layers, layout, unseekable, Blob};
    use crate::{FsIndex, IndexOptions};

    /// Collects the paths and contents of the entries it is shown.
    #[derive(Default)]
    struct Collect(Vec<(String, Vec<u8>)>);

    impl EntryReader for Collect {
        fn read<R: Read>(
            &mut self,
            entries: tar::Entries<'_, R>,
        ) -> std::result::Result<(), crate::LayerFault> {
            for e in entries {
                let mut e = e?;
                let p = String::from_utf8_lossy(&e.path_bytes()).into_owned();
                let mut b = Vec::new();
                e.read_to_end(&mut b)?;
                self.0.push((p, b));
            }
            Ok(())
        }
    }

    fn files() -> Vec<(String, Vec<u8>)> {
        (0..300)
            .map(|i| {
                let body: Vec<u8> = (0..5_000 + i * 37)
                    .map(|j| b"abcdefghij0123\n"[(j * (i + 3)) % 15])
                    .collect();
                (format!("d/{}/f{i}", "long".repeat(i % 40)), body)
            })
            .collect()
    }

    #[test]
    fn only_the_wanted_entries_are_read_back_from_either_kind_of_layer() {
        for gzip in [true, false] {
            let t = tempfile::tempdir().unwrap();
            let files = files();
            let image = layout(t.path(), &files, gzip);
            let opts = IndexOptions {
                access_points: true,
                ..IndexOptions::default()
            };
            let idx = FsIndex::build(&image, &opts).unwrap();
            let access = idx.layer_access(0).expect("recorded");
            let wanted = |p: &str| p.ends_with('7') || p.ends_with("f150");
            let mut got = Collect::default();
            reread_files(&image, 0, access, &wanted, &mut got)
                .unwrap()
                .expect("read from offsets");
            let want: Vec<(String, Vec<u8>)> = files
                .iter()
                .filter(|(p, _)| wanted(&format!("/{p}")))
                .cloned()
                .collect();
            assert_eq!(got.0, want, "gzip: {gzip}");
        }
    }

    #[test]
    fn an_entry_recorded_past_the_end_is_an_error_not_a_hang() {
        for gzip in [true, false] {
            let t = tempfile::tempdir().unwrap();
            let image = layout(t.path(), &files(), gzip);
            let opts = IndexOptions {
                access_points: true,
                ..IndexOptions::default()
            };
            let idx = FsIndex::build(&image, &opts).unwrap();
            let points = idx.layer_access(0).unwrap().points.clone();
            let end = points.as_ref().map_or(10 << 20, AccessPoints::end);
            let bogus = LayerAccess::new(points, vec![("/x".into(), end + 512, end + 1024)], None);
            let e =
                reread_files(&image, 0, &bogus, &|_| true, &mut Collect::default()).unwrap_err();
            // The whole chain: the layer, then the cause.
            let mut err = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                err.push_str(&format!(": {c}"));
                cause = c.source();
            }
            assert!(err.contains("ends before an entry"), "gzip {gzip}: {err}");
        }
    }

    /// The entries `wanted` takes from layer `index`, read back.
    fn reread(
        image: &Image,
        idx: &FsIndex,
        index: usize,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Vec<(String, Vec<u8>)> {
        let mut got = Collect::default();
        reread_files(
            image,
            index,
            idx.layer_access(index).unwrap(),
            &|p| wanted(p),
            &mut got,
        )
        .unwrap()
        .expect("read from offsets or memory");
        got.0
    }

    #[test]
    fn the_layers_above_the_bottom_one_are_held_and_read_back_from_memory() {
        let t = tempfile::tempdir().unwrap();
        let files = files();
        let (low, high) = files.split_at(100);
        let image = layers(t.path(), &[low, high, &high[..20]], &|tar| {
            Blob::Gzip(vec![tar.to_vec()])
        });
        let want = |files: &[(String, Vec<u8>)], wanted: &dyn Fn(&str) -> bool| {
            files
                .iter()
                .filter(|(p, _)| wanted(&format!("/{p}")))
                .cloned()
                .collect::<Vec<_>>()
        };
        let wanted = |p: &str| p.ends_with('3') || p.ends_with("f250");
        // Budgets: all above the bottom layer, only the top layer, none.
        for (budget, held) in [
            (1 << 30, [false, true, true]),
            (250_000, [false, false, true]),
            (0, [false; 3]),
        ] {
            let opts = IndexOptions {
                access_points: true,
                retain: budget,
                ..IndexOptions::default()
            };
            let idx = FsIndex::build(&image, &opts).unwrap();
            for (i, files) in [low, high, &high[..20]].into_iter().enumerate() {
                let access = idx.layer_access(i).unwrap();
                assert_eq!(
                    access.retained().is_some(),
                    held[i],
                    "budget {budget}, layer {i}"
                );
                if let Some(r) = access.retained() {
                    let size: u64 = image.layers[i].size.unwrap();
                    assert!(
                        r.len() > size,
                        "the whole tar is held: {} <= {size}",
                        r.len()
                    );
                }
                assert_eq!(
                    reread(&image, &idx, i, &wanted),
                    want(files, &wanted),
                    "budget {budget}, layer {i}"
                );
            }
        }
    }

    #[test]
    fn a_layer_whose_trailer_misstates_its_size_falls_back_on_access_points() {
        // Two gzip members: the trailer's ISIZE is the last member's, 1 KiB
        // (the tar's end), so the layer outgrows that share as it is read.
        let t = tempfile::tempdir().unwrap();
        let files = files();
        let image = layers(t.path(), &[&files[..10], &files], &|tar| {
            let (a, b) = tar.split_at(tar.len() - 1024);
            Blob::Gzip(vec![a.to_vec(), b.to_vec()])
        });
        let opts = IndexOptions {
            access_points: true,
            retain: 1 << 30,
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        let access = idx.layer_access(1).unwrap();
        assert!(access.retained().is_none(), "let go");
        assert!(access.points.is_some(), "access points recorded beside it");
        let wanted = |p: &str| p.ends_with('9');
        let want: Vec<_> = files.iter().filter(|(p, _)| wanted(p)).cloned().collect();
        assert_eq!(reread(&image, &idx, 1, &wanted), want);
    }

    #[test]
    fn many_small_layers_hold_no_more_memory_than_the_budget() {
        // One small blob listed 60 times: each listing is a layer of its own.
        let t = tempfile::tempdir().unwrap();
        let small = &files()[1..3];
        let listed: Vec<&[(String, Vec<u8>)]> = vec![small; 60];
        let image = layers(t.path(), &listed, &|tar| Blob::Gzip(vec![tar.to_vec()]));
        let budget: u64 = 200_000;
        let opts = IndexOptions {
            access_points: true,
            retain: budget,
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        let held: Vec<&Retained> = (0..60)
            .filter_map(|i| idx.layer_access(i).and_then(LayerAccess::retained))
            .collect();
        assert!(held.len() > 5, "small layers are held: {}", held.len());
        let memory: u64 = held.iter().map(|r| r.memory()).sum();
        assert!(
            memory <= budget,
            "{memory} bytes held for a budget of {budget}"
        );
        assert!(
            reread(&image, &idx, 59, &|_| true) == small,
            "read back from memory"
        );
    }

    #[test]
    fn a_registrys_upper_layers_are_held_by_their_blobs_size() {
        let t = tempfile::tempdir().unwrap();
        // Contents that deflate little, as a layer's binaries do: what the
        // estimate (6 times the blob) is meant for.
        let mut x = 0x9e37_79b9_u32;
        let files: Vec<(String, Vec<u8>)> = files()
            .into_iter()
            .map(|(p, b)| {
                let noise = b
                    .iter()
                    .map(|&c| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        c ^ ((x >> 24) as u8 & 0x3f)
                    })
                    .collect();
                (p, noise)
            })
            .collect();
        let (low, high) = files.split_at(100);
        let top = &high[..20];
        layers(t.path(), &[low, high, top], &|tar| {
            Blob::Gzip(vec![tar.to_vec()])
        });
        let image = unseekable(t.path());
        assert!(image.open_blob_at(1, 0).unwrap().is_none(), "no offsets");
        let estimate = |i: usize| {
            let blob = image.layers[i].size.unwrap();
            (crate::retain::RATIO * blob).max(crate::retain::MIN_ESTIMATE)
        };
        assert!(
            estimate(1) > estimate(2),
            "the estimates tell the layers apart"
        );
        // Room for the top layer's estimate only, then for both.
        for (budget, held) in [
            (estimate(2), [false, false, true]),
            (estimate(1) + estimate(2), [false, true, true]),
        ] {
            let opts = IndexOptions {
                access_points: true,
                retain: budget,
                ..IndexOptions::default()
            };
            let idx = FsIndex::build(&image, &opts).unwrap();
            for (i, files) in [low, high, top].into_iter().enumerate() {
                let access = idx.layer_access(i);
                assert_eq!(
                    access.and_then(LayerAccess::retained).is_some(),
                    held[i],
                    "budget {budget}, layer {i}"
                );
                if held[i] {
                    let want: Vec<_> = files
                        .iter()
                        .filter(|(p, _)| p.ends_with('1'))
                        .cloned()
                        .collect();
                    assert!(
                        reread(&image, &idx, i, &|p| p.ends_with('1')) == want,
                        "layer {i}"
                    );
                } else {
                    // Nothing to read it again from but the registry.
                    assert!(access.is_none(), "layer {i}");
                }
            }
        }
    }

    #[test]
    fn a_registrys_layer_that_inflates_past_its_estimate_is_let_go() {
        // 3 MiB of zeros: a blob of a few KiB, given 1 MiB.
        let t = tempfile::tempdir().unwrap();
        let zeros = vec![("big".to_string(), vec![0u8; 3 << 20])];
        layers(t.path(), &[&files()[1..3], &zeros], &|tar| {
            Blob::Gzip(vec![tar.to_vec()])
        });
        let image = unseekable(t.path());
        let opts = IndexOptions {
            access_points: true,
            retain: 1 << 30,
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        assert!(
            idx.layer_access(1).is_none(),
            "let go: the second read fetches it again whole"
        );
    }
}
