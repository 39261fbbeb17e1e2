//! Reading one layer's tar stream into a [`LayerScan`]: the three-stage
//! pipeline (read and digest, decompress, hash and parse) and its error
//! mapping. The hand-off between stages (channels of recycled chunks) is
//! [`crate::pipe`]; what is done with each tar entry, [`crate::entries`].

use crate::entries::read_entries;
use crate::error::LayerFault;
use crate::index::Entry;
use crate::pipe::{
    channel, tapped, Finish, CHUNK, DECODED_CHUNK, NETWORK_CHUNK, NETWORK_DEPTH, PIPELINE_DEPTH,
    PLAIN_CHUNK,
};
use crate::{Error, IndexOptions, Result};
use pare_image::Image;
use std::io::Read;
use std::sync::Arc;

/// Everything one layer contributes, before squashing.
#[derive(Debug, Default)]
pub struct LayerScan {
    /// Entries in stream order, with absolute normalised paths.
    pub entries: Vec<(String, Entry)>,
    /// Paths whited out by this layer (`.wh.NAME`).
    pub whiteouts: Vec<String>,
    /// Directories made opaque by this layer (`.wh..wh..opq`).
    pub opaque: Vec<String>,
    /// Captured contents, by path.
    pub captured: Vec<(String, Arc<[u8]>)>,
    /// Probe results: (probe index, path, data).
    pub probed: Vec<(usize, String, Vec<u8>)>,
    /// Visitor results: (visitor index, path, data).
    pub visited: Vec<(usize, String, Vec<u8>)>,
    /// Files that matched a capture glob or probe but were too large.
    pub skipped_large: Vec<(String, u64)>,
    /// Files a visitor wanted but that were over its size cap: (visitor
    /// index, path, size).
    pub unvisited: Vec<(usize, String, u64)>,
    /// Size of the uncompressed tar stream.
    pub tar_bytes: u64,
    /// Regular files' places in the tar (when asked for): path, first
    /// byte of its headers, end of its padded contents.
    pub spans: Vec<(String, u64, u64)>,
    /// Where the layer's files lie and its access points (when asked for).
    pub access: Option<crate::LayerAccess>,
}

/// Normalise a tar member path to an absolute image path (`/etc/passwd`).
/// `None` when the path is absolute in the tar or escapes the root with
/// `..`: runtimes would clamp such paths, but in a layer they only appear
/// when something is wrong, so pare refuses the layer.
#[must_use]
pub fn normalize_path(raw: &str) -> Option<String> {
    if raw.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in raw.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

fn fault(image: &Image, index: usize, source: LayerFault) -> Error {
    let layer = &image.layers[index];
    let digest = layer
        .diff_id
        .as_ref()
        .or(layer.digest.as_ref())
        .map_or_else(|| layer.location.to_string(), ToString::to_string);
    Error::Layer {
        index,
        digest,
        source,
    }
}

/// Scan layer `index` of `image`.
///
/// # Errors
/// Any stream, verification or path-safety failure, naming the layer.
///
/// With `retain` above 0 (a share of [`IndexOptions::retain`]), the
/// layer's uncompressed tar is also kept in memory for a second read, if
/// it fits ([`crate::retain`]).
pub fn scan_layer(
    image: &Image,
    index: usize,
    opts: &IndexOptions,
    retain: u64,
) -> Result<LayerScan> {
    let mut reader = Scanner {
        layer: index,
        opts,
        scan: LayerScan::default(),
    };
    // Access points only help a second read of a blob that can be read
    // from an offset (a file, not a registry).
    let record = (opts.access_points && image.open_blob_at(index, 0)?.is_some())
        .then(pare_image::access::Recording::default);
    // Access points are recorded beside a layer being held (where the blob
    // can be read from an offset), for the read that has to fall back on
    // them when it outgrows its share; a registry's layer let go is
    // fetched again whole.
    let held = (opts.access_points && retain > 0).then(|| crate::retain::Retainer::new(retain));
    let stages = image.open_layer_stages(index, &opts.limits)?;
    let bytes = run(
        image,
        index,
        stages,
        opts.progress.clone(),
        record.clone().map(|r| (r, crate::access::spacing(image))),
        held.clone(),
        &mut reader,
    )?;
    reader.scan.tar_bytes = bytes;
    let held = held.and_then(|h| h.take());
    if record.is_some() || held.is_some() {
        let points = record.map(|r| r.take()).filter(|p| p.end() > 0);
        let spans = std::mem::take(&mut reader.scan.spans);
        reader.scan.access = Some(crate::LayerAccess::new(points, spans, held));
    }
    Ok(reader.scan)
}

/// What reads a layer's tar entries on the pass's pipeline
/// ([`read_layer`]): the index's scan, and `pare slim` copying the files
/// it keeps.
pub trait EntryReader {
    /// Read the entries, in stream order.
    ///
    /// # Errors
    /// What the reader makes of the entries (a tar error, an unsafe path),
    /// or a failure to read them.
    fn read<R: Read>(&mut self, entries: tar::Entries<'_, R>) -> Result<(), LayerFault>;
}

/// The index's reader: every entry into a [`LayerScan`].
struct Scanner<'a> {
    layer: usize,
    opts: &'a IndexOptions,
    scan: LayerScan,
}

impl EntryReader for Scanner<'_> {
    fn read<R: Read>(&mut self, entries: tar::Entries<'_, R>) -> Result<(), LayerFault> {
        read_entries(entries, self.layer, self.opts, &mut self.scan)
    }
}

/// Read layer `index` of `image` with `reader`, on the index's pipeline:
/// reading the blob with its digest, decompressing, and the diff_id hash
/// with the tar parse run on three threads (`reader` on the calling one).
/// Every byte is verified as it streams, and the stream is drained to its
/// end after `reader` returns. `progress` is told the compressed bytes
/// read. The tar stream's size.
///
/// # Errors
/// Any stream, verification or reader failure, naming the layer; a
/// verification failure is reported over the tar error it caused.
pub fn read_layer(
    image: &Image,
    index: usize,
    limits: &pare_image::Limits,
    progress: Option<crate::Progress>,
    reader: &mut impl EntryReader,
) -> Result<u64> {
    let stages = image.open_layer_stages(index, limits)?;
    run(image, index, stages, progress, None, None, reader)
}

/// [`read_layer`] for a second read of a layer the same run has indexed
/// (`pare slim`): a local blob is not hashed again
/// ([`Image::reopen_layer_stages`] says why), a registry blob is.
///
/// # Errors
/// As [`read_layer`].
pub fn reread_layer(
    image: &Image,
    index: usize,
    limits: &pare_image::Limits,
    reader: &mut impl EntryReader,
) -> Result<u64> {
    let stages = image.reopen_layer_stages(index, limits)?;
    run(image, index, stages, None, None, None, reader)
}

fn run(
    image: &Image,
    index: usize,
    (blob, decompress, checks): (
        pare_image::Blob<'_>,
        pare_image::Decompress,
        pare_image::Checks,
    ),
    progress: Option<crate::Progress>,
    record: Option<(pare_image::access::Recording, u64)>,
    retain: Option<Arc<crate::retain::Retainer>>,
    reader: &mut impl EntryReader,
) -> Result<u64> {
    let blob = Counted {
        inner: blob,
        progress,
    };
    let size = image.layers.get(index).and_then(|l| l.size).unwrap_or(0);
    if decompress.is_compressed() {
        // Three stages on three threads: reading the blob and its digest
        // (over TLS, decryption too), decompression, and the diff_id hash
        // with the tar parse. Each of the two hashes costs a large fraction
        // of decompression, so one thread per stage lets the scheduler
        // spread them over the cores instead of chaining the blob hash to
        // the decompressor.
        return std::thread::scope(|s| {
            // A network stream arrives in bursts (the registry, TLS and the
            // socket share the cores with this pass): a deep buffer keeps
            // the decompressor fed through them. A file never stalls.
            let (chunk, depth) = if image.source().kind() == pare_image::SourceKind::Registry {
                (NETWORK_CHUNK, NETWORK_DEPTH)
            } else {
                (CHUNK, PIPELINE_DEPTH)
            };
            let (feed, compressed) = channel(chunk, depth);
            s.spawn(move || feed.run(blob));
            // On failure the pipe is dropped and the reading thread stops
            // (as every stage does when the one after it hangs up).
            let decoded = match record {
                Some((rec, spacing)) => {
                    decompress.indexing_decoder(Box::new(compressed), spacing, rec)?
                }
                None => decompress.decoder(Box::new(compressed))?,
            };
            let (feed, tar) = channel(DECODED_CHUNK, PIPELINE_DEPTH);
            s.spawn(move || feed.run(decoded));
            // The diff_id is hashed here, over each chunk as it arrives
            // and in place: the parser then seeks past unwanted contents
            // instead of copying them through a checking reader.
            let tar = tar.checked(checks.tap()).retaining(retain);
            consume(tar, reader).map_err(|e| fault(image, index, e))
        });
    }
    let decoded = decompress.decoder(Box::new(blob))?;
    let res = if size >= PIPELINE_MIN_PLAIN {
        // An uncompressed layer (docker-archive) of some size: three
        // stages, reading the file, the diff_id hash (chunks pass through
        // it uncopied) and the tar parse. Hashing is half the work of a
        // plain layer and the largest layer's hash is the pass's longest
        // chain: with the reads' kernel copies on another thread it runs
        // at SHA-256 speed.
        std::thread::scope(|s| {
            let (feed, read) = channel(PLAIN_CHUNK, PIPELINE_DEPTH);
            s.spawn(move || feed.run(decoded));
            let (relay, hashed) = tapped(read, checks.tap());
            s.spawn(move || relay.run());
            consume(hashed, reader)
        })
    } else {
        consume(checks.wrap(decoded), reader)
    };
    res.map_err(|e| fault(image, index, e))
}

/// Read an uncompressed tar stream that is not the whole layer (the
/// entries a second read wants, `access.rs`) with `reader`: the stream is
/// produced on a second thread, unchecked (its producer checks it).
pub(crate) fn read_stream(
    image: &Image,
    index: usize,
    stream: impl Read + Send,
    reader: &mut impl EntryReader,
) -> Result<u64> {
    std::thread::scope(|s| {
        let (feed, tar) = channel(DECODED_CHUNK, PIPELINE_DEPTH);
        s.spawn(move || feed.run(stream));
        consume(tar, reader).map_err(|e| fault(image, index, e))
    })
}

/// A reader that tells [`IndexOptions::progress`] what it read.
struct Counted<R> {
    inner: R,
    progress: Option<crate::Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

/// Uncompressed layers at least this large are read on a second thread.
const PIPELINE_MIN_PLAIN: u64 = 32 << 20;

fn consume<S: Finish>(stream: S, reader: &mut impl EntryReader) -> Result<u64, LayerFault> {
    let mut ar = tar::Archive::new(stream);
    let res = S::entries(&mut ar)
        .map_err(LayerFault::Io)
        .and_then(|entries| reader.read(entries));
    let stream = ar.into_inner();
    match res {
        Ok(()) => stream.finish().map_err(LayerFault::Io),
        // Garbage from a corrupt blob often trips the tar parser before the
        // blob's digest can be checked; when draining the stream shows a
        // verification or decompression failure, that is the root cause.
        Err(tar_err) => match stream.finish() {
            Err(e)
                if e.get_ref()
                    .is_some_and(|i| i.is::<pare_image::LayerError>()) =>
            {
                Err(LayerFault::Io(e))
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::InvalidInput
                    || e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                Err(LayerFault::Io(e))
            }
            _ => Err(tar_err),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn normalise() {
        assert_eq!(
            normalize_path("./etc//passwd").as_deref(),
            Some("/etc/passwd")
        );
        assert_eq!(normalize_path("usr/bin/").as_deref(), Some("/usr/bin"));
        assert_eq!(normalize_path("./").as_deref(), Some("/"));
        assert_eq!(normalize_path("a/../b").as_deref(), Some("/b"));
        assert_eq!(normalize_path("../etc/passwd"), None);
        assert_eq!(normalize_path("/etc/passwd"), None);
    }
}
