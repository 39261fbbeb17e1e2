//! The first read: a gzip decoder that records [`super::AccessPoints`].

use super::{
    corrupt, invalid, step, truncated, Input, Kind, Point, Recording, MARGIN, MIN_PROBE, PROBE,
    ROOM, WINDOW,
};
use flate2::Crc;
use std::io::{self, BufRead, Read};
use zlib_rs::{Inflate, InflateFlush, Status};

enum State {
    Header,
    Body,
    Trailer,
    Done,
}

/// A block point waiting for its probe.
struct Pending {
    input: u64,
    output: u64,
    window: Box<[u8]>,
    probe: Vec<u8>,
    /// The open segment's checksum up to this point.
    before: Crc,
}

/// Decompresses a (multi-member) gzip stream as `flate2`'s
/// `MultiGzDecoder` does, checking each member's CRC-32 and size, and
/// records [`AccessPoints`]: every member's start, and a block boundary
/// once at least `spacing` compressed bytes have passed since the last.
pub struct IndexingGz<R> {
    input: Input<R>,
    inflate: Inflate,
    state: State,
    /// Checksum of the member's output up to the last point.
    crc: Crc,
    /// Checksum of the output since the last point.
    segment: Crc,
    out: u64,
    member_out: u64,
    /// The member's last (up to) [`WINDOW`] bytes of output before the
    /// current read call.
    tail: Vec<u8>,
    spacing: u64,
    next_at: u64,
    pending: Option<Pending>,
    record: Recording,
}

impl<R: BufRead> IndexingGz<R> {
    /// Decode `inner`, recording into `record`.
    pub fn new(inner: R, spacing: u64, record: Recording) -> Self {
        Self {
            input: Input { inner, pos: 0 },
            inflate: Inflate::new(false, 15),
            state: State::Header,
            crc: Crc::new(),
            segment: Crc::new(),
            out: 0,
            member_out: 0,
            tail: Vec::with_capacity(WINDOW),
            spacing: spacing.max(1),
            next_at: 0,
            pending: None,
            record,
        }
    }

    /// The underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.input.inner
    }

    /// Give `fresh` output to a pending point's probe; push it when full.
    fn feed_probe(&mut self, fresh: &[u8]) {
        if let Some(p) = &mut self.pending {
            let k = (PROBE - p.probe.len()).min(fresh.len());
            p.probe.extend_from_slice(&fresh[..k]);
            if p.probe.len() == PROBE {
                self.flush_probe();
            }
        }
    }

    /// Push the pending point if its probe is long enough (the member
    /// ended or the probe is full), else drop it.
    fn flush_probe(&mut self) {
        if let Some(mut p) = self.pending.take() {
            if p.probe.len() >= MIN_PROBE {
                self.crc.combine(&p.before);
                self.record.push(
                    Point {
                        input: p.input,
                        output: p.output,
                        crc: 0,
                        kind: Kind::Block {
                            window: p.window,
                            probe: p.probe.into_boxed_slice(),
                        },
                    },
                    p.before.sum(),
                );
            } else {
                // The open segment goes on.
                p.before.combine(&self.segment);
                self.segment = p.before;
            }
        }
    }

    /// Keep the member's last [`WINDOW`] bytes: `tail` followed by `now`.
    fn window(tail: &[u8], now: &[u8]) -> Vec<u8> {
        let from_now = now.len().min(WINDOW);
        let from_tail = (WINDOW - from_now).min(tail.len());
        let mut w = Vec::with_capacity(from_tail + from_now);
        w.extend_from_slice(&tail[tail.len() - from_tail..]);
        w.extend_from_slice(&now[now.len() - from_now..]);
        w
    }
}

impl<R: BufRead> Read for IndexingGz<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        // Where the current member's output starts in `buf`.
        let mut begin = 0;
        while written < buf.len() {
            match self.state {
                State::Done => break,
                State::Header => {
                    if self.input.inner.fill_buf()?.is_empty() {
                        self.state = State::Done;
                        self.record.finish(self.out, self.segment.sum());
                        continue;
                    }
                    let start = self.input.pos;
                    self.input.header()?;
                    self.record.push(
                        Point {
                            input: start,
                            output: self.out,
                            crc: 0,
                            kind: Kind::Member,
                        },
                        self.segment.sum(),
                    );
                    self.segment = Crc::new();
                    self.inflate.reset(false);
                    self.crc.reset();
                    self.member_out = 0;
                    self.tail.clear();
                    begin = written;
                    self.next_at = self.input.pos + self.spacing;
                    self.state = State::Body;
                }
                State::Body => {
                    let input = self.input.inner.fill_buf()?;
                    let have = input.len();
                    if have == 0 {
                        return Err(truncated("its compressed data"));
                    }
                    // Stop at block boundaries only while a point is due:
                    // zlib-rs copies up to 32 KiB into its window at every
                    // return, and blocks end every few KiB of output.
                    let due = self.pending.is_none() && self.input.pos >= self.next_at;
                    let flush = if due {
                        InflateFlush::Block
                    } else {
                        InflateFlush::NoFlush
                    };
                    let (used, made, status) =
                        step(&mut self.inflate, input, &mut buf[written..], flush);
                    self.input.inner.consume(used);
                    self.input.pos += used as u64;
                    let (from, to) = (written, written + made);
                    self.segment.update(&buf[from..to]);
                    self.feed_probe(&buf[from..to]);
                    written = to;
                    self.out += made as u64;
                    self.member_out += made as u64;
                    match status {
                        Err(e) => return Err(corrupt(&self.inflate, e)),
                        Ok(Status::StreamEnd) => {
                            self.flush_probe();
                            self.state = State::Trailer;
                        }
                        Ok(_) => {
                            let boundary = have - used >= MARGIN && buf.len() - written >= ROOM;
                            if boundary && self.pending.is_none() && self.input.pos >= self.next_at
                            {
                                let w = Self::window(&self.tail, &buf[begin..written]);
                                self.pending = Some(Pending {
                                    input: self.input.pos,
                                    output: self.out,
                                    window: w.into_boxed_slice(),
                                    probe: Vec::with_capacity(PROBE),
                                    before: std::mem::take(&mut self.segment),
                                });
                                self.next_at = self.input.pos + self.spacing;
                            }
                        }
                    }
                }
                State::Trailer => {
                    let crc = self.input.le32("a member trailer")?;
                    let size = self.input.le32("a member trailer")?;
                    // The member's checksum: its closed segments' and the
                    // open one's.
                    let mut member = Crc::new();
                    member.combine(&self.crc);
                    member.combine(&self.segment);
                    if crc != member.sum() {
                        return Err(invalid("gzip CRC-32 mismatch (corrupt blob)"));
                    }
                    // ISIZE is the size modulo 2^32.
                    #[allow(clippy::cast_possible_truncation)]
                    if size != self.member_out as u32 {
                        return Err(invalid("gzip size mismatch (corrupt blob)"));
                    }
                    self.state = State::Header;
                }
            }
        }
        if matches!(self.state, State::Body) {
            self.tail = Self::window(&self.tail, &buf[begin..written]);
        }
        Ok(written)
    }
}
