//! gzip on two cores, as `pigz` writes it: the tar arrives in chunks (about
//! 1 MiB, [`super::layer`]), each chunk is deflated on its own by one of two
//! threads with the previous chunk's last 32 KiB as its dictionary (so the
//! ratio stays that of one stream) and ends with a sync flush, which leaves
//! it byte-aligned; the pieces, written in order, are one deflate stream,
//! closed by an empty final block and the gzip trailer (the chunks' CRC-32s
//! combined). Any gzip reader takes it as one member.
//!
//! Why not one `GzEncoder`: deflating the kept bytes was the longest step
//! of `pare slim` to an OCI layout once its second read became cheap
//! (access points), and it ran on one core while the other waited.
//! `gzp` and `zune-inflate`-style crates either wrap C zlib or do not
//! take a dictionary; zlib-rs's safe `Deflate` does everything needed.

use flate2::Crc;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use zlib_rs::{Deflate, DeflateFlush};

/// How far back deflate references reach: the dictionary of a chunk.
const WINDOW: usize = 32 * 1024;
/// Compressing threads (the machines this runs on have two cores; the
/// calling thread hashes and writes).
const THREADS: usize = 2;
/// Chunks being compressed or waiting to be written, at most.
const IN_FLIGHT: usize = 2 * THREADS;

/// gzip header: no name, no time (reproducible output), unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty fixed-Huffman block marked last (BFINAL 1, BTYPE 01, end of
/// block), after the last sync flush.
const LAST_BLOCK: [u8; 2] = [0x03, 0x00];

struct Job {
    seq: usize,
    chunk: Vec<u8>,
    dict: Vec<u8>,
}

struct Done {
    seq: usize,
    deflated: io::Result<Vec<u8>>,
    crc: Crc,
}

/// Deflate `chunk` (raw, level 1) after `dict`, ending on a byte boundary.
fn deflate(chunk: &[u8], dict: &[u8]) -> io::Result<Vec<u8>> {
    deflate_from(chunk, dict, chunk.len() / 2 + 4096)
}

/// [`deflate`] into an output buffer of `cap` bytes at first.
fn deflate_from(chunk: &[u8], dict: &[u8], cap: usize) -> io::Result<Vec<u8>> {
    let err = |e: zlib_rs::DeflateError| io::Error::other(format!("gzip: {}", e.as_str()));
    let mut d = Deflate::new(1, false, 15);
    if !dict.is_empty() {
        d.set_dictionary(dict).map_err(err)?;
    }
    let mut out = vec![0u8; cap.max(1)];
    let mut filled = 0;
    loop {
        // More than six bytes of room, or zlib may repeat the flush marker
        // (valid, but longer).
        if out.len() - filled <= 6 {
            out.resize(out.len() * 2 + 64, 0);
        }
        let (tin, tout) = (d.total_in(), d.total_out());
        let used = usize::try_from(tin).unwrap_or(chunk.len());
        d.compress(&chunk[used..], &mut out[filled..], DeflateFlush::SyncFlush)
            .map_err(err)?;
        filled += usize::try_from(d.total_out() - tout).unwrap_or(0);
        let done = usize::try_from(d.total_in()).unwrap_or(0) == chunk.len();
        // zlib's rule: the flush is complete once a call returns with output
        // room to spare (a call after an exactly full buffer may have nothing
        // left to write, and says so with `BufError`).
        if done && filled < out.len() {
            break;
        }
        if filled < out.len() && d.total_in() == tin && d.total_out() == tout {
            return Err(io::Error::other("gzip: the compressor made no progress"));
        }
    }
    out.truncate(filled);
    Ok(out)
}

/// Read the tar's chunks from `rx`, pass each to `tar` (its hash), and
/// write it gzip-compressed to `out`.
///
/// # Errors
/// Writing `out`, or `tar`'s failure.
pub(super) fn write<W: Write>(
    rx: &mpsc::Receiver<Vec<u8>>,
    mut out: W,
    mut tar: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<W> {
    out.write_all(&HEADER)?;
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(IN_FLIGHT);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    std::thread::scope(|s| -> io::Result<W> {
        for _ in 0..THREADS {
            let (jobs, done) = (Arc::clone(&job_rx), done_tx.clone());
            s.spawn(move || loop {
                let job = match jobs.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let mut crc = Crc::new();
                crc.update(&job.chunk);
                let deflated = deflate(&job.chunk, &job.dict);
                if done
                    .send(Done {
                        seq: job.seq,
                        deflated,
                        crc,
                    })
                    .is_err()
                {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut total = Crc::new();
        let mut ready: BTreeMap<usize, Done> = BTreeMap::new();
        let (mut sent, mut written) = (0usize, 0usize);
        // Write the finished chunks that are next in order; wait for one
        // when `wait` (too many in flight, or the input is over).
        let mut flush = |ready: &mut BTreeMap<usize, Done>,
                         written: &mut usize,
                         wait: bool,
                         out: &mut W|
         -> io::Result<()> {
            if wait && !ready.contains_key(written) {
                while let Ok(d) = done_rx.recv() {
                    let seq = d.seq;
                    ready.insert(seq, d);
                    if seq == *written {
                        break;
                    }
                }
            }
            while let Some(d) = ready.remove(written) {
                out.write_all(&d.deflated?)?;
                total.combine(&d.crc);
                *written += 1;
            }
            Ok(())
        };
        let mut dict = Vec::new();
        for chunk in rx {
            tar(&chunk)?;
            let next = chunk[chunk.len().saturating_sub(WINDOW)..].to_vec();
            let job = Job {
                seq: sent,
                chunk,
                dict: std::mem::replace(&mut dict, next),
            };
            job_tx
                .send(job)
                .map_err(|_| io::Error::other("gzip: a compressing thread stopped"))?;
            sent += 1;
            while let Ok(d) = done_rx.try_recv() {
                ready.insert(d.seq, d);
            }
            let wait = sent - written >= IN_FLIGHT;
            flush(&mut ready, &mut written, wait, &mut out)?;
        }
        drop(job_tx);
        while written < sent {
            flush(&mut ready, &mut written, true, &mut out)?;
        }
        out.write_all(&LAST_BLOCK)?;
        out.write_all(&total.sum().to_le_bytes())?;
        // ISIZE: the size modulo 2^32, as `Crc` counts it.
        out.write_all(&total.amount().to_le_bytes())?;
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn roundtrip(chunks: Vec<Vec<u8>>) {
        let whole: Vec<u8> = chunks.concat();
        let (tx, rx) = mpsc::sync_channel(4);
        let feeder = std::thread::spawn(move || {
            for c in chunks {
                tx.send(c).unwrap();
            }
        });
        let mut seen = Vec::new();
        let gz = write(&rx, Vec::new(), |c| {
            seen.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        feeder.join().unwrap();
        assert_eq!(seen, whole, "the tar hash sees every byte in order");
        // One member, by flate2's single-member decoder: CRC and size
        // checked.
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, whole);
    }

    /// Inflate a raw piece written after `dict`.
    fn inflate(piece: &[u8], dict: &[u8]) -> Vec<u8> {
        let mut i = zlib_rs::Inflate::new(false, 15);
        i.set_dictionary(dict).unwrap();
        let mut out = vec![0u8; 1 << 20];
        i.decompress(piece, &mut out, zlib_rs::InflateFlush::SyncFlush)
            .unwrap();
        out.truncate(usize::try_from(i.total_out()).unwrap());
        assert_eq!(i.total_in(), piece.len() as u64, "the piece is read whole");
        out
    }

    #[test]
    fn an_output_buffer_of_any_size_gives_a_whole_piece_and_no_hang() {
        let chunk: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = deflate_from(&chunk, b"dictionary", 1 << 16).unwrap();
        assert!(whole.ends_with(&[0, 0, 0xff, 0xff]), "a sync flush ends it");
        // Every starting size up to past the output's, the exact one among
        // them (a call after an exactly full buffer has nothing to write).
        for cap in 1..whole.len() + 8 {
            let piece = deflate_from(&chunk, b"dictionary", cap).unwrap();
            assert_eq!(inflate(&piece, b"dictionary"), chunk, "cap {cap}");
        }
    }

    #[test]
    fn chunks_deflated_apart_read_back_as_one_gzip_member() {
        let text = |n: usize, seed: u8| -> Vec<u8> {
            (0..n)
                .map(|i| b"usr/lib/python3\n"[(i * 7 + usize::from(seed)) % 16])
                .collect()
        };
        roundtrip(vec![]);
        roundtrip(vec![text(10, 1)]);
        roundtrip((0..9).map(|i| text(1 << 20, i)).collect());
        // Incompressible chunks, and one empty.
        let mut x = 1u32;
        let noise: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        roundtrip(vec![noise.clone(), Vec::new(), text(5000, 3), noise]);
    }
}
