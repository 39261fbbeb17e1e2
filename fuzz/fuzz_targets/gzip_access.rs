#![no_main]
//! The gzip decoder that records access points (`pare_image::access`),
//! and resuming at each point it recorded: never a panic or a hang, and a
//! resumed read yields the bytes the whole read did.

use libfuzzer_sys::fuzz_target;
use pare_image::access::{IndexingGz, Recording, Resumed};
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let rec = Recording::default();
    let mut d = IndexingGz::new(std::io::BufReader::with_capacity(97, data), 64, rec.clone());
    let mut whole = Vec::new();
    let mut buf = vec![0u8; 1500];
    loop {
        match d.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => whole.extend_from_slice(&buf[..n]),
            Err(_) => return,
        }
        if whole.len() > 1 << 24 {
            return;
        }
    }
    let points = rec.take();
    let open = |at: u64| -> std::io::Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(&data[usize::try_from(at).unwrap_or(data.len()).min(data.len())..]))
    };
    for (i, p) in points.points().iter().enumerate() {
        if let Ok(Some(mut r)) = Resumed::at(&points, i, &open) {
            let mut got = Vec::new();
            if r.read_to_end(&mut got).is_ok() {
                let from = usize::try_from(p.output).unwrap();
                assert_eq!(got[..], whole[from..from + got.len()]);
            }
        }
    }
});
