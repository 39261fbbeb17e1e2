//! Access points into a gzip layer: decompressing it once records, every so
//! often, where a later read can start again without inflating what comes
//! before. `pare slim` reads each layer a second time to copy the few
//! files it keeps; with access points it inflates those files' neighbourhood
//! instead of the whole layer.
//!
//! The idea is zlib's `examples/zran.c`: at a deflate block boundary the
//! decoder's whole state is a bit position in the input and the last 32 KiB
//! of output (what back-references can reach). zlib-rs's safe API stops at
//! block boundaries ([`InflateFlush::Block`]) and takes a dictionary, but it
//! neither says how many bits of the last bytes it read belong to the next
//! block (zlib's `data_type & 7`) nor takes a bit offset (`inflatePrime`):
//! those are only in its C-style API, which is `unsafe`, and pare forbids
//! `unsafe`. So the recorder ([`IndexingGz`], `record.rs`) keeps, with each
//! point, the first bytes of output after it and the CRC-32 of the output up
//! to the next point; and the reader ([`Resumed`], `resume.rs`) tries the bit
//! offsets one by one (0 to 23 bits back), leading each in with empty
//! fixed-Huffman blocks that keep the blob's byte alignment, takes the first
//! that reproduces those bytes and then the whole segment's CRC-32, and
//! checks every later segment against its own. A member's start needs no
//! guess and is always a point.
//!
//! A no-crate decision: no published crate builds gzip access points over
//! a safe inflater (the zran ports wrap C zlib through FFI).

mod record;
mod resume;
#[cfg(test)]
mod tests;

pub use record::IndexingGz;
pub use resume::{OpenAt, Resumed};

use std::io::{self, BufRead};
use std::sync::{Arc, Mutex};
use zlib_rs::{Inflate, InflateFlush, Status};

/// How far back deflate references reach.
const WINDOW: usize = 32 * 1024;
/// Output bytes recorded after a block point, to recognise its bit offset.
const PROBE: usize = 32;
/// Fewest probe bytes that make a point usable (a block that ends sooner
/// gives its place to a later point).
const MIN_PROBE: usize = 16;
/// Compressed bytes read to try the shifts: a dynamic block's header is at
/// most a few hundred bytes, and [`PROBE`] bytes of output follow it.
const PROBE_INPUT: usize = 8 * 1024;
/// How many bytes before a block point its block may start.
const BACK: u64 = 3;
/// Output room left when the decoder returns, below which the stop is
/// not taken for a block boundary: zlib-rs stops a few bytes short of a
/// full buffer when the next match does not fit.
const ROOM: usize = 1024;
/// Input left unread when the decoder returns with room for output: at a
/// block boundary typically a whole buffer, when it ran short of input
/// mid-code at most the few bytes it handed back (its bit buffer holds 64
/// bits). Fewer and the stop is not taken for a boundary.
const MARGIN: usize = 16;

/// Where a later read of a gzip blob can start.
#[derive(Debug, Clone)]
pub struct Point {
    /// Offset in the blob: a member's first byte, or the first byte the
    /// decoder had not wholly consumed at a block boundary (the next block
    /// starts in the byte before it, or at it).
    pub input: u64,
    /// Offset in the uncompressed stream.
    pub output: u64,
    /// CRC-32 of the uncompressed bytes from this point to the next (or
    /// to the end of the stream): what a read resumed here is checked
    /// against.
    pub crc: u32,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// A gzip member's header: nothing to guess.
    Member,
    /// A deflate block boundary inside a member.
    Block {
        /// The member's last (up to) 32 KiB of output before the point.
        window: Box<[u8]>,
        /// The member's first bytes of output after the point.
        probe: Box<[u8]>,
    },
}

/// A gzip blob's access points, in stream order (the first is the first
/// member's header).
#[derive(Debug, Clone, Default)]
pub struct AccessPoints {
    points: Vec<Point>,
    /// The uncompressed stream's length.
    end: u64,
}

impl AccessPoints {
    /// The points, in stream order.
    #[must_use]
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The last point at or before uncompressed offset `output`.
    #[must_use]
    pub fn before(&self, output: u64) -> Option<usize> {
        self.points
            .partition_point(|p| p.output <= output)
            .checked_sub(1)
    }

    /// Where point `i`'s segment ends: the next point, or the end of the
    /// stream.
    #[must_use]
    pub fn segment_end(&self, i: usize) -> u64 {
        self.points.get(i + 1).map_or(self.end, |p| p.output)
    }

    /// The uncompressed stream's length.
    #[must_use]
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Bytes held (windows and probes).
    #[must_use]
    pub fn memory(&self) -> usize {
        self.points
            .iter()
            .map(|p| match &p.kind {
                Kind::Member => 0,
                Kind::Block { window, probe } => window.len() + probe.len(),
            })
            .sum::<usize>()
            + self.points.len() * std::mem::size_of::<Point>()
    }
}

/// Where an indexing decoder puts its points, for the caller to take when
/// the stream is done.
#[derive(Debug, Clone, Default)]
pub struct Recording(Arc<Mutex<AccessPoints>>);

impl Recording {
    /// The points, once the stream has been read to its end (else none:
    /// a point's checksum is only known when its segment is complete).
    #[must_use]
    pub fn take(&self) -> AccessPoints {
        std::mem::take(&mut *self.lock())
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, AccessPoints> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    /// A new point; `crc` closes the previous one's segment.
    fn push(&self, p: Point, crc: u32) {
        let mut g = self.lock();
        if let Some(last) = g.points.last_mut() {
            last.crc = crc;
        }
        g.points.push(p);
    }
    /// The stream ended at `end`; `crc` closes the last segment.
    fn finish(&self, end: u64, crc: u32) {
        let mut g = self.lock();
        if let Some(last) = g.points.last_mut() {
            last.crc = crc;
        }
        g.end = end;
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn truncated(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the gzip stream ends inside {what} (truncated blob)"),
    )
}

/// One call of `inflate`: the input bytes it used, the output bytes it
/// made, and what it returned.
fn step(
    inflate: &mut Inflate,
    input: &[u8],
    out: &mut [u8],
    flush: InflateFlush,
) -> (usize, usize, Result<Status, zlib_rs::InflateError>) {
    let (tin, tout) = (inflate.total_in(), inflate.total_out());
    let status = inflate.decompress(input, out, flush);
    let used = usize::try_from(inflate.total_in() - tin).unwrap_or(input.len());
    let made = usize::try_from(inflate.total_out() - tout).unwrap_or(0);
    (used, made, status)
}

/// A decoding failure, as zlib-rs words it.
fn corrupt(inflate: &Inflate, e: zlib_rs::InflateError) -> io::Error {
    invalid(format!(
        "corrupt gzip data: {}",
        inflate.error_message().unwrap_or(e.as_str())
    ))
}

/// A gzip reader over a buffered source that counts what it consumes.
struct Input<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Input<R> {
    fn byte(&mut self, what: &str) -> io::Result<u8> {
        let b = *self
            .inner
            .fill_buf()?
            .first()
            .ok_or_else(|| truncated(what))?;
        self.inner.consume(1);
        self.pos += 1;
        Ok(b)
    }
    fn skip(&mut self, mut n: usize, what: &str) -> io::Result<()> {
        while n > 0 {
            let have = self.inner.fill_buf()?.len();
            if have == 0 {
                return Err(truncated(what));
            }
            let k = have.min(n);
            self.inner.consume(k);
            self.pos += k as u64;
            n -= k;
        }
        Ok(())
    }
    fn until_nul(&mut self, what: &str) -> io::Result<()> {
        while self.byte(what)? != 0 {}
        Ok(())
    }
    fn le32(&mut self, what: &str) -> io::Result<u32> {
        let mut b = [0u8; 4];
        for x in &mut b {
            *x = self.byte(what)?;
        }
        Ok(u32::from_le_bytes(b))
    }

    /// A member's header (RFC 1952, 2.3), up to its deflate data.
    fn header(&mut self) -> io::Result<()> {
        let what = "a member header";
        let (id1, id2, cm, flg) = (
            self.byte(what)?,
            self.byte(what)?,
            self.byte(what)?,
            self.byte(what)?,
        );
        if (id1, id2) != (0x1f, 0x8b) {
            return Err(invalid("not a gzip member (bad magic bytes)"));
        }
        if cm != 8 {
            return Err(invalid(format!(
                "gzip compression method {cm} (only deflate exists)"
            )));
        }
        if flg & 0xe0 != 0 {
            return Err(invalid("gzip header sets reserved flags"));
        }
        self.skip(6, what)?; // MTIME, XFL, OS
        if flg & 0x04 != 0 {
            let xlen = u16::from(self.byte(what)?) | (u16::from(self.byte(what)?) << 8);
            self.skip(usize::from(xlen), what)?;
        }
        if flg & 0x08 != 0 {
            self.until_nul(what)?;
        }
        if flg & 0x10 != 0 {
            self.until_nul(what)?;
        }
        if flg & 0x02 != 0 {
            self.skip(2, what)?;
        }
        Ok(())
    }
}
