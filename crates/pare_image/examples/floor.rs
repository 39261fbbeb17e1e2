//! The physical floor for reading one blob, used by `scripts/bench-inspect.sh`:
//! stream FILE through the same decompressor pare uses (zlib-rs gzip,
//! zstd) or through SHA-256 (`sha256`), and discard the output.
//!
//! `gzip+sha256` and `zstd+sha256` are the least a verifying reader must do
//! with a compressed layer, at its best on two cores: decompress on one
//! thread and SHA-256 the output (the diff_id) on another, nothing else (no
//! blob digest, no tar parse). Side by side with the plain floor they show
//! what the second core's work costs the decompressor on this machine.
//!
//! Usage: floor (gzip|zstd|sha256|cat|gzip+sha256|zstd+sha256) FILE
use sha2::Digest as _;
use std::io::{self, BufReader, Read};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, path) = match args.as_slice() {
        [_, m, p] => (m.as_str(), p.as_str()),
        _ => {
            eprintln!("usage: floor (gzip|zstd|sha256|cat|gzip+sha256|zstd+sha256) FILE");
            std::process::exit(2);
        }
    };
    let f = BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let mut sink = io::sink();
    let n = match mode {
        "gzip" => io::copy(&mut flate2::bufread::MultiGzDecoder::new(f), &mut sink)?,
        "zstd" => io::copy(&mut zstd::stream::read::Decoder::with_buffer(f)?, &mut sink)?,
        "gzip+sha256" => hashed_on_another_thread(flate2::bufread::MultiGzDecoder::new(f))?,
        "zstd+sha256" => hashed_on_another_thread(zstd::stream::read::Decoder::with_buffer(f)?)?,
        "cat" => io::copy(&mut f.take(u64::MAX), &mut sink)?,
        "sha256" => {
            let mut h = sha2::Sha256::new();
            let mut r = f;
            let mut buf = vec![0u8; 256 * 1024];
            let mut n = 0u64;
            loop {
                let k = r.read(&mut buf)?;
                if k == 0 {
                    break;
                }
                h.update(&buf[..k]);
                n += k as u64;
            }
            let _ = h.finalize();
            n
        }
        _ => {
            eprintln!("unknown mode `{mode}`");
            std::process::exit(2);
        }
    };
    eprintln!("{n} bytes");
    Ok(())
}

/// Read `r` into 512 KiB chunks (four in flight, recycled) and SHA-256
/// them on a second thread.
fn hashed_on_another_thread(mut r: impl Read) -> io::Result<u64> {
    const CHUNK: usize = 512 * 1024;
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(4);
    let (back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let hasher = s.spawn(move || {
            let mut h = sha2::Sha256::new();
            let mut n = 0u64;
            for (buf, len) in rx {
                h.update(&buf[..len]);
                n += len as u64;
                let _ = back.send(buf);
            }
            let _ = h.finalize();
            n
        });
        loop {
            let mut buf = spare.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
            let mut len = 0;
            while len < CHUNK {
                match r.read(&mut buf[len..])? {
                    0 => break,
                    k => len += k,
                }
            }
            if len == 0 {
                break;
            }
            tx.send((buf, len)).map_err(io::Error::other)?;
        }
        drop(tx);
        hasher
            .join()
            .map_err(|_| io::Error::other("hasher panicked"))
    })
}
