//! Layers as verified, decompressed streams.

use crate::{Error, LayerError, Result};
use pare_source::{Algorithm, BlobLocation, Digest, Source};
use sha2::{Digest as _, Sha256, Sha512};
use std::io::{self, BufRead, BufReader, Read};

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
    /// Unknown from the media type: sniff the magic bytes.
    Detect,
}

impl Compression {
    /// From an OCI or Docker layer media type.
    #[must_use]
    pub fn from_media_type(mt: &str) -> Self {
        if mt.ends_with("+gzip") || mt.ends_with(".tar.gzip") || mt.ends_with(".tar.gz") {
            Compression::Gzip
        } else if mt.ends_with("+zstd") || mt.ends_with(".tar.zstd") {
            Compression::Zstd
        } else if mt.ends_with(".tar") || mt.ends_with("layer.v1.tar") {
            Compression::None
        } else {
            Compression::Detect
        }
    }
}

/// One layer of an image.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Layer {
    /// 0-based position, base first.
    pub index: usize,
    /// Where its blob is.
    #[serde(skip)]
    pub location: BlobLocation,
    /// Digest of the blob as stored (compressed), when known.
    pub digest: Option<Digest>,
    /// Media type.
    pub media_type: String,
    /// Compression.
    pub compression: Compression,
    /// Blob size as stored.
    pub size: Option<u64>,
    /// Digest of the uncompressed tar, from the config.
    pub diff_id: Option<Digest>,
    /// The build step that made it.
    pub created_by: Option<String>,
}

/// Bounds on what one layer may expand to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Hard cap on a layer's uncompressed size.
    pub max_layer_bytes: u64,
    /// Expansion ratio above which a large layer is treated as a bomb.
    pub max_ratio: u64,
    /// The ratio is only enforced past this many uncompressed bytes.
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_layer_bytes: 64 << 30,
            max_ratio: 200,
            ratio_floor: 256 << 20,
        }
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    fn new(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }
    fn finish(&mut self, alg: Algorithm) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest::from_bytes(alg, &h.finalize_reset()),
            Hasher::Sha512(h) => Digest::from_bytes(alg, &h.finalize_reset()),
        }
    }
}

#[derive(Clone, Copy)]
enum Check {
    Blob,
    DiffId,
}

/// Hashes and counts bytes, and checks them at the end: the core of
/// [`Verify`] (over a reader) and [`Tap`] (over chunks handed to it).
struct Meter {
    hasher: Option<Hasher>,
    expected: Option<Digest>,
    check: Check,
    count: u64,
    cap: Option<(u64, u64)>,
    done: bool,
}

impl Meter {
    fn new(expected: Option<Digest>, check: Check, cap: Option<(u64, u64)>) -> Self {
        let hasher = expected.as_ref().map(|d| Hasher::new(d.algorithm()));
        Self {
            hasher,
            expected,
            check,
            count: 0,
            cap,
            done: false,
        }
    }

    /// Account for the next bytes of the stream.
    fn update(&mut self, b: &[u8]) -> io::Result<()> {
        if let Some(h) = &mut self.hasher {
            h.update(b);
        }
        self.count += b.len() as u64;
        if let Some((limit, _)) = self.cap {
            if self.count > limit {
                return Err(layer_err(LayerError::TooLarge { limit }));
            }
        }
        Ok(())
    }

    /// The stream has ended: check the digest (once).
    fn end(&mut self) -> io::Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        if let (Some(h), Some(exp)) = (&mut self.hasher, &self.expected) {
            let actual = h.finish(exp.algorithm());
            if &actual != exp {
                let (expected, actual) = (exp.to_string(), actual.to_string());
                return Err(layer_err(match self.check {
                    Check::Blob => LayerError::BlobDigest { expected, actual },
                    Check::DiffId => LayerError::DiffId { expected, actual },
                }));
            }
        }
        Ok(())
    }
}

/// What a [`Verify`] applies to the bytes passing through it.
trait Gauge {
    /// The next bytes of the stream.
    fn update(&mut self, b: &[u8]) -> io::Result<()>;
    /// The stream has ended.
    fn end(&mut self) -> io::Result<()>;
}

impl Gauge for Meter {
    fn update(&mut self, b: &[u8]) -> io::Result<()> {
        Meter::update(self, b)
    }
    fn end(&mut self) -> io::Result<()> {
        Meter::end(self)
    }
}

/// Passes a reader's bytes through a [`Gauge`] (hash, count, limits), and
/// ends it at end of stream.
struct Verify<R, G = Meter> {
    inner: R,
    gauge: G,
}

impl<R> Verify<R> {
    fn new(inner: R, expected: Option<Digest>, check: Check, cap: Option<(u64, u64)>) -> Self {
        Self {
            inner,
            gauge: Meter::new(expected, check, cap),
        }
    }
}

fn layer_err(e: LayerError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl<R: Read, G: Gauge> Read for Verify<R, G> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.gauge.update(&buf[..n])?;
        if n == 0 && !buf.is_empty() {
            self.gauge.end()?;
        }
        Ok(n)
    }
}

/// Read buffer of a layer's streams. No larger than the chunks the index
/// pass's pipeline reads (`pare_fsindex`), so that those reads bypass the
/// buffer instead of being copied through it.
const BUFFER: usize = 128 * 1024;

/// The compressed bytes as the decompressor reads them: the verified blob
/// itself, or a channel from the thread that reads and verifies it.
type Raw<'a> = BufReader<Box<dyn Read + Send + 'a>>;

enum Decoder<'a> {
    Plain(Raw<'a>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<Raw<'a>>>),
    Indexed(Box<crate::access::IndexingGz<Raw<'a>>>),
    Zstd(zstd::stream::read::Decoder<'static, Raw<'a>>),
}

impl Read for Decoder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Indexed(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl<'a> Decoder<'a> {
    fn raw(&mut self) -> &mut Raw<'a> {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.get_mut(),
            Decoder::Indexed(r) => r.get_mut(),
            Decoder::Zstd(r) => r.get_mut(),
        }
    }
}

/// The decompressing half of a layer: streams the blob, verifies its
/// digest and yields the uncompressed tar. When the decompressor ends it
/// drains the blob's trailing bytes, so the blob digest is always checked
/// by the time it reports end of stream. `Send`, so it can run on its own
/// thread while the consumer hashes and parses (see [`Checks`]).
pub struct Decoded<'a> {
    dec: Decoder<'a>,
    compressed: bool,
    drained: bool,
}

impl Decoded<'_> {
    /// True for gzip and zstd layers.
    #[must_use]
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }
}

impl Read for Decoded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.dec.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.drained {
            self.drained = true;
            io::copy(self.dec.raw(), &mut io::sink())?;
        }
        Ok(n)
    }
}

/// The checks applied to a layer's uncompressed stream: its `diff_id` and
/// the decompression limits. [`Checks::wrap`] applies them to any reader
/// of the [`Decoded`] output, on whatever thread consumes it.
#[derive(Debug, Clone)]
pub struct Checks {
    diff_id: Option<Digest>,
    cap: (u64, u64),
    compressed_size: Option<u64>,
    max_ratio: u64,
}

impl Checks {
    /// Verify `r`'s bytes as this layer's uncompressed tar.
    pub fn wrap<R: Read>(self, r: R) -> LayerStream<R> {
        LayerStream(Verify {
            inner: r,
            gauge: self.tap(),
        })
    }

    /// The same checks for a pipeline stage that is handed the tar in
    /// chunks ([`Tap::update`]) and passes them on uncopied.
    #[must_use]
    pub fn tap(self) -> Tap {
        Tap {
            meter: Meter::new(self.diff_id, Check::DiffId, Some(self.cap)),
            compressed_size: self.compressed_size,
            max_ratio: self.max_ratio,
        }
    }
}

/// A layer's [`Checks`] over chunks of its uncompressed tar.
pub struct Tap {
    meter: Meter,
    compressed_size: Option<u64>,
    max_ratio: u64,
}

impl Tap {
    /// The next bytes of the tar.
    ///
    /// # Errors
    /// Past the size cap, or expanding past the bomb ratio.
    pub fn update(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.meter.update(chunk)?;
        if let (Some((_, ratio_floor)), Some(c)) = (self.meter.cap, self.compressed_size) {
            let count = self.meter.count;
            if count > ratio_floor && count / c.max(1) > self.max_ratio {
                return Err(layer_err(LayerError::TooLarge { limit: count }));
            }
        }
        Ok(())
    }

    /// The tar has ended: check its diff_id; the byte count.
    ///
    /// # Errors
    /// A diff_id mismatch.
    pub fn finish(&mut self) -> io::Result<u64> {
        self.meter.end()?;
        Ok(self.meter.count)
    }
}

impl Gauge for Tap {
    fn update(&mut self, b: &[u8]) -> io::Result<()> {
        Tap::update(self, b)
    }
    fn end(&mut self) -> io::Result<()> {
        self.finish().map(drop)
    }
}

/// A layer's uncompressed tar stream, verified as it is read.
pub struct LayerStream<R>(Verify<R, Tap>);

impl<R: Read> Read for LayerStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> LayerStream<R> {
    /// Read whatever the consumer left (tar padding, trailing bytes of the
    /// compressed stream) so that both digests are checked, and return the
    /// uncompressed size.
    ///
    /// # Errors
    /// Digest mismatch, truncation, bomb limit, I/O.
    pub fn finish(mut self) -> io::Result<u64> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.0.gauge.meter.count)
    }

    /// Uncompressed bytes read so far.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.0.gauge.meter.count
    }
}

pub(crate) fn open<'a>(
    source: &'a dyn Source,
    layer: &Layer,
    limits: &Limits,
) -> Result<LayerStream<Decoded<'a>>> {
    let (decoded, checks) = open_parts(source, layer, limits)?;
    Ok(checks.wrap(decoded))
}

pub(crate) fn open_parts<'a>(
    source: &'a dyn Source,
    layer: &Layer,
    limits: &Limits,
) -> Result<(Decoded<'a>, Checks)> {
    let (blob, decompress, checks) = open_stages(source, layer, limits, true)?;
    Ok((decompress.decoder(Box::new(blob))?, checks))
}

/// A layer's blob as stored, verified against its digest as it streams:
/// the last read (the one that returns 0) fails on a mismatch. `Send`, so
/// reading and hashing it can be a pipeline stage of its own.
pub struct Blob<'a>(BufReader<Verify<Box<dyn Read + Send + 'a>>>);

impl Read for Blob<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// How to decompress a layer's [`Blob`], from whichever reader carries it.
#[derive(Debug, Clone, Copy)]
pub struct Decompress {
    compression: Compression,
    index: usize,
}

impl Decompress {
    /// True for gzip and zstd layers.
    #[must_use]
    pub fn is_compressed(&self) -> bool {
        matches!(self.compression, Compression::Gzip | Compression::Zstd)
    }

    /// True for gzip layers, whose reads can record
    /// [`crate::access::AccessPoints`].
    #[must_use]
    pub fn is_gzip(&self) -> bool {
        self.compression == Compression::Gzip
    }

    /// [`Decompress::decoder`] for a gzip layer that records access points
    /// into `record`, one per `spacing` compressed bytes; the plain
    /// decoder for any other layer.
    ///
    /// # Errors
    /// As [`Decompress::decoder`].
    pub fn indexing_decoder<'a>(
        self,
        raw: Box<dyn Read + Send + 'a>,
        spacing: u64,
        record: crate::access::Recording,
    ) -> Result<Decoded<'a>> {
        if !self.is_gzip() {
            return self.decoder(raw);
        }
        let raw = BufReader::with_capacity(BUFFER, raw);
        Ok(Decoded {
            dec: Decoder::Indexed(Box::new(crate::access::IndexingGz::new(
                raw, spacing, record,
            ))),
            compressed: true,
            drained: false,
        })
    }

    /// The decompressing stream over `raw`, which must yield the blob's
    /// bytes (the [`Blob`] itself or a pipe from the thread reading it).
    ///
    /// # Errors
    /// The zstd decoder cannot be set up.
    pub fn decoder<'a>(self, raw: Box<dyn Read + Send + 'a>) -> Result<Decoded<'a>> {
        let raw = BufReader::with_capacity(BUFFER, raw);
        let decoder = match self.compression {
            Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(raw))),
            Compression::Zstd => {
                Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| {
                    Error::Invalid {
                        what: format!("layer {}", self.index),
                        reason: e.to_string(),
                    }
                })?)
            }
            Compression::None | Compression::Detect => Decoder::Plain(raw),
        };
        Ok(Decoded {
            dec: decoder,
            compressed: self.is_compressed(),
            drained: false,
        })
    }
}

/// Layer `layer` in three stages, so that each can run on its own thread:
/// the verified [`Blob`], the [`Decompress`] step applied to it, and the
/// [`Checks`] applied to the uncompressed tar.
pub(crate) fn open_stages<'a>(
    source: &'a dyn Source,
    layer: &Layer,
    limits: &Limits,
    verify: bool,
) -> Result<(Blob<'a>, Decompress, Checks)> {
    let raw = source.open(&layer.location)?;
    let layer = &if verify {
        layer.clone()
    } else {
        Layer {
            digest: None,
            diff_id: None,
            ..layer.clone()
        }
    };
    // An uncompressed blob is its own tar: when its digest is also the
    // diff_id (OCI layouts, Docker 25+ `docker save`), the diff_id check
    // verifies both, and hashing the same bytes twice would double the
    // cost of reading such an image.
    let blob_digest = if layer.compression == Compression::None && layer.digest == layer.diff_id {
        None
    } else {
        layer.digest.clone()
    };
    let mut raw =
        BufReader::with_capacity(BUFFER, Verify::new(raw, blob_digest, Check::Blob, None));
    let compression = match layer.compression {
        Compression::Detect => {
            let head = raw.fill_buf().map_err(|source| pare_source::Error::Io {
                what: layer.location.to_string(),
                source,
            })?;
            if head.starts_with(&[0x1f, 0x8b]) {
                Compression::Gzip
            } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                Compression::Zstd
            } else {
                Compression::None
            }
        }
        c => c,
    };
    let decompress = Decompress {
        compression,
        index: layer.index,
    };
    let compressed = decompress.is_compressed();
    Ok((
        Blob(raw),
        decompress,
        Checks {
            diff_id: layer.diff_id.clone(),
            cap: (limits.max_layer_bytes, limits.ratio_floor),
            compressed_size: compressed.then_some(layer.size).flatten(),
            max_ratio: limits.max_ratio,
        },
    ))
}
