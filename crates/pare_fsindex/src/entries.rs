//! What the pass does with each entry of a layer's tar stream: its
//! record in the [`LayerScan`], and its bytes for the captures, probes and
//! visitors that want them (read whole, sparsely, or as a stream) —
//! [`read_entries`]. The stream it reads comes from [`crate::scan`].

use crate::error::LayerFault;
use crate::index::{Entry, Kind};
use crate::scan::{normalize_path, LayerScan};
use crate::IndexOptions;
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};

/// Files at least this large are read into memory one at a time across all
/// layer tasks (see [`BigSlot`]).
const BIG_FILE: u64 = 8 << 20;

/// ELF files at least this large are read sparsely (see `sparse.rs`) when
/// only header-reading probes want them, and a buffer that held a file this
/// large is released after it, not kept for the rest of the layer.
const SPARSE_FILE: u64 = 1 << 20;

/// One process-wide slot for reading a big file into memory for captures
/// and probes. Layers are scanned in parallel, and an image's largest ELF
/// files (a toolchain's `cc1plus`, `lto1`: 30+ MiB each) would otherwise be
/// buffered side by side, one per core: peak memory would grow with the
/// core count and the binaries' sizes. Holding the slot only while one such
/// file is read and probed keeps the peak at the largest file plus the
/// index, whatever the parallelism; the wait is rare (few files are that
/// big) and cannot deadlock, since the holder only reads its own layer.
struct BigSlot {
    busy: Mutex<bool>,
    freed: Condvar,
}

static BIG_SLOT: BigSlot = BigSlot {
    busy: Mutex::new(false),
    freed: Condvar::new(),
};

struct BigGuard;

impl BigSlot {
    fn acquire(&'static self) -> BigGuard {
        let mut busy = self
            .busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *busy {
            busy = self
                .freed
                .wait(busy)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *busy = true;
        BigGuard
    }
}

impl Drop for BigGuard {
    fn drop(&mut self) {
        let mut busy = BIG_SLOT
            .busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *busy = false;
        BIG_SLOT.freed.notify_one();
    }
}

pub(crate) fn wants_bytes(
    opts: &IndexOptions,
    rel: &str,
    size: u64,
    mode: u32,
    head: &[u8],
) -> (bool, Vec<usize>) {
    let capture = opts.capture.is_match(rel);
    let probes = opts
        .probes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.wants(rel, size, mode, head))
        .map(|(i, _)| i)
        .collect();
    (capture, probes)
}

/// The visitors that want this regular file: those that see it whole, the
/// one that reads it as a stream (over the size cap, the first that
/// [`crate::Visitor::streams`]), and those that would but for the size cap
/// (recorded, never silently dropped: [`crate::FsIndex::unvisited`]).
pub(crate) fn visitors_wanting(
    opts: &IndexOptions,
    rel: &str,
    size: u64,
    head: &[u8],
) -> (Vec<usize>, Option<usize>, Vec<usize>) {
    let wanting: Vec<usize> = opts
        .visitors
        .iter()
        .enumerate()
        .filter(|(_, v)| v.wants(rel, size, head))
        .map(|(i, _)| i)
        .collect();
    if size <= opts.max_visit_file {
        return (wanting, None, Vec::new());
    }
    let mut streamed = None;
    let mut over = Vec::new();
    for i in wanting {
        if streamed.is_none() && opts.visitors[i].streams() {
            streamed = Some(i);
        } else {
            over.push(i);
        }
    }
    (Vec::new(), streamed, over)
}

/// Show `data` to the visitors `visits`, keeping their results.
pub(crate) fn run_visitors(
    opts: &IndexOptions,
    visits: &[usize],
    layer: usize,
    path: &str,
    data: &[u8],
    out: &mut Vec<(usize, String, Vec<u8>)>,
) {
    for &i in visits {
        if let Some(r) = opts.visitors[i].visit(layer, &path[1..], data) {
            out.push((i, path.to_string(), r));
        }
    }
}

/// A stream that ends inside an entry (its contents, its padding) or a
/// header, said as such instead of the tar reader's `unexpected EOF during
/// skip`; other errors pass through.
fn truncated(e: std::io::Error, last: Option<&str>) -> LayerFault {
    let msg = e.to_string();
    let eof = e.kind() == std::io::ErrorKind::UnexpectedEof
        || msg.contains("unexpected EOF")
        || msg.contains("failed to read entire block");
    if !eof
        || e.get_ref()
            .is_some_and(|i| i.is::<pare_image::LayerError>())
    {
        return LayerFault::Io(e);
    }
    let what = match last {
        Some(p) if msg.contains("entire block") => format!("the header after entry `{p}`"),
        Some(p) => format!("entry `{p}`"),
        None => "its first header".to_string(),
    };
    LayerFault::Io(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("the tar stream ends inside {what} (truncated layer)"),
    ))
}

pub(crate) fn read_entries<R: Read>(
    entries: tar::Entries<'_, R>,
    layer: usize,
    opts: &IndexOptions,
    scan: &mut LayerScan,
) -> Result<(), LayerFault> {
    let mut captured_total = 0u64;
    let mut buf: Vec<u8> = Vec::new();
    let need_content =
        !opts.capture.is_empty() || !opts.probes.is_empty() || !opts.visitors.is_empty();
    let mut last: Option<String> = None;
    // Where the current entry's headers (PAX, GNU long names, its own)
    // start: where the one before it ended.
    let mut start = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| truncated(e, last.as_deref()))?;
        let span_start = start;
        start = entry.raw_file_position()
            + entry
                .header()
                .entry_size()
                .unwrap_or(0)
                .next_multiple_of(512);
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path =
            normalize_path(&raw).ok_or_else(|| LayerFault::UnsafePath { path: raw.clone() })?;
        last = Some(raw.trim_start_matches("./").to_string());
        let header = entry.header();
        let ty = header.entry_type();
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if let Some(target) = name.strip_prefix(".wh.") {
            let dir = if dir.is_empty() { "/" } else { dir };
            if target == ".wh..opq" {
                scan.opaque.push(dir.to_string());
            } else if !target.is_empty() {
                scan.whiteouts.push(if dir == "/" {
                    format!("/{target}")
                } else {
                    format!("{dir}/{target}")
                });
            }
            continue;
        }
        let kind = match ty {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                Kind::File
            }
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Symlink,
            tar::EntryType::Link => Kind::Hardlink,
            tar::EntryType::Char => Kind::CharDevice,
            tar::EntryType::Block => Kind::BlockDevice,
            tar::EntryType::Fifo => Kind::Fifo,
            // PAX and GNU long-name headers are consumed by the tar crate;
            // anything else carries no file.
            _ => continue,
        };
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = if kind == Kind::File { entry.size() } else { 0 };
        let link = match kind {
            Kind::Symlink => entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned()),
            Kind::Hardlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default();
                Some(
                    normalize_path(&target).ok_or_else(|| LayerFault::UnsafeLink {
                        path: raw.clone(),
                        target,
                    })?,
                )
            }
            _ => None,
        };
        if kind == Kind::File && opts.access_points {
            scan.spans.push((path.clone(), span_start, start));
        }
        if kind == Kind::File && need_content {
            let rel = &path[1..];
            let mut head = [0u8; 64];
            let mut got = 0;
            while got < head.len() {
                match entry
                    .read(&mut head[got..])
                    .map_err(|e| truncated(e, last.as_deref()))?
                {
                    0 => break,
                    n => got += n,
                }
            }
            let (capture, probes) = wants_bytes(opts, rel, size, mode, &head[..got]);
            let (visits, streamed, over) = visitors_wanting(opts, rel, size, &head[..got]);
            scan.unvisited
                .extend(over.into_iter().map(|i| (i, path.clone(), size)));
            // Read whole for a capture or a probe: the streaming visitor
            // reads that buffer; otherwise it reads the entry itself.
            let whole = (capture || !probes.is_empty()) && size <= opts.max_capture_file;
            if let Some(i) = streamed.filter(|_| !whole) {
                let mut stream = (&head[..got]).chain(&mut entry);
                if let Some(out) = opts.visitors[i]
                    .visit_stream(layer, rel, size, &mut stream)
                    .map_err(|e| truncated(e, last.as_deref()))?
                {
                    scan.visited.push((i, path.clone(), out));
                }
            }
            if capture || !probes.is_empty() || !visits.is_empty() {
                if size > opts.max_capture_file {
                    scan.skipped_large.push((path.clone(), size));
                } else if !capture
                    && visits.is_empty()
                    && streamed.is_none()
                    && size >= SPARSE_FILE
                    && head.starts_with(b"\x7fELF")
                    && probes.iter().all(|&i| !opts.probes[i].reads_code())
                {
                    // A binary that only header-reading probes want: its
                    // code segments are skipped, not buffered.
                    let _slot = (size >= BIG_FILE).then(|| BIG_SLOT.acquire());
                    let data = crate::sparse::read(&mut entry, &head[..got], size)
                        .map_err(|e| truncated(e, last.as_deref()))?;
                    for i in probes {
                        if let Some(out) = opts.probes[i].probe(rel, &data) {
                            scan.probed.push((i, path.clone(), out));
                        }
                    }
                } else {
                    let big = size >= BIG_FILE;
                    let _slot = big.then(|| BIG_SLOT.acquire());
                    buf.clear();
                    // Exactly the declared size (bounded above): no doubling
                    // slack on a 35 MiB binary.
                    buf.reserve_exact(usize::try_from(size).unwrap_or(0));
                    buf.extend_from_slice(&head[..got]);
                    // A short stream errors out of the tar reader.
                    entry
                        .read_to_end(&mut buf)
                        .map_err(|e| truncated(e, last.as_deref()))?;
                    for i in probes {
                        if let Some(out) = opts.probes[i].probe(rel, &buf) {
                            scan.probed.push((i, path.clone(), out));
                        }
                    }
                    run_visitors(opts, &visits, layer, &path, &buf, &mut scan.visited);
                    if let Some(i) = streamed {
                        if let Some(out) = opts.visitors[i]
                            .visit_stream(layer, rel, size, &mut &buf[..])
                            .map_err(LayerFault::Io)?
                        {
                            scan.visited.push((i, path.clone(), out));
                        }
                    }
                    if capture {
                        captured_total += buf.len() as u64;
                        if captured_total > opts.max_capture_total {
                            return Err(LayerFault::CaptureLimit {
                                limit: opts.max_capture_total,
                            });
                        }
                        scan.captured
                            .push((path.clone(), Arc::from(buf.as_slice())));
                    }
                    if size >= SPARSE_FILE {
                        // Give a large buffer back rather than keep it for
                        // the rest of the layer.
                        buf = Vec::new();
                    }
                }
            }
        }
        scan.entries.push((
            path,
            Entry {
                kind,
                mode,
                uid,
                gid,
                size,
                link,
                layer: 0,
            },
        ));
    }
    Ok(())
}
