//! Streaming the kept entries, in a safe order, into a [`Sink`]: a tar
//! layer ([`super::layer`]) or a directory ([`super::unpack`]).

use super::{io, Selection, Source, EPOCH};
use crate::{Error, Result};
use pare_fsindex::{FsIndex, Kind, LayerFault};
use pare_image::{Image, Limits};
use std::collections::HashMap;
use std::io::Read;

/// Where kept entries go.
pub(super) trait Sink: Send {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()>;
    fn file(&mut self, path: &str, meta: FileMeta, data: &mut dyn Read) -> Result<()>;
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()>;
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()>;
}

/// A regular file's header.
#[derive(Debug, Clone, Copy)]
pub(super) struct FileMeta {
    pub(super) mode: u32,
    pub(super) uid: u64,
    pub(super) gid: u64,
    pub(super) size: u64,
    pub(super) mtime: u64,
}

/// Stream every kept entry of `image` into `sink`.
pub(super) fn emit(src: Source<'_>, sel: &Selection<'_>, sink: &mut dyn Sink) -> Result<u64> {
    let (image, idx, limits) = (src.image, src.index, src.limits);
    let replaced: HashMap<&str, &[u8]> = sel
        .replaced
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let mut files = 0u64;
    // Directories, parents first (the set is sorted).
    for p in sel.keep {
        if let Some(e) = idx.get(p).filter(|e| e.kind == Kind::Dir) {
            let mode = if p == "/tmp" || p == "/var/tmp" {
                0o1777
            } else {
                e.mode
            };
            sink.dir(p, mode, e.uid, e.gid)?;
        }
    }
    if !sel.keep.contains("/tmp") || idx.get("/tmp").is_none() {
        sink.dir("/tmp", 0o1777, 0, 0)?;
    }
    // Mount points runtimes (and `bwrap` over a read-only root) need.
    for m in ["/dev", "/proc", "/sys"] {
        if idx.get(m).is_none() {
            sink.dir(m, 0o755, 0, 0)?;
        }
    }
    // Regular files: from the layer that last wrote each one.
    let wanted = |p: &str, layer: usize| -> bool {
        sel.keep.contains(p)
            && !replaced.contains_key(p)
            && idx
                .get(p)
                .is_some_and(|e| e.kind == Kind::File && e.layer == layer)
    };
    if let Some(root) = &image.rootfs {
        for p in sel.keep {
            if !wanted(p, 0) {
                continue;
            }
            let e = idx.get(p).expect("wanted");
            let host = root.join(&p[1..]);
            let mut f = std::fs::File::open(&host).map_err(io(host.display().to_string()))?;
            let meta = f.metadata().map_err(io(host.display().to_string()))?;
            use std::os::unix::fs::MetadataExt;
            sink.file(
                p,
                FileMeta {
                    mode: e.mode,
                    uid: e.uid,
                    gid: e.gid,
                    size: meta.len(),
                    mtime: u64::try_from(meta.mtime()).unwrap_or(EPOCH),
                },
                &mut f,
            )?;
            files += 1;
        }
    } else {
        // Layers that hold no kept file are not read at all.
        let mut needed = std::collections::BTreeMap::<usize, u64>::new();
        for p in sel.keep {
            if let Some(e) = idx.get(p).filter(|e| wanted(p, e.layer)) {
                *needed.entry(e.layer).or_default() += e.size;
            }
        }
        let needed: Vec<(usize, u64)> = needed.into_iter().collect();
        files += copy_layers(image, idx, limits, needed, &wanted, sink, SPOOL_BUDGET)?;
    }
    for (p, b) in sel.replaced {
        let (mode, uid, gid) = idx.get(p).map_or((0o644, 0, 0), |e| (e.mode, e.uid, e.gid));
        sink.file(
            p,
            FileMeta {
                mode,
                uid,
                gid,
                size: b.len() as u64,
                mtime: EPOCH,
            },
            &mut &b[..],
        )?;
        files += 1;
    }
    for p in sel.keep {
        if let Some(e) = idx.get(p).filter(|e| e.kind == Kind::Hardlink) {
            if let Some(t) = e.link.as_deref().filter(|t| sel.keep.contains(*t)) {
                sink.hardlink(p, t)?;
            }
        }
    }
    for p in sel.keep {
        if let Some(e) = idx.get(p).filter(|e| e.kind == Kind::Symlink) {
            sink.symlink(p, e.link.as_deref().unwrap_or(""), e.uid, e.gid)?;
        }
    }
    Ok(files)
}

/// Copies the files of one layer that the selection takes from it into
/// the sink, as the layer streams.
struct Copier<'a> {
    layer: usize,
    idx: &'a FsIndex,
    wanted: &'a Wanted<'a>,
    sink: &'a mut dyn FnMut(&str, FileMeta, &mut dyn Read) -> Result<()>,
    files: u64,
    /// The sink's failure (writing the output), which stopped the read.
    failed: Option<Error>,
}

impl pare_fsindex::EntryReader for Copier<'_> {
    fn read<R: Read>(
        &mut self,
        entries: tar::Entries<'_, R>,
    ) -> std::result::Result<(), LayerFault> {
        for ent in entries {
            let mut ent = ent?;
            if !matches!(
                ent.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous
            ) {
                continue;
            }
            let raw = String::from_utf8_lossy(&ent.path_bytes()).into_owned();
            let Some(p) = pare_fsindex::normalize_path(&raw) else {
                continue;
            };
            if !(self.wanted)(&p, self.layer) {
                continue;
            }
            let Some(e) = self.idx.get(&p) else { continue };
            let meta = FileMeta {
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                size: ent.size(),
                mtime: ent.header().mtime().unwrap_or(EPOCH),
            };
            let mut read = Tracked {
                inner: &mut ent,
                failed: None,
            };
            if let Err(err) = (self.sink)(&p, meta, &mut read) {
                // A failure to read the layer (corrupt, truncated) is the
                // layer's, whatever the sink made of it.
                if let Some(e) = read.failed {
                    return Err(LayerFault::Io(e));
                }
                self.failed = Some(err);
                return Err(LayerFault::Io(std::io::Error::other("the output failed")));
            }
            self.files += 1;
        }
        Ok(())
    }
}

/// Whether the file at a path is taken from a layer.
type Wanted<'a> = dyn Fn(&str, usize) -> bool + Sync + 'a;

/// Kept bytes of the smaller layers held in memory while the largest
/// streams (see [`copy_layers`]).
const SPOOL_BUDGET: u64 = 32 << 20;

/// Copy the kept files of the layers `needed` (layer, bytes kept from
/// it) into `sink`: the layer that gives the most bytes on this thread,
/// straight into the sink, and the others at the same time on a second
/// one, their files held in memory (up to `budget` bytes) until the
/// sink is free, then written straight through. Reading one layer after
/// the other left a core idle while one layer's decompression ran alone;
/// streaming the layer that gives the most (not the largest: a base layer
/// is mostly inflated to be skipped) keeps the held bytes few.
///
/// The other layers are shared out between the two threads by their blob
/// sizes (what reading them costs), the first thread taking its share
/// after its main layer. The output does not depend on timing: the first
/// thread's files come first (its main layer, then its share in layer
/// order), then the second's (in layer order); each path is written once,
/// from the layer that last wrote it, so the order changes nothing in the
/// image. Past the budget the second thread waits for the sink: memory
/// stays bounded whatever the layers hold.
fn copy_layers(
    image: &Image,
    idx: &FsIndex,
    limits: &Limits,
    needed: Vec<(usize, u64)>,
    wanted: &Wanted<'_>,
    sink: &mut dyn Sink,
    budget: u64,
) -> Result<u64> {
    let Some(&(main, _)) = needed
        .iter()
        .max_by_key(|&&(layer, bytes)| (bytes, std::cmp::Reverse(layer)))
    else {
        return Ok(0);
    };
    // The other layers shared out by what reading them costs (their blob
    // size), the most costly first, each to the thread with less to read:
    // the first thread goes on with its share once its main layer is done.
    let cost = |l: usize| image.layers[l].size.unwrap_or(0);
    let mut rest: Vec<usize> = needed
        .into_iter()
        .map(|(l, _)| l)
        .filter(|&l| l != main)
        .collect();
    rest.sort_by_key(|&l| (std::cmp::Reverse(cost(l)), l));
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let (mut first_cost, mut second_cost) = (cost(main), 0);
    for l in rest {
        if second_cost <= first_cost {
            second.push(l);
            second_cost += cost(l);
        } else {
            first.push(l);
            first_cost += cost(l);
        }
    }
    first.sort_unstable();
    second.sort_unstable();
    let shared = std::sync::Mutex::new(sink);
    std::thread::scope(|s| {
        // Taken before the second thread starts, so that it can never
        // write first.
        let mut guard = shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let others = s.spawn(|| -> Result<u64> {
            let mut spool = Spool {
                shared: &shared,
                guard: None,
                held: Vec::new(),
                bytes: 0,
                budget,
            };
            let mut files = 0;
            for index in second {
                files += copy_layer(image, idx, limits, index, wanted, &mut |p, m, r| {
                    spool.file(p, m, r)
                })?;
            }
            spool.direct()?;
            Ok(files)
        });
        let main_files = || -> Result<u64> {
            let mut files = 0;
            for index in std::iter::once(main).chain(first) {
                files += copy_layer(image, idx, limits, index, wanted, &mut |p, m, r| {
                    guard.file(p, m, r)
                })?;
            }
            Ok(files)
        };
        let main_files = main_files();
        drop(guard);
        let other_files = others.join().unwrap_or_else(|_| {
            Err(io("the layer-reading thread")(std::io::Error::other(
                "panicked",
            )))
        });
        Ok(main_files? + other_files?)
    })
}

/// Copy the files layer `index` holds for the selection through `file`.
fn copy_layer(
    image: &Image,
    idx: &FsIndex,
    limits: &Limits,
    index: usize,
    wanted: &Wanted<'_>,
    file: &mut dyn FnMut(&str, FileMeta, &mut dyn Read) -> Result<()>,
) -> Result<u64> {
    let mut copier = Copier {
        layer: index,
        idx,
        wanted,
        sink: file,
        files: 0,
        failed: None,
    };
    // Only the wanted entries when the pass recorded where they lie (and,
    // for a gzip layer, access points): most of a base layer is not kept.
    // `reread_files` declines (`None`) before reading anything.
    let res = match idx.layer_access(index).map(|access| {
        pare_fsindex::reread_files(image, index, access, &|p| wanted(p, index), &mut copier)
    }) {
        Some(Ok(Some(n))) => Ok(n),
        Some(Err(e)) => Err(e),
        None | Some(Ok(None)) => pare_fsindex::reread_layer(image, index, limits, &mut copier),
    };
    if let Some(e) = copier.failed {
        return Err(e);
    }
    res.map_err(|e| Error::Layer {
        index,
        source: Box::new(e),
    })?;
    Ok(copier.files)
}

/// The second thread's way to the sink: files held in memory until the
/// sink is free or the budget is spent, then written straight through.
struct Spool<'a, 'b> {
    shared: &'a std::sync::Mutex<&'b mut dyn Sink>,
    guard: Option<std::sync::MutexGuard<'a, &'b mut dyn Sink>>,
    held: Vec<(String, FileMeta, Vec<u8>)>,
    bytes: u64,
    budget: u64,
}

impl Spool<'_, '_> {
    fn file(&mut self, path: &str, meta: FileMeta, data: &mut dyn Read) -> Result<()> {
        // The first thread holds the sink until it is done: once it is
        // free, stop holding.
        if self.guard.is_none() {
            match self.shared.try_lock() {
                Ok(g) => self.guard = Some(g),
                Err(std::sync::TryLockError::Poisoned(p)) => self.guard = Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        if self.guard.is_none() && self.bytes + meta.size <= self.budget {
            let mut bytes = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
            data.take(meta.size)
                .read_to_end(&mut bytes)
                .map_err(io(path))?;
            if bytes.len() as u64 != meta.size {
                return Err(io(path)(std::io::ErrorKind::UnexpectedEof.into()));
            }
            self.bytes += meta.size;
            self.held.push((path.to_string(), meta, bytes));
            return Ok(());
        }
        self.direct()?;
        let sink = self.guard.as_mut().expect("held by direct()");
        sink.file(path, meta, data)
    }

    /// Wait for the sink, write what is held, and keep the sink.
    fn direct(&mut self) -> Result<()> {
        if self.guard.is_none() {
            self.guard = Some(
                self.shared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
        }
        let sink = self.guard.as_mut().expect("just taken");
        for (path, meta, bytes) in self.held.drain(..) {
            sink.file(&path, meta, &mut bytes.as_slice())?;
        }
        self.bytes = 0;
        Ok(())
    }
}

/// A reader that keeps its first failure.
struct Tracked<'r, R> {
    inner: &'r mut R,
    failed: Option<std::io::Error>,
}

impl<R: Read> Read for Tracked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if self.failed.is_none() {
                self.failed = Some(std::io::Error::new(e.kind(), e.to_string()));
            }
        })
    }
}

#[cfg(test)]
#[path = "emit_tests.rs"]
mod tests;
