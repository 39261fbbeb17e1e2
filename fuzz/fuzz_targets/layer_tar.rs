//! Fuzz the layer reader and the squash: the input is one layer blob
//! (plain, gzip or zstd, sniffed) whose digests are made to match, so the
//! tar parser, whiteout handling, captures and resolution all run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

#[path = "mem_source.rs"]
mod mem_source;
use mem_source::{sha256, Mem};

fuzz_target!(|data: &[u8]| {
    let blob = data.to_vec();
    let digest = sha256(&blob);
    // The diff_id is unknown for compressed input; a mismatch is just
    // another error path worth fuzzing.
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{digest}"]}}}}"#
    )
    .into_bytes();
    let manifest = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/octet-stream","digest":"{digest}","size":{}}}]}}"#,
        sha256(&config),
        config.len(),
        blob.len()
    )
    .into_bytes();
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{}}}]}}"#,
        sha256(&manifest),
        manifest.len()
    )
    .into_bytes();
    let mut blobs = HashMap::new();
    blobs.insert(sha256(&config), config);
    blobs.insert(sha256(&manifest), manifest);
    blobs.insert(digest, blob);
    let src = Mem { root: pare_source::Root::OciIndex(index), blobs };
    let Ok(image) = pare_image::Image::open(Box::new(src), None) else { return };
    let mut opts = pare_fsindex::IndexOptions::default();
    opts.capture = globset::GlobSet::builder().add(globset::Glob::new("**").unwrap()).build().unwrap();
    opts.max_capture_total = 64 << 20;
    opts.limits.max_layer_bytes = 256 << 20;
    if let Ok(idx) = pare_fsindex::FsIndex::build(&image, &opts) {
        for (p, _) in idx.iter().take(200) {
            let _ = idx.resolve(p);
        }
    }
});
