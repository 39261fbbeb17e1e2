//! The kept entries as one tar layer, streamed into a writer: the tar is
//! built on the calling thread (which also reads the source layers) and
//! hashed, compressed when asked, and written on a second one, so that
//! reading and writing run on two cores.

use super::emit::{emit, FileMeta, Sink};
use super::{io, Selection, Source, EPOCH};
use crate::{Error, Result};
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};

/// A writer that hashes and counts what passes through.
pub(super) struct Hashing<W> {
    pub(super) inner: W,
    hash: Sha256,
    n: u64,
}

impl<W> Hashing<W> {
    pub(super) fn new(inner: W) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            n: 0,
        }
    }
    /// `sha256:…` of what was written, and how many bytes.
    pub(super) fn digest(&self) -> (String, u64) {
        (
            format!("sha256:{}", hex::encode(self.hash.clone().finalize())),
            self.n,
        )
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(b)?;
        self.hash.update(&b[..k]);
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The tar stream's writer: chunks go to the writing thread.
struct LayerWriter {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    buf: Vec<u8>,
}

/// Chunks handed to the writing thread: exactly this long (the last one
/// shorter), wherever the tar builder's writes fall, because gzip deflates
/// each chunk on its own (`pgzip`): the compressed blob, and so the
/// image's digest, is a function of the tar alone, not of how the source
/// layers happened to be read (a gzip layout, one held in memory, a
/// docker-archive).
const CHUNK: usize = 1 << 20;

impl LayerWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(chunk).ok())
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the writing thread stopped")
            })
    }
}

impl Write for LayerWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut rest = b;
        while !rest.is_empty() {
            let n = (CHUNK - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if self.buf.len() == CHUNK {
                self.send()?;
            }
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// zstd level 1 on two workers: on `node-app` (111 MB kept) slim wrote
/// its layout in 0.98 s against 1.29 s at level 3 single-threaded and
/// 1.30 s with gzip; 39.8 MB against 34.9 MB (level 3) and 50.5 MB
/// (gzip). Interleaved runs, `BENCHMARKS.md`.
const ZSTD_LEVEL: i32 = 1;
const ZSTD_WORKERS: u32 = 2;

/// How the layer is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    /// gzip, level 1 (OCI layouts: what registries and every runtime take).
    Gzip,
    /// zstd, level 1 on two workers (OCI layouts, when asked for).
    Zstd,
    /// None (docker-archive, as `docker save` writes).
    None,
}

/// What was written: the tar's `diff_id` and size, the stored blob's
/// digest and size (the same when uncompressed), and the regular files.
#[derive(Debug, Clone)]
pub(super) struct Layer {
    pub(super) diff_id: String,
    pub(super) size: u64,
    pub(super) digest: String,
    pub(super) stored_size: u64,
    pub(super) files: u64,
}

/// A compressed layer: the tar's hash and size, the stored blob's, and the
/// writer back.
fn compressed<W>(tar: &Hashing<std::io::Sink>, stored: Hashing<W>) -> (Layer, W) {
    let (diff_id, size) = tar.digest();
    let (digest, stored_size) = stored.digest();
    (
        Layer {
            diff_id,
            size,
            digest,
            stored_size,
            files: 0,
        },
        stored.inner,
    )
}

/// Hash the tar (diff_id), compress it when asked, hash that (digest)
/// and write it to `out`, from the chunks `rx` receives.
fn drain<W: Write>(
    rx: &std::sync::mpsc::Receiver<Vec<u8>>,
    out: W,
    compression: Compression,
) -> std::io::Result<(Layer, W)> {
    match compression {
        Compression::Gzip => {
            // Deflated on two threads (`pgzip`), the tar hashed here.
            let mut tar = Hashing::new(std::io::sink());
            let stored = super::pgzip::write(rx, Hashing::new(out), |c| tar.write_all(c))?;
            Ok(compressed(&tar, stored))
        }
        Compression::Zstd => {
            let mut tar = Hashing::new(std::io::sink());
            let mut z = zstd::stream::write::Encoder::new(Hashing::new(out), ZSTD_LEVEL)?;
            // The output does not depend on the workers' timing (zstd's
            // multithreaded mode cuts the input into jobs of a fixed
            // size; `slim_run.rs` compares two runs).
            z.multithread(ZSTD_WORKERS)?;
            for chunk in rx {
                tar.write_all(&chunk)?;
                z.write_all(&chunk)?;
            }
            Ok(compressed(&tar, z.finish()?))
        }
        Compression::None => {
            // Stored as it is: one hash serves as digest and diff_id.
            let mut w = Hashing::new(out);
            for chunk in rx {
                w.write_all(&chunk)?;
            }
            let (digest, size) = w.digest();
            Ok((
                Layer {
                    diff_id: digest.clone(),
                    size,
                    digest,
                    stored_size: size,
                    files: 0,
                },
                w.inner,
            ))
        }
    }
}

/// Write the kept entries of `image` as one tar layer into `out`
/// (`name` names it in errors), and give `out` back.
pub(super) fn write<W: Write + Send>(
    src: Source<'_>,
    sel: &Selection<'_>,
    out: W,
    compression: Compression,
    name: &str,
) -> Result<(Layer, W)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let (files, drained) = std::thread::scope(|scope| {
        let worker = scope.spawn(move || drain(&rx, out, compression));
        // The sink (and the sender in it) is dropped at the end of this
        // block, on success and on error alike: that ends the worker's
        // input.
        let emitted = {
            let mut sink = TarSink {
                b: tar::Builder::new(LayerWriter {
                    tx: Some(tx),
                    buf: Vec::with_capacity(CHUNK),
                }),
                path: name.to_string(),
            };
            sink.b.mode(tar::HeaderMode::Complete);
            match emit(src, sel, &mut sink) {
                Ok(files) => sink
                    .b
                    .into_inner()
                    .and_then(|mut w| w.send())
                    .map(|()| files)
                    .map_err(io(name)),
                Err(e) => Err(e),
            }
        };
        let done = worker
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread panicked")));
        (emitted, done)
    });
    // A failing worker explains a broken pipe on the emitting side.
    let (mut layer, out) = drained.map_err(io(name))?;
    layer.files = files?;
    Ok((layer, out))
}

struct TarSink {
    b: tar::Builder<LayerWriter>,
    path: String,
}

impl TarSink {
    fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, mtime: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(mtime);
        h.set_size(0);
        h
    }
    fn err(&self) -> impl FnOnce(std::io::Error) -> Error {
        io(self.path.clone())
    }
}

pub(super) fn rel(p: &str) -> &str {
    p.trim_start_matches('/')
}

impl Sink for TarSink {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Directory, mode, uid, gid, EPOCH);
        let e = self.err();
        self.b
            .append_data(&mut h, format!("{}/", rel(path)), std::io::empty())
            .map_err(e)
    }
    fn file(&mut self, path: &str, m: FileMeta, data: &mut dyn Read) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Regular, m.mode, m.uid, m.gid, m.mtime);
        h.set_size(m.size);
        let e = self.err();
        self.b
            .append_data(&mut h, rel(path), data.take(m.size))
            .map_err(e)
    }
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, EPOCH);
        let e = self.err();
        self.b
            .append_link(&mut h, rel(path), rel(target))
            .map_err(e)
    }
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, uid, gid, EPOCH);
        let e = self.err();
        self.b.append_link(&mut h, rel(path), target).map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gzip blob of `data` written to a [`LayerWriter`] in pieces of
    /// `piece` bytes.
    fn gzip_in_pieces(data: &[u8], piece: usize) -> Vec<u8> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        std::thread::scope(|s| {
            let worker = s.spawn(move || drain(&rx, Vec::new(), Compression::Gzip));
            let mut w = LayerWriter {
                tx: Some(tx),
                buf: Vec::with_capacity(CHUNK),
            };
            for p in data.chunks(piece) {
                w.write_all(p).unwrap();
            }
            w.send().unwrap();
            drop(w);
            worker.join().unwrap().unwrap().1
        })
    }

    #[test]
    fn the_gzip_blob_depends_on_the_tar_not_on_the_writes() {
        let data: Vec<u8> = (0..3 * CHUNK + 12_345)
            .map(|i| (i % 251) as u8 ^ (i / 4099) as u8)
            .collect();
        let whole = gzip_in_pieces(&data, data.len());
        for piece in [1000, 65_536, CHUNK - 1, CHUNK + 7] {
            assert!(gzip_in_pieces(&data, piece) == whole, "pieces of {piece}");
        }
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&whole[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == data);
    }
}
