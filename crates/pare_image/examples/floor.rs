//! The physical floor for reading one blob, used by `scripts/bench-inspect.sh`:
//! stream FILE through the same decompressor pare uses (zlib-rs gzip,
//! zstd) or through SHA-256 (`sha256`), and discard the output.
//!
//! Usage: floor (gzip|zstd|sha256|cat) FILE
use sha2::Digest as _;
use std::io::{self, BufReader, Read};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, path) = match args.as_slice() {
        [_, m, p] => (m.as_str(), p.as_str()),
        _ => {
            eprintln!("usage: floor (gzip|zstd|sha256|cat) FILE");
            std::process::exit(2);
        }
    };
    let f = BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let mut sink = io::sink();
    let n = match mode {
        "gzip" => io::copy(&mut flate2::bufread::MultiGzDecoder::new(f), &mut sink)?,
        "zstd" => io::copy(&mut zstd::stream::read::Decoder::with_buffer(f)?, &mut sink)?,
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
