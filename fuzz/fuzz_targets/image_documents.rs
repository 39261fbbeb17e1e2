//! Fuzz the index/manifest/config parsers and the index walk: the input is
//! split into three documents stored under their real digests, so the
//! fuzzer reaches past digest verification.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

#[path = "mem_source.rs"]
mod mem_source;
use mem_source::{sha256, Mem};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let index = parts.next().unwrap_or_default().to_vec();
    let manifest = parts.next().unwrap_or_default().to_vec();
    let config = parts.next().unwrap_or_default().to_vec();
    let mut blobs = HashMap::new();
    blobs.insert(sha256(&manifest), manifest);
    blobs.insert(sha256(&config), config);
    let docker = index.first() == Some(&b'[');
    let root = if docker {
        pare_source::Root::DockerManifest(index)
    } else {
        pare_source::Root::OciIndex(index)
    };
    let _ = pare_image::Image::open(Box::new(Mem { root, blobs }), None);
});
