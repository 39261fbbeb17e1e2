//! Test images for the crate's unit tests.

use pare_image::Image;
use sha2::{Digest as _, Sha256};
use std::io::Write;

/// An OCI layout of one layer (gzip when `gzip`) holding `files`.
pub(crate) fn layout(dir: &std::path::Path, files: &[(String, Vec<u8>)], gzip: bool) -> Image {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |b: &[u8]| {
        let d = format!("sha256:{}", hex::encode(Sha256::digest(b)));
        std::fs::write(blobs.join(&d[7..]), b).unwrap();
        d
    };
    let mut t = tar::Builder::new(Vec::new());
    for (p, b) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(b.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, p, &b[..]).unwrap();
    }
    let tar = t.into_inner().unwrap();
    let diff_id = format!("sha256:{}", hex::encode(Sha256::digest(&tar)));
    let (blob, mt) = if gzip {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        (
            gz.finish().unwrap(),
            "application/vnd.oci.image.layer.v1.tar+gzip",
        )
    } else {
        (tar, "application/vnd.oci.image.layer.v1.tar")
    };
    let layer = serde_json::json!({"mediaType": mt, "digest": put(&blob), "size": blob.len()});
    let cfg = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]}, "config": {}}))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&cfg), "size": cfg.len()},
        "layers": [layer]}))
    .unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": put(&manifest), "size": manifest.len()}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let source = pare_source::open(&format!("oci-dir:{}", dir.display())).unwrap();
    Image::open(source, None).unwrap()
}
