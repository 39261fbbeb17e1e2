//! Indexing an unpacked root filesystem directory as one pseudo-layer.

use crate::entries::{run_visitors, visitors_wanting, wants_bytes};
use crate::index::{Entry, Kind};
use crate::{Error, IndexOptions, LayerScan, Result};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;

/// Directories nested deeper than this are not descended (a pathological
/// tree must not exhaust the stack).
const MAX_DEPTH: usize = 512;

pub(crate) fn scan_dir(root: &Path, opts: &IndexOptions) -> Result<LayerScan> {
    let mut scan = LayerScan::default();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    let mut total = 0u64;
    while let Some((dir, prefix, depth)) = stack.pop() {
        let io = |source, p: &Path| Error::Rootfs {
            path: p.display().to_string(),
            source,
        };
        let rd = std::fs::read_dir(&dir).map_err(|e| io(e, &dir))?;
        for ent in rd {
            let ent = ent.map_err(|e| io(e, &dir))?;
            let p = ent.path();
            let meta = std::fs::symlink_metadata(&p).map_err(|e| io(e, &p))?;
            let name = ent.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}/{name}");
            let ft = meta.file_type();
            let kind = if ft.is_dir() {
                Kind::Dir
            } else if ft.is_symlink() {
                Kind::Symlink
            } else if ft.is_file() {
                Kind::File
            } else if ft.is_char_device() {
                Kind::CharDevice
            } else if ft.is_block_device() {
                Kind::BlockDevice
            } else {
                Kind::Fifo
            };
            let link = if kind == Kind::Symlink {
                Some(
                    std::fs::read_link(&p)
                        .map_err(|e| io(e, &p))?
                        .to_string_lossy()
                        .into_owned(),
                )
            } else {
                None
            };
            let size = if kind == Kind::File { meta.len() } else { 0 };
            let mode = meta.mode() & 0o7777;
            if kind == Kind::File
                && (!opts.capture.is_empty()
                    || !opts.probes.is_empty()
                    || !opts.visitors.is_empty())
            {
                let rel = &path[1..];
                let head = read_head(&p).map_err(|e| io(e, &p))?;
                let (capture, probes) = wants_bytes(opts, rel, size, mode, &head);
                let (visits, streamed, over) = visitors_wanting(opts, rel, size, &head);
                scan.unvisited
                    .extend(over.into_iter().map(|i| (i, path.clone(), size)));
                if let Some(i) = streamed {
                    // The size the listing saw: a file still growing is
                    // read as far as that.
                    let f = std::fs::File::open(&p).map_err(|e| io(e, &p))?;
                    if let Some(out) = opts.visitors[i]
                        .visit_stream(0, rel, size, &mut std::io::Read::take(f, size))
                        .map_err(|e| io(e, &p))?
                    {
                        scan.visited.push((i, path.clone(), out));
                    }
                }
                if capture || !probes.is_empty() || !visits.is_empty() {
                    if size > opts.max_capture_file {
                        scan.skipped_large.push((path.clone(), size));
                    } else {
                        let data = std::fs::read(&p).map_err(|e| io(e, &p))?;
                        for i in probes {
                            if let Some(out) = opts.probes[i].probe(rel, &data) {
                                scan.probed.push((i, path.clone(), out));
                            }
                        }
                        run_visitors(opts, &visits, 0, &path, &data, &mut scan.visited);
                        if capture {
                            total += data.len() as u64;
                            if total > opts.max_capture_total {
                                return Err(Error::Rootfs {
                                    path: p.display().to_string(),
                                    source: std::io::Error::other(
                                        "captured file contents exceed the limit",
                                    ),
                                });
                            }
                            scan.captured.push((path.clone(), Arc::from(data)));
                        }
                    }
                }
            }
            scan.tar_bytes += size;
            if kind == Kind::Dir && depth < MAX_DEPTH {
                stack.push((p, path.clone(), depth + 1));
            }
            scan.entries.push((
                path,
                Entry {
                    kind,
                    mode,
                    uid: meta.uid().into(),
                    gid: meta.gid().into(),
                    size,
                    link,
                    layer: 0,
                },
            ));
        }
    }
    Ok(scan)
}

fn read_head(p: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(p)?.take(64).read_to_end(&mut head)?;
    Ok(head)
}
