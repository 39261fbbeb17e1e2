//! The hand-off between the stages of a layer's read (`scan.rs`): bounded
//! channels of recycled chunks ([`Feed`] → [`ChannelReader`]), a relay
//! that checks chunks on their way ([`Relay`]), and the reader end the tar
//! parser reads, seeks and drains ([`Finish`]), which keeps the chunks of
//! a layer held for a second read ([`crate::retain`]).

use std::io::Read;
use std::sync::Arc;

/// The receiving and sending ends of a hand-off: a chunk and how much of it
/// is filled, or the error that ended the stream.
pub(crate) type Chunks = std::sync::mpsc::Receiver<std::io::Result<(Vec<u8>, usize)>>;
pub(crate) type ChunkSender = std::sync::mpsc::SyncSender<std::io::Result<(Vec<u8>, usize)>>;

/// Chunks in flight between two pipeline stages.
pub(crate) const PIPELINE_DEPTH: usize = 4;
/// Chunks in flight from a registry blob to its decompressor: 4 MiB, per
/// layer being read. In back-to-back runs of `scripts/bench-registry.sh
/// fat`, 512 KiB of buffer gave 1.26x (HTTP) and 1.38x (TLS) the layout's
/// time, 2 MiB 1.08x and 1.22x, 12 MiB no better than 4. This machine's
/// run-to-run spread is wide (see BENCHMARKS.md): the figures are
/// indicative.
pub(crate) const NETWORK_DEPTH: usize = 8;
/// A registry chunk is passed on once it holds 128 KiB (a quarter): a TLS
/// read returns one 16 KiB record, and 128 KiB chunks sent at 32 KiB cost a
/// hand-off, often a thread wake-up, per two records. Larger chunks took
/// 0.15 CPU-seconds (8 %) off reading `fat` over TLS, interleaved runs.
pub(crate) const NETWORK_CHUNK: usize = 512 * 1024;
pub(crate) const CHUNK: usize = 128 * 1024;
/// Chunks of decompressed tar: each hand-off can wake the other thread
/// (a futex wake-up costs tens of microseconds on this VM), and the
/// decompressor fills any size in one read. 128 KiB chunks spent 8 % of
/// `fat-flat`'s zstd read in wake-ups and task switches (`perf record`).
pub(crate) const DECODED_CHUNK: usize = 512 * 1024;
/// Chunks of a plain layer, read from a file: larger, for fewer hand-offs
/// (each can wake the other thread) on the stream that is hashed at
/// SHA-256 speed; a plain layer has one hop, not two.
pub(crate) const PLAIN_CHUNK: usize = 512 * 1024;

/// The sending end of a hand-off between two pipeline stages: full chunks
/// go forward through a bounded channel, and the reader sends emptied ones
/// back, so a stream of any length reuses the same few buffers instead of
/// allocating and zeroing a fresh one per chunk.
pub(crate) struct Feed {
    tx: ChunkSender,
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
    /// Chunk size.
    chunk: usize,
}

/// A bounded hand-off between two pipeline stages.
pub(crate) fn channel(chunk: usize, depth: usize) -> (Feed, ChannelReader) {
    let (tx, rx) = std::sync::mpsc::sync_channel(depth);
    let (back, spare) = std::sync::mpsc::channel();
    (Feed { tx, spare, chunk }, ChannelReader::new(rx, back))
}

impl Feed {
    /// Read `r` to its end (or its first error) into the channel; stops
    /// early when the reader hangs up. A chunk is sent once it holds at
    /// least a quarter of its size: a network source returns a TLS record or a
    /// socket buffer per read, and passing those on one by one would cost a
    /// channel hand-off per 16 KiB; a file or a decompressor fills a chunk
    /// in one read, and asking it for the small remainder would only add
    /// calls.
    pub(crate) fn run(self, mut r: impl Read) {
        loop {
            // Chunks travel at full length with their fill count, so a
            // returned buffer is reused as is: each is zeroed once.
            let mut buf = self.spare.try_recv().unwrap_or_default();
            buf.resize(self.chunk, 0);
            let mut n = 0;
            let mut failure = None;
            while n < self.chunk / 4 {
                match r.read(&mut buf[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            let end = n < self.chunk / 4;
            if n > 0 && self.tx.send(Ok((buf, n))).is_err() {
                return;
            }
            if let Some(e) = failure {
                let _ = self.tx.send(Err(e));
                return;
            }
            if end {
                return;
            }
        }
    }
}

/// The next item from `rx`, checked by `tap` if there is one: a chunk and
/// its fill count, the error that ended the stream (the producer's or the
/// tap's), or `None` at a clean end. When the producer hangs up, the tap
/// makes its final check (the diff_id) once, and is gone after it.
pub(crate) fn recv_checked(
    rx: &Chunks,
    tap: &mut Option<pare_image::Tap>,
) -> Option<std::io::Result<(Vec<u8>, usize)>> {
    match rx.recv() {
        Ok(Ok((c, len))) => Some(match tap {
            Some(t) => t.update(&c[..len]).map(|()| (c, len)),
            None => Ok((c, len)),
        }),
        Ok(Err(e)) => Some(Err(e)),
        Err(_) => tap.take().and_then(|mut t| t.finish().err()).map(Err),
    }
}

/// A pipeline stage that checks the chunks coming from `upstream` with a
/// layer's [`pare_image::Tap`] (diff_id, limits) and passes them on
/// uncopied; emptied chunks still go back to the first stage.
pub(crate) struct Relay {
    upstream: Chunks,
    tap: Option<pare_image::Tap>,
    tx: ChunkSender,
}

/// Put `tap` between the stage feeding `upstream` and a new reader.
pub(crate) fn tapped(upstream: ChannelReader, tap: pare_image::Tap) -> (Relay, ChannelReader) {
    let (tx, rx) = std::sync::mpsc::sync_channel(PIPELINE_DEPTH);
    (
        Relay {
            upstream: upstream.rx,
            tap: Some(tap),
            tx,
        },
        ChannelReader::new(rx, upstream.back),
    )
}

impl Relay {
    /// Pass everything on, checked; a failure (upstream's or the tap's)
    /// is the last thing sent.
    pub(crate) fn run(mut self) {
        while let Some(item) = recv_checked(&self.upstream, &mut self.tap) {
            let last = item.is_err();
            if self.tx.send(item).is_err() || last {
                return;
            }
        }
    }
}

/// Reads the chunks the producing thread sends; end of stream when it
/// hangs up. An error from that thread is sticky: every later read returns
/// it again, so that draining the stream after a failed parse reports the
/// real cause (a dropped connection) rather than the short stream's
/// diff_id mismatch.
pub(crate) struct ChannelReader {
    rx: Chunks,
    /// Emptied chunks, back to the producer.
    back: std::sync::mpsc::Sender<Vec<u8>>,
    chunk: Vec<u8>,
    /// Bytes of `chunk` that were filled.
    len: usize,
    pos: usize,
    failed: Option<std::io::Error>,
    /// Bytes delivered.
    count: u64,
    /// Checks applied to each chunk as it arrives, if this end verifies.
    tap: Option<pare_image::Tap>,
    /// Where read chunks are kept instead of going back, if anywhere.
    retain: Option<Arc<crate::retain::Retainer>>,
}

/// A copy of an error that keeps its kind, its message and, for layer
/// verification failures, its type.
pub(crate) fn replay(e: &std::io::Error) -> std::io::Error {
    match e
        .get_ref()
        .and_then(|i| i.downcast_ref::<pare_image::LayerError>())
    {
        Some(le) => std::io::Error::new(e.kind(), le.clone()),
        None => std::io::Error::new(e.kind(), e.to_string()),
    }
}

impl ChannelReader {
    fn new(rx: Chunks, back: std::sync::mpsc::Sender<Vec<u8>>) -> Self {
        Self {
            rx,
            back,
            chunk: Vec::new(),
            len: 0,
            pos: 0,
            failed: None,
            count: 0,
            tap: None,
            retain: None,
        }
    }

    /// Keep every chunk once read (verified) with `retain` rather than
    /// sending it back to be reused.
    pub(crate) fn retaining(mut self, retain: Option<Arc<crate::retain::Retainer>>) -> Self {
        self.retain = retain;
        self
    }

    /// Done with a chunk of which `len` bytes were filled: kept, or back
    /// to the producer (which, if it has finished, simply drops it).
    fn release(&self, chunk: Vec<u8>, len: usize) {
        let back = match &self.retain {
            Some(r) if len > 0 => r.keep(chunk, len),
            _ => Some(chunk),
        };
        if let Some(c) = back {
            let _ = self.back.send(c);
        }
    }

    /// Verify every chunk with `tap` as it arrives (and the end of the
    /// stream with its final check), before any of it is read.
    pub(crate) fn checked(mut self, tap: pare_image::Tap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// Make sure some of the current chunk is left to read: `Ok(false)` at
    /// the end of the stream (the producer hung up). A producer error is
    /// returned, and kept for every later call.
    fn fill(&mut self) -> std::io::Result<bool> {
        if let Some(e) = &self.failed {
            return Err(replay(e));
        }
        while self.pos == self.len {
            match recv_checked(&self.rx, &mut self.tap) {
                Some(Ok((c, len))) => {
                    let done = std::mem::replace(&mut self.chunk, c);
                    let done_len = std::mem::replace(&mut self.len, len);
                    self.release(done, done_len);
                    self.pos = 0;
                }
                Some(Err(e)) => {
                    self.failed = Some(replay(&e));
                    return Err(e);
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        self.count += n as u64;
        Ok(n)
    }
}

/// A layer's tar stream that can be drained to its end, verifying it.
pub(crate) trait Finish: Read + Sized {
    /// Read to the end (verifying digests and limits); the byte count.
    fn finish(self) -> std::io::Result<u64>;
    /// The entries of a tar archive over this stream.
    fn entries(ar: &mut tar::Archive<Self>) -> std::io::Result<tar::Entries<'_, Self>> {
        ar.entries()
    }
}

impl<R: Read> Finish for pare_image::LayerStream<R> {
    fn finish(self) -> std::io::Result<u64> {
        pare_image::LayerStream::finish(self)
    }
}

/// Skipping forward without copying: the tar reader seeks over the
/// contents of files nobody asked for, and the chunks are dropped (and
/// recycled) instead of being copied through a scratch buffer. Every byte
/// is still verified: by an earlier stage (the relay of a plain layer) or
/// by this reader's own tap, over whole chunks as they arrive.
impl std::io::Seek for ChannelReader {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        let std::io::SeekFrom::Current(delta) = pos else {
            return Err(std::io::Error::other("layer streams only seek forward"));
        };
        let mut left = u64::try_from(delta)
            .map_err(|_| std::io::Error::other("layer streams only seek forward"))?;
        while left > 0 {
            if !self.fill()? {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let n = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(self.len - self.pos);
            self.pos += n;
            self.count += n as u64;
            left -= n as u64;
        }
        Ok(self.count)
    }
}

/// The verification runs on the producing thread, whose errors arrive
/// through the channel: draining it is finishing.
impl Finish for ChannelReader {
    fn finish(mut self) -> std::io::Result<u64> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        let last = std::mem::take(&mut self.chunk);
        self.release(last, self.len);
        Ok(self.count)
    }
    fn entries(ar: &mut tar::Archive<Self>) -> std::io::Result<tar::Entries<'_, Self>> {
        ar.entries_with_seek()
    }
}

#[cfg(test)]
mod tests {
    use super::channel;
    use std::io::{Read, Seek, SeekFrom};

    /// Bytes 0..n, then (optionally) a failure.
    struct Source {
        data: std::io::Cursor<Vec<u8>>,
        fail: bool,
    }

    impl Read for Source {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.data.read(buf)? {
                0 if self.fail => Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset",
                )),
                n => Ok(n),
            }
        }
    }

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn channel_reader_seeks_forward_across_chunks() {
        let data = bytes(1_000_000);
        let (feed, mut rx) = channel(64 * 1024, 4);
        let src = Source {
            data: std::io::Cursor::new(data.clone()),
            fail: false,
        };
        std::thread::scope(|s| {
            s.spawn(move || feed.run(src));
            let mut b = [0u8; 10];
            assert_eq!(rx.seek(SeekFrom::Current(100)).unwrap(), 100);
            rx.read_exact(&mut b).unwrap();
            assert_eq!(b, data[100..110]);
            // Across several chunks, to an odd offset.
            assert_eq!(rx.seek(SeekFrom::Current(300_001)).unwrap(), 300_111);
            rx.read_exact(&mut b).unwrap();
            assert_eq!(b, data[300_111..300_121]);
            assert!(rx.seek(SeekFrom::Start(0)).is_err(), "only forward");
            assert!(rx.seek(SeekFrom::Current(-1)).is_err(), "only forward");
            // Past the end: the skip is short, an error, not a silent stop.
            let e = rx.seek(SeekFrom::Current(1_000_000)).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        });
    }

    #[test]
    fn channel_reader_seek_reports_the_producer_error() {
        let (feed, mut rx) = channel(64 * 1024, 4);
        let src = Source {
            data: std::io::Cursor::new(bytes(200_000)),
            fail: true,
        };
        std::thread::scope(|s| {
            s.spawn(move || feed.run(src));
            let e = rx.seek(SeekFrom::Current(500_000)).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
            // Sticky: a later read reports the same cause.
            let e = rx.read(&mut [0u8; 4]).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
        });
    }
}
