//! A later read from an access point: the bit offset found, every segment
//! checked.

use super::{
    corrupt, invalid, step, truncated, AccessPoints, Input, Kind, BACK, PROBE, PROBE_INPUT,
};
use flate2::Crc;
use std::io::{self, BufRead, Read};
use zlib_rs::{Inflate, InflateFlush, Status};

/// How a raw inflater is brought to a block boundary `8 * q + k` bits
/// before a point, without `inflatePrime`: a few empty or one-literal
/// fixed-Huffman blocks, whose lengths add up to `8 - k` bits modulo 8, then
/// the boundary byte's top `k` bits, fill one or more whole bytes, so that
/// the real stream goes on at a byte boundary of the input, as in the blob
/// (a stored block pads to the blob's byte boundaries, which a shifted copy
/// of the input would break). The decoder consumes those blocks, their
/// output is dropped, and the window is set as the dictionary after them.
#[derive(Debug, Clone, Copy)]
struct Lead {
    /// Where the whole bytes after the boundary start in `head`.
    from: usize,
    /// Bits of the byte before `from` that belong to the next block.
    k: u32,
}

/// A bit writer, least significant bit first (RFC 1951, 3.1.1).
#[derive(Default)]
struct Bits {
    acc: u64,
    n: u32,
    out: Vec<u8>,
}

impl Bits {
    fn put(&mut self, v: u64, n: u32) {
        self.acc |= v << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code, most significant bit first.
    fn code(&mut self, code: u64, n: u32) {
        let rev = (0..n).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
        self.put(rev, n);
    }
    /// A fixed-Huffman block that is not the last: empty (10 bits) or with
    /// the literal 144 (9-bit code: 19 bits).
    fn block(&mut self, literal: bool) {
        self.put(0, 1);
        self.put(1, 2);
        if literal {
            self.code(0x190, 9);
        }
        self.code(0, 7);
    }
}

/// The blocks (literal or not) whose bits add up to `r` modulo 8.
fn blocks(r: u32) -> &'static [bool] {
    match r {
        1 => &[false, false, false, true], // 49 bits
        2 => &[false],                     // 10
        3 => &[true],                      // 19
        4 => &[false, false],              // 20
        5 => &[false, true],               // 29
        6 => &[false, false, false],       // 30
        7 => &[false, false, true],        // 39
        _ => &[],
    }
}

impl Lead {
    /// The boundary `8 * q + k` bits before offset `at` of `head`, if
    /// `head` holds it.
    fn new(head: &[u8], at: usize, q: usize, k: u32) -> Option<Self> {
        let from = at.checked_sub(q)?;
        (from <= head.len() && (k == 0 || from >= 1)).then_some(Self { from, k })
    }

    /// The lead-in blocks and boundary bits, then `head` from `from`.
    fn bytes(self, head: &[u8]) -> Vec<u8> {
        let mut b = Bits::default();
        if self.k > 0 {
            for &lit in blocks(8 - self.k) {
                b.block(lit);
            }
            b.put(u64::from(head[self.from - 1] >> (8 - self.k)), self.k);
        }
        debug_assert_eq!(b.n, 0, "the lead-in ends on a byte boundary");
        let mut v = b.out;
        v.extend_from_slice(&head[self.from..]);
        v
    }

    /// A raw inflater that has read the lead-in blocks from `input`, with
    /// `window` as its history.
    fn start(self, input: &mut dyn BufRead, window: &[u8]) -> io::Result<Inflate> {
        let mut inflate = Inflate::new(false, 15);
        let mut scratch = [0u8; 8];
        let lead = if self.k > 0 {
            blocks(8 - self.k).len()
        } else {
            0
        };
        for _ in 0..lead {
            let buf = input.fill_buf()?;
            let tin = inflate.total_in();
            match inflate.decompress(buf, &mut scratch, InflateFlush::Block) {
                Ok(Status::Ok) => {}
                _ => return Err(invalid("resuming a gzip stream: lead-in not decoded")),
            }
            let used = usize::try_from(inflate.total_in() - tin).unwrap_or(0);
            input.consume(used);
        }
        if !window.is_empty() {
            inflate
                .set_dictionary(window)
                .map_err(|e| invalid(format!("resuming a gzip stream: {}", e.as_str())))?;
        }
        Ok(inflate)
    }
}

/// Opens a blob at an offset.
pub type OpenAt<'a> = dyn Fn(u64) -> io::Result<Box<dyn Read + Send + 'a>> + Sync + 'a;

/// A gzip blob decompressed from an access point to the end of that
/// point's member. Each segment between points is checked against the
/// CRC-32 recorded for it as it ends (the blob was verified as a whole when
/// the points were recorded; this catches a wrong guess and a blob that
/// changed since): a mismatch is an error. The first segment of a block
/// point is decoded and checked before anything is returned.
pub struct Resumed<'a> {
    input: Input<Box<dyn BufRead + Send + 'a>>,
    inflate: Inflate,
    header: bool,
    done: bool,
    /// The first segment, decoded while checking the guess: served first.
    ahead: Vec<u8>,
    served: usize,
    check: Check,
}

/// Checks the segments a read passes through.
struct Check {
    /// Offset of the next byte decoded.
    out: u64,
    /// The segments still ahead: (end, CRC-32), nearest last.
    segments: Vec<(u64, u32)>,
    crc: Crc,
}

impl Check {
    fn new(points: &AccessPoints, i: usize) -> Self {
        let mut segments: Vec<(u64, u32)> = (i..points.points.len())
            .map(|j| (points.segment_end(j), points.points[j].crc))
            .collect();
        segments.reverse();
        Self {
            out: points.points[i].output,
            segments,
            crc: Crc::new(),
        }
    }

    /// Account for the next decoded bytes.
    fn update(&mut self, mut b: &[u8]) -> io::Result<()> {
        while !b.is_empty() {
            let Some(&(end, want)) = self.segments.last() else {
                return Err(invalid("the gzip stream goes on past its recorded end"));
            };
            let n = usize::try_from(end - self.out)
                .unwrap_or(usize::MAX)
                .min(b.len());
            self.crc.update(&b[..n]);
            self.out += n as u64;
            b = &b[n..];
            if self.out == end {
                if std::mem::take(&mut self.crc).sum() != want {
                    return Err(invalid(
                        "the blob decodes differently from its first read (CRC-32 of a segment)",
                    ));
                }
                self.segments.pop();
            }
        }
        Ok(())
    }
}

/// Largest first segment kept while it is checked; a longer one is
/// decoded twice.
const AHEAD: u64 = 8 << 20;

impl<'a> Resumed<'a> {
    /// Start at point `i` of `points`, opening the blob with `open`.
    /// `Ok(None)` when no bit offset reproduces a block point's probe and
    /// first segment.
    ///
    /// # Errors
    /// Reading the blob.
    pub fn at(points: &AccessPoints, i: usize, open: &OpenAt<'a>) -> io::Result<Option<Self>> {
        let point = &points.points[i];
        let (window, probe) = match &point.kind {
            Kind::Member => {
                return Ok(Some(Self {
                    input: Input {
                        inner: Box::new(io::BufReader::new(open(point.input)?)),
                        pos: point.input,
                    },
                    inflate: Inflate::new(false, 15),
                    header: true,
                    done: false,
                    ahead: Vec::new(),
                    served: 0,
                    check: Check::new(points, i),
                }))
            }
            Kind::Block { window, probe } => (window, probe),
        };
        // The next block starts `bits` bits before `point.input`: in the
        // byte before it (the decoder's fast path hands back whole bytes),
        // or up to two bytes further back (its slow path can stop holding
        // a byte or two more).
        let base = point.input.saturating_sub(BACK);
        let mut head = Vec::with_capacity(PROBE_INPUT);
        open(base)?
            .take(PROBE_INPUT as u64)
            .read_to_end(&mut head)?;
        let at = usize::try_from(point.input - base).unwrap_or(usize::MAX);
        let mut out = [0u8; PROBE];
        for bits in 0..8 * at {
            let (q, k) = (bits / 8, (bits % 8) as u32);
            let Some(lead) = Lead::new(&head, at, q, k) else {
                continue;
            };
            let mut src = io::Cursor::new(lead.bytes(&head));
            let Ok(mut inflate) = lead.start(&mut src, window) else {
                continue;
            };
            let rest = &src.get_ref()[usize::try_from(src.position()).unwrap_or(0)..];
            let probe_out = &mut out[..probe.len()];
            let mut filled = 0;
            let mut used = 0;
            while filled < probe_out.len() {
                let (u, m, status) = step(
                    &mut inflate,
                    &rest[used..],
                    &mut probe_out[filled..],
                    InflateFlush::NoFlush,
                );
                used += u;
                filled += m;
                match status {
                    Ok(Status::Ok) if used < rest.len() => {}
                    _ => break,
                }
            }
            if filled != probe.len() || probe_out[..] != probe[..] {
                continue;
            }
            // A likely guess (a run of zeros, or a stored block, can
            // decode alike from more than one place): check it against
            // the whole first segment.
            if let Some(r) = Self::checked(points, i, open, base, &head, lead, window)? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// The reader for `lead`, once its first segment checks out.
    fn checked(
        points: &AccessPoints,
        i: usize,
        open: &OpenAt<'a>,
        base: u64,
        head: &[u8],
        lead: Lead,
        window: &[u8],
    ) -> io::Result<Option<Self>> {
        let reader = |open: &OpenAt<'a>| -> io::Result<Self> {
            let rest = open(base + head.len() as u64)?;
            let mut inner: Box<dyn BufRead + Send + 'a> = Box::new(io::BufReader::new(
                io::Cursor::new(lead.bytes(head)).chain(rest),
            ));
            let inflate = lead.start(&mut inner, window)?;
            Ok(Self {
                input: Input {
                    inner,
                    pos: points.points[i].input,
                },
                inflate,
                header: false,
                done: false,
                ahead: Vec::new(),
                served: 0,
                check: Check::new(points, i),
            })
        };
        let mut r = reader(open)?;
        let len = points.segment_end(i) - points.points[i].output;
        let keep = len <= AHEAD;
        let mut buf = vec![0u8; 64 * 1024];
        let mut ahead = Vec::new();
        let mut left = len;
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            match r.decode(&mut buf[..want]) {
                Ok(0) | Err(_) => return Ok(None),
                Ok(n) => {
                    if keep {
                        ahead.extend_from_slice(&buf[..n]);
                    }
                    left -= n as u64;
                }
            }
        }
        if !keep {
            // Checked; decode it again, now that the guess is known good.
            return reader(open).map(Some);
        }
        r.ahead = ahead;
        Ok(Some(r))
    }

    /// Decode and check the next bytes.
    fn decode(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.header {
            self.input.header()?;
            self.header = false;
        }
        loop {
            let input = self.input.inner.fill_buf()?;
            let have = input.len();
            if have == 0 {
                return Err(truncated("its compressed data"));
            }
            let (used, made, status) = step(&mut self.inflate, input, buf, InflateFlush::NoFlush);
            self.input.inner.consume(used);
            self.check.update(&buf[..made])?;
            match status {
                Err(e) => return Err(corrupt(&self.inflate, e)),
                Ok(Status::StreamEnd) => {
                    self.done = true;
                    return Ok(made);
                }
                Ok(_) if made > 0 => return Ok(made),
                Ok(_) => {}
            }
        }
    }
}

impl Read for Resumed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.served < self.ahead.len() {
            let n = (self.ahead.len() - self.served).min(buf.len());
            buf[..n].copy_from_slice(&self.ahead[self.served..self.served + n]);
            self.served += n;
            if self.served == self.ahead.len() {
                self.ahead = Vec::new();
                self.served = 0;
            }
            return Ok(n);
        }
        self.decode(buf)
    }
}
