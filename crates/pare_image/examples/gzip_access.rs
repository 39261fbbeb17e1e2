//! Decompress a gzip blob with flate2 and with the access-point recorder,
//! side by side, then resume at every point it recorded:
//!
//! ```sh
//! cargo run --release -p pare_image --example gzip_access -- BLOB [SPACING] [ROUNDS]
//! ```
//!
//! Prints the median of ROUNDS (default 5) for each decoder, the points and
//! their memory, and how many resume (all should).

use pare_image::access::{IndexingGz, Recording, Resumed};
use std::io::Read;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: gzip_access BLOB [SPACING] [ROUNDS]");
        std::process::exit(2);
    };
    let spacing: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(64 << 10);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let mut buf = vec![0u8; 512 << 10];
    let drain = |r: &mut dyn Read, buf: &mut [u8]| -> u64 {
        let mut n = 0u64;
        loop {
            match r.read(buf) {
                Ok(0) => return n,
                Ok(k) => n += k as u64,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    std::process::exit(2);
                }
            }
        }
    };
    let (mut plain, mut indexing) = (Vec::new(), Vec::new());
    let mut points = Default::default();
    let mut size = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut d = flate2::bufread::MultiGzDecoder::new(std::io::BufReader::with_capacity(
            128 << 10,
            &data[..],
        ));
        size = drain(&mut d, &mut buf);
        plain.push(t.elapsed());
        let t = Instant::now();
        let rec = Recording::default();
        let mut d = IndexingGz::new(
            std::io::BufReader::with_capacity(128 << 10, &data[..]),
            spacing,
            rec.clone(),
        );
        drain(&mut d, &mut buf);
        indexing.push(t.elapsed());
        points = rec.take();
    }
    println!(
        "{size} bytes: flate2 {:?}, recording access points {:?} (median of {rounds})",
        median(plain),
        median(indexing)
    );
    let open = |at: u64| -> std::io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(
            &data[usize::try_from(at).unwrap_or(usize::MAX).min(data.len())..],
        ))
    };
    let t = Instant::now();
    let mut ok = 0;
    for i in 0..points.points().len() {
        if let Ok(Some(mut r)) = Resumed::at(&points, i, &open) {
            ok += 1;
            let mut b = [0u8; 4096];
            let _ = r.read(&mut b);
        }
    }
    println!(
        "{} points ({} KiB), {ok} resume, in {:?}",
        points.points().len(),
        points.memory() / 1024,
        t.elapsed()
    );
}
