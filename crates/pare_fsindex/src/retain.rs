//! Holding a layer's uncompressed tar in memory from the first read, so
//! that the second (`pare slim` copying the files it keeps,
//! [`crate::reread_files`]) takes it from there instead of inflating the
//! blob again.
//!
//! Which layers: the ones above the bottom layer, from the top down, each
//! whose uncompressed size fits in what is left of
//! [`crate::IndexOptions::retain`]. The
//! bottom layer is the base distribution, of which slim keeps little (5 %
//! of `python-app`'s and `node-app`'s 164 MB); the layers above it are what
//! the image's own build added, and slim keeps most of them (94 % of
//! `python-app`'s 68 MB, 94 % of `node-app`'s 107 MB). Their second
//! inflate was a ninth of `pare slim`'s CPU time on `node-app`.
//!
//! The size of a gzip layer's tar is its trailer's `ISIZE` (the last four
//! bytes of the blob, read where the source can read from an offset): exact
//! for one gzip member under 4 GiB. Where it is wrong (several members, as
//! eStargz writes, or more than 4 GiB), the layer outgrows its share while
//! it is read, is let go, and the second read uses the access points
//! recorded beside it as it would have. A registry cannot be read from an
//! offset: its layers are given [`RATIO`] times their blob's size, and one
//! that outgrows that is let go and fetched again (what happened to every
//! registry layer before; the base layer, and one whose blob is over 42
//! MiB, still is: holding `python-app`'s upper layers takes its download
//! from 178 to 152 MB).
//! A zstd layer, a plain one (read from its file at an offset anyway) and
//! gzip found inside a docker-archive by its magic bytes
//! (`Compression::Detect`) are not held. What is held counts the memory it
//! takes, not the bytes filled, so it stays within the budget whatever the
//! image's size or number of layers.
//!
//! The chunks are the ones the pipeline decompressed into, kept instead
//! of being recycled: nothing is copied. Every chunk kept has been hashed
//! into the layer's `diff_id` before the tar parser saw it, and the pass
//! fails if that digest does not match.

use pare_image::{Compression, Image};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Per layer, the bytes of uncompressed tar it may hold (0: not held).
pub(crate) fn plan(image: &Image, budget: u64) -> Vec<u64> {
    let n = image.layers.len();
    let mut caps = vec![0; n];
    let mut left = budget;
    for i in (1..n).rev() {
        if left == 0 {
            break;
        }
        if image.layers[i].compression != Compression::Gzip {
            continue;
        }
        match tar_size(image, i) {
            Some(size) if size > 0 && size <= left => {
                caps[i] = size;
                left -= size;
            }
            _ => {}
        }
    }
    caps
}

/// How many times its blob's size a registry's gzip layer is given: the
/// fleet's layers inflate 2.7 to 2.9 times (binaries, libraries), text
/// (`node_modules`, Python sources) up to 5.
pub(crate) const RATIO: u64 = 6;
/// Least a registry's layer is given: a small layer's tar is mostly
/// padding and headers, which deflate far more than 6 times (the fleet's
/// 512-byte `WORKDIR` layer is a 10 KiB tar).
pub(crate) const MIN_ESTIMATE: u64 = 1 << 20;

/// The size of layer `index`'s tar: its gzip trailer's `ISIZE` when the
/// source reads from an offset, [`RATIO`] times the blob's size (at least
/// [`MIN_ESTIMATE`]) when it cannot (a registry).
fn tar_size(image: &Image, index: usize) -> Option<u64> {
    let size = image.layers.get(index)?.size?;
    if size < 18 {
        return None;
    }
    let Some(mut r) = image.open_blob_at(index, size - 4).ok()? else {
        return Some(size.saturating_mul(RATIO).max(MIN_ESTIMATE));
    };
    let mut b = [0u8; 4];
    r.read_exact(&mut b).ok()?;
    Some(u64::from(u32::from_le_bytes(b)))
}

/// A layer's tar being kept while the first read goes through it.
#[derive(Debug)]
pub(crate) struct Retainer {
    cap: u64,
    state: Mutex<Option<Retained>>,
}

impl Retainer {
    pub(crate) fn new(cap: u64) -> Arc<Self> {
        Arc::new(Self {
            cap,
            state: Mutex::new(Some(Retained::default())),
        })
    }

    /// Keep `chunk`'s first `len` bytes, the next part of the stream.
    /// `Some(chunk)` back when it is not kept (the layer has outgrown its
    /// share and is let go), for the caller to recycle; a chunk already
    /// cut to its length when that is found is dropped instead.
    ///
    /// What counts against the share is the memory held, not the bytes
    /// filled: a chunk filled in part (a layer's last, or a small layer's
    /// only one) is first cut to its length, or every small layer of an
    /// image would hold a whole 512 KiB chunk for a few bytes (and one
    /// blob listed thousands of times in a manifest, as many).
    pub(crate) fn keep(&self, mut chunk: Vec<u8>, len: usize) -> Option<Vec<u8>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(r) = state.as_mut() else {
            return Some(chunk);
        };
        if r.charged + len as u64 > self.cap {
            *state = None;
            return Some(chunk);
        }
        if chunk.capacity() > len {
            chunk.truncate(len);
            chunk.shrink_to_fit();
        }
        let held = chunk.capacity().max(len) as u64;
        if r.charged + held > self.cap {
            *state = None;
            return None;
        }
        r.starts.push(r.len);
        r.len += len as u64;
        r.charged += held;
        r.chunks.push((chunk, len));
        None
    }

    /// What was kept, unless the layer was let go.
    pub(crate) fn take(&self) -> Option<Retained> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .filter(|r| r.len > 0)
    }
}

/// A layer's whole uncompressed tar, as the chunks it was read in.
#[derive(Debug, Default)]
pub struct Retained {
    /// Chunk and how much of it is filled.
    chunks: Vec<(Vec<u8>, usize)>,
    /// Stream offset of each chunk's first byte.
    starts: Vec<u64>,
    /// Bytes of the stream held.
    len: u64,
    /// Memory counted against the layer's share (the chunks'
    /// capacities).
    charged: u64,
}

impl Retained {
    /// Bytes of the stream held.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Memory held for them: the chunks' capacities.
    #[must_use]
    pub fn memory(&self) -> u64 {
        self.chunks.iter().map(|(c, _)| c.capacity() as u64).sum()
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The stream from byte `offset` on.
    pub(crate) fn reader_at(&self, offset: u64) -> io::Result<At<'_>> {
        if offset > self.len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the layer ends before an entry recorded in it",
            ));
        }
        // The chunk holding `offset` (or the end).
        let chunk = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let skip = self.starts.get(chunk).map_or(0, |&s| offset - s);
        Ok(At {
            held: self,
            chunk,
            pos: usize::try_from(skip).unwrap_or(usize::MAX),
        })
    }
}

/// A reader of [`Retained`] bytes.
pub(crate) struct At<'a> {
    held: &'a Retained,
    chunk: usize,
    pos: usize,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some((c, len)) = self.held.chunks.get(self.chunk) {
            if self.pos < *len {
                let n = buf.len().min(len - self.pos);
                buf[..n].copy_from_slice(&c[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.chunk += 1;
            self.pos = 0;
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(sizes: &[usize]) -> (Retained, Vec<u8>) {
        let r = Retainer::new(u64::MAX);
        let mut all = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            // Chunks longer than their fill, as the pipeline's are.
            let mut c: Vec<u8> = (0..n).map(|j| (i * 31 + j) as u8).collect();
            all.extend_from_slice(&c);
            c.resize(n + 7, 0xee);
            assert!(r.keep(c, n).is_none());
        }
        (r.take().unwrap(), all)
    }

    #[test]
    fn reads_from_any_offset_across_chunks() {
        let (r, all) = held(&[5, 1, 300, 64]);
        assert_eq!(r.len(), all.len() as u64);
        for at in 0..=all.len() {
            let mut got = Vec::new();
            r.reader_at(at as u64)
                .unwrap()
                .read_to_end(&mut got)
                .unwrap();
            assert_eq!(got, all[at..], "from {at}");
        }
        // Small reads give the same bytes.
        let mut got = Vec::new();
        let mut rd = r.reader_at(3).unwrap();
        let mut b = [0u8; 2];
        loop {
            let n = rd.read(&mut b).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&b[..n]);
        }
        assert_eq!(got, all[3..]);
    }

    #[test]
    fn a_chunk_filled_in_part_is_held_at_its_length() {
        let r = Retainer::new(1000);
        let mut c = vec![9u8; 100];
        c.reserve(512 * 1024);
        assert!(r.keep(c, 100).is_none(), "100 bytes fit in 1000");
        let held = r.take().unwrap();
        assert_eq!(held.len(), 100);
        assert!(held.memory() <= 1000, "{} bytes held", held.memory());
    }

    #[test]
    fn past_the_end_is_an_error() {
        let (r, all) = held(&[10, 10]);
        let e = r.reader_at(all.len() as u64 + 1).err().unwrap();
        assert!(e.to_string().contains("ends before an entry"), "{e}");
    }

    #[test]
    fn a_layer_over_its_share_is_let_go_and_its_chunks_given_back() {
        let r = Retainer::new(100);
        assert!(r.keep(vec![1; 60], 60).is_none());
        let back = r.keep(vec![2; 60], 60).expect("over the cap: given back");
        assert_eq!(back.len(), 60);
        // Later chunks are given back too, and nothing is held.
        assert!(r.keep(vec![3; 1], 1).is_some());
        assert!(r.take().is_none());
    }
}
