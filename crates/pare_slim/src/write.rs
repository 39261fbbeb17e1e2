//! Writing the kept paths: as one squashed layer of a new OCI layout
//! ([`oci_layout`]), or unpacked into a directory for the sandbox
//! ([`unpack`]).
//!
//! Directories, symlinks and hardlinks come from the index; regular files
//! stream from the source layers (each file from the layer that last wrote
//! it), or from a rootfs directory; rewritten files from the plan. Entries
//! are written in this order: directories, files, hardlinks, symlinks — so
//! no file is ever written through a symlink of the image, and unpacking
//! can never leave the destination.

use crate::{Error, Result};
use pare_fsindex::{FsIndex, Kind};
use pare_image::{ConfigFile, Image, Limits};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The mtime of entries that carry none in the index (directories,
/// links, rewritten files): 2023-11-14, the fleet's `SOURCE_DATE_EPOCH`,
/// so that outputs are reproducible.
const EPOCH: u64 = 1_700_000_000;

/// Where kept entries go.
trait Sink {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()>;
    fn file(&mut self, path: &str, meta: FileMeta, data: &mut dyn Read) -> Result<()>;
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()>;
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()>;
}

/// A regular file's header.
#[derive(Debug, Clone, Copy)]
struct FileMeta {
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
    mtime: u64,
}

fn io(path: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

/// What to write: the kept paths and the rewritten files.
pub struct Selection<'a> {
    /// Absolute paths kept.
    pub keep: &'a BTreeSet<String>,
    /// Rewritten files.
    pub replaced: &'a [(String, Vec<u8>)],
}

/// Stream every kept entry of `image` into `sink`.
fn emit(
    image: &Image,
    idx: &FsIndex,
    sel: &Selection<'_>,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<u64> {
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
        let needed: std::collections::HashSet<usize> = sel
            .keep
            .iter()
            .filter_map(|p| idx.get(p))
            .filter(|e| e.kind == Kind::File)
            .map(|e| e.layer)
            .collect();
        for index in (0..image.layers.len()).filter(|i| needed.contains(i)) {
            let lerr =
                |source: Box<dyn std::error::Error + Send + Sync>| Error::Layer { index, source };
            let mut stream = image
                .open_layer(index, limits)
                .map_err(|e| lerr(Box::new(e)))?;
            {
                let mut ar = tar::Archive::new(&mut stream);
                for ent in ar.entries().map_err(|e| lerr(Box::new(e)))? {
                    let mut ent = ent.map_err(|e| lerr(Box::new(e)))?;
                    if !matches!(
                        ent.header().entry_type(),
                        tar::EntryType::Regular | tar::EntryType::Continuous
                    ) {
                        continue;
                    }
                    let raw = ent.path_bytes();
                    let raw = String::from_utf8_lossy(&raw).into_owned();
                    let Some(p) = pare_fsindex::normalize_path(&raw) else {
                        continue;
                    };
                    if !wanted(&p, index) {
                        continue;
                    }
                    let e = idx.get(&p).expect("wanted");
                    let meta = FileMeta {
                        mode: e.mode,
                        uid: e.uid,
                        gid: e.gid,
                        size: ent.size(),
                        mtime: ent.header().mtime().unwrap_or(EPOCH),
                    };
                    sink.file(&p, meta, &mut ent)?;
                    files += 1;
                }
            }
            stream.finish().map_err(|e| lerr(Box::new(e)))?;
        }
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

/// A writer that hashes what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    n: u64,
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

/// The tar stream's writer: chunks go to the compressing thread, so that
/// reading (decompressing) the source layers and compressing the output
/// run on two cores.
struct LayerWriter {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    buf: Vec<u8>,
}

/// Chunks handed to the compressing thread.
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
                std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the compressing thread stopped",
                )
            })
    }
}

impl Write for LayerWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the compressing thread produced: diff_id, tar size, digest,
/// compressed size.
type Compressed = (String, u64, String, u64);

/// Hash the tar (diff_id), gzip it, hash that (digest) and write it to
/// `f`, from the chunks `rx` receives.
fn compress(
    rx: &std::sync::mpsc::Receiver<Vec<u8>>,
    f: std::fs::File,
) -> std::io::Result<Compressed> {
    let mut diff = Sha256::new();
    let mut n = 0u64;
    let mut gz = flate2::write::GzEncoder::new(
        Hashing {
            inner: std::io::BufWriter::with_capacity(1 << 20, f),
            hash: Sha256::new(),
            n: 0,
        },
        flate2::Compression::fast(),
    );
    for chunk in rx {
        diff.update(&chunk);
        n += chunk.len() as u64;
        gz.write_all(&chunk)?;
    }
    let mut comp = gz.finish()?;
    comp.flush()?;
    let file = comp
        .inner
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok((
        format!("sha256:{}", hex::encode(diff.finalize())),
        n,
        format!("sha256:{}", hex::encode(comp.hash.finalize())),
        comp.n,
    ))
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
}

fn rel(p: &str) -> &str {
    p.trim_start_matches('/')
}

impl Sink for TarSink {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Directory, mode, uid, gid, EPOCH);
        self.b
            .append_data(&mut h, format!("{}/", rel(path)), std::io::empty())
            .map_err(io(self.path.clone()))
    }
    fn file(&mut self, path: &str, m: FileMeta, data: &mut dyn Read) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Regular, m.mode, m.uid, m.gid, m.mtime);
        h.set_size(m.size);
        self.b
            .append_data(&mut h, rel(path), data.take(m.size))
            .map_err(io(self.path.clone()))
    }
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, EPOCH);
        self.b
            .append_link(&mut h, rel(path), rel(target))
            .map_err(io(self.path.clone()))
    }
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()> {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, uid, gid, EPOCH);
        self.b
            .append_link(&mut h, rel(path), target)
            .map_err(io(self.path.clone()))
    }
}

/// A directory being filled (for the sandbox). Paths were normalised by
/// the index (no `..`), and no symlink exists while files are written.
struct DirSink {
    root: PathBuf,
    dirs: Vec<(PathBuf, u32)>,
}

impl DirSink {
    fn at(&self, p: &str) -> PathBuf {
        self.root.join(rel(p))
    }
}

fn chown(p: &Path, uid: u64, gid: u64) {
    // Unprivileged runs cannot chown: the files stay the caller's.
    let _ = std::os::unix::fs::lchown(p, u32::try_from(uid).ok(), u32::try_from(gid).ok());
}

impl Sink for DirSink {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()> {
        let d = self.at(path);
        std::fs::create_dir_all(&d).map_err(io(d.display().to_string()))?;
        chown(&d, uid, gid);
        self.dirs.push((d, mode));
        Ok(())
    }
    fn file(&mut self, path: &str, m: FileMeta, data: &mut dyn Read) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let f = self.at(path);
        if let Some(d) = f.parent() {
            std::fs::create_dir_all(d).map_err(io(d.display().to_string()))?;
        }
        let mut out = std::fs::File::create(&f).map_err(io(f.display().to_string()))?;
        std::io::copy(&mut data.take(m.size), &mut out).map_err(io(f.display().to_string()))?;
        chown(&f, m.uid, m.gid);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m.mode & 0o7777))
            .map_err(io(f.display().to_string()))?;
        Ok(())
    }
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()> {
        let (l, t) = (self.at(path), self.at(target));
        std::fs::hard_link(&t, &l).map_err(io(l.display().to_string()))
    }
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()> {
        let l = self.at(path);
        if let Some(d) = l.parent() {
            std::fs::create_dir_all(d).map_err(io(d.display().to_string()))?;
        }
        std::os::unix::fs::symlink(target, &l).map_err(io(l.display().to_string()))?;
        chown(&l, uid, gid);
        Ok(())
    }
}

/// Unpack the kept paths of `image` into `dest` (an empty directory):
/// the root filesystem `bwrap` runs over.
///
/// # Errors
/// Layer read errors; I/O errors naming the file.
pub fn unpack(
    image: &Image,
    idx: &FsIndex,
    sel: &Selection<'_>,
    limits: &Limits,
    dest: &Path,
) -> Result<u64> {
    let mut sink = DirSink {
        root: dest.to_path_buf(),
        dirs: Vec::new(),
    };
    let n = emit(image, idx, sel, limits, &mut sink)?;
    use std::os::unix::fs::PermissionsExt;
    for (d, mode) in sink.dirs.iter().rev() {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(io(d.display().to_string()))?;
    }
    Ok(n)
}

/// What [`oci_layout`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The config's digest.
    pub config_digest: String,
    /// The layer's digest (gzip).
    pub layer_digest: String,
    /// The layer's `diff_id`.
    pub diff_id: String,
    /// Compressed layer size.
    pub compressed_size: u64,
    /// Uncompressed tar size.
    pub uncompressed_size: u64,
    /// Regular files written.
    pub files: u64,
}

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// Refuse an existing non-empty `out` unless `force` (then empty it).
///
/// # Errors
/// [`Error::OutputExists`], I/O errors.
pub fn prepare_output(out: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut rd) => {
            if rd.next().is_some() {
                if !force {
                    return Err(Error::OutputExists(out.display().to_string()));
                }
                for e in std::fs::read_dir(out).map_err(io(out.display().to_string()))? {
                    let p = e.map_err(io(out.display().to_string()))?.path();
                    let r = if p.is_dir() && !p.is_symlink() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                    r.map_err(io(p.display().to_string()))?;
                }
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(io(out.display().to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(Error::OutputExists(out.display().to_string()))
        }
        Err(e) => Err(io(out.display().to_string())(e)),
    }
}

/// Write the kept paths as a new OCI layout at `out` (prepared with
/// [`prepare_output`]): one gzip layer, `config` with its `diff_ids`
/// replaced and a history entry added, tagged `tag`.
///
/// # Errors
/// Layer read errors; I/O errors naming the file.
pub fn oci_layout(
    image: &Image,
    idx: &FsIndex,
    sel: &Selection<'_>,
    limits: &Limits,
    config: &ConfigFile,
    out: &Path,
    tag: &str,
) -> Result<Written> {
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(io(blobs.display().to_string()))?;
    let tmp = blobs.join(".layer.tmp");
    let f = std::fs::File::create(&tmp).map_err(io(tmp.display().to_string()))?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let (files, compressed) = std::thread::scope(|scope| {
        let worker = scope.spawn(move || compress(&rx, f));
        // The sink (and the sender in it) is dropped at the end of this
        // block, on success and on error alike: that ends the worker's
        // input.
        let emitted = {
            let mut sink = TarSink {
                b: tar::Builder::new(LayerWriter {
                    tx: Some(tx),
                    buf: Vec::with_capacity(CHUNK),
                }),
                path: tmp.display().to_string(),
            };
            sink.b.mode(tar::HeaderMode::Complete);
            match emit(image, idx, sel, limits, &mut sink) {
                Ok(files) => sink
                    .b
                    .into_inner()
                    .and_then(|mut w| w.send())
                    .map(|()| files)
                    .map_err(io(tmp.display().to_string())),
                Err(e) => Err(e),
            }
        };
        let done = worker
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the compressing thread panicked")));
        (emitted, done)
    });
    // A failing worker explains a broken pipe on the emitting side.
    let (diff_id, uncompressed, layer_digest, compressed) =
        compressed.map_err(io(tmp.display().to_string()))?;
    let files = files?;
    let layer_path = blobs.join(&layer_digest[7..]);
    std::fs::rename(&tmp, &layer_path).map_err(io(layer_path.display().to_string()))?;
    let mut cfg = config.clone();
    cfg.rootfs.kind = "layers".into();
    cfg.rootfs.diff_ids = vec![diff_id.parse().map_err(|e| Error::Io {
        path: layer_path.display().to_string(),
        source: std::io::Error::other(format!("{e}")),
    })?];
    cfg.history = vec![pare_image::History {
        created: cfg.created.clone(),
        created_by: Some("pare slim: the entrypoint's closure, squashed".into()),
        comment: None,
        empty_layer: false,
    }];
    let put = |bytes: &[u8]| -> Result<String> {
        let d = sha(bytes);
        let p = blobs.join(&d[7..]);
        std::fs::write(&p, bytes).map_err(io(p.display().to_string()))?;
        Ok(d)
    };
    let cfg_bytes = serde_json::to_vec(&cfg).map_err(|e| Error::Io {
        path: out.display().to_string(),
        source: std::io::Error::other(e),
    })?;
    let config_digest = put(&cfg_bytes)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": cfg_bytes.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": compressed}],
    });
    let m_bytes = serde_json::to_vec(&manifest).expect("json");
    let manifest_digest = put(&m_bytes)?;
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": m_bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag}}],
    });
    let ip = out.join("index.json");
    std::fs::write(&ip, serde_json::to_vec_pretty(&index).expect("json"))
        .map_err(io(ip.display().to_string()))?;
    let lp = out.join("oci-layout");
    std::fs::write(&lp, br#"{"imageLayoutVersion":"1.0.0"}"#)
        .map_err(io(lp.display().to_string()))?;
    Ok(Written {
        manifest_digest,
        config_digest,
        layer_digest,
        diff_id,
        compressed_size: compressed,
        uncompressed_size: uncompressed,
        files,
    })
}
