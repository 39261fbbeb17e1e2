//! Test images for the crate's unit tests.

use pare_image::Image;
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};

/// An OCI layout of one layer (gzip when `gzip`) holding `files`.
pub(crate) fn layout(dir: &std::path::Path, files: &[(String, Vec<u8>)], gzip: bool) -> Image {
    let blob = |tar: &[u8]| {
        if gzip {
            Blob::Gzip(vec![tar.to_vec()])
        } else {
            Blob::Plain
        }
    };
    layers(dir, &[files], &|tar| blob(tar))
}

/// How a test layer is stored.
pub(crate) enum Blob {
    /// Uncompressed.
    Plain,
    /// gzip, one member per part (the parts make the tar).
    Gzip(Vec<Vec<u8>>),
}

/// An OCI layout of a layer per item of `layers`, each stored as `blob`
/// says (given the layer's tar).
pub(crate) fn layers(
    dir: &std::path::Path,
    layers: &[&[(String, Vec<u8>)]],
    blob: &dyn Fn(&[u8]) -> Blob,
) -> Image {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |b: &[u8]| {
        let d = format!("sha256:{}", hex::encode(Sha256::digest(b)));
        std::fs::write(blobs.join(&d[7..]), b).unwrap();
        d
    };
    let mut descriptors = Vec::new();
    let mut diff_ids = Vec::new();
    for files in layers {
        let mut t = tar::Builder::new(Vec::new());
        for (p, b) in *files {
            let mut h = tar::Header::new_gnu();
            h.set_size(b.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, p, &b[..]).unwrap();
        }
        let tar = t.into_inner().unwrap();
        diff_ids.push(format!("sha256:{}", hex::encode(Sha256::digest(&tar))));
        let (stored, mt) = match blob(&tar) {
            Blob::Gzip(parts) => {
                assert_eq!(parts.concat(), tar, "the parts make the tar");
                let mut members = Vec::new();
                for part in parts {
                    let mut gz =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    gz.write_all(&part).unwrap();
                    members.extend(gz.finish().unwrap());
                }
                (members, "application/vnd.oci.image.layer.v1.tar+gzip")
            }
            Blob::Plain => (tar, "application/vnd.oci.image.layer.v1.tar"),
        };
        descriptors.push(
            serde_json::json!({"mediaType": mt, "digest": put(&stored), "size": stored.len()}),
        );
    }
    let cfg = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&cfg), "size": cfg.len()},
        "layers": descriptors}))
    .unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": put(&manifest), "size": manifest.len()}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let source = pare_source::open(&format!("oci-dir:{}", dir.display())).unwrap();
    Image::open(source, None).unwrap()
}

/// The OCI layout at `dir` through a source that cannot read a blob from
/// an offset, as a registry's.
pub(crate) fn unseekable(dir: &std::path::Path) -> Image {
    struct NoSeek(Box<dyn pare_source::Source>);
    impl pare_source::Source for NoSeek {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn kind(&self) -> pare_source::SourceKind {
            pare_source::SourceKind::Registry
        }
        fn root(&self) -> pare_source::Result<pare_source::Root> {
            self.0.root()
        }
        fn open(
            &self,
            loc: &pare_source::BlobLocation,
        ) -> pare_source::Result<Box<dyn Read + Send + '_>> {
            self.0.open(loc)
        }
        fn size(&self, loc: &pare_source::BlobLocation) -> Option<u64> {
            self.0.size(loc)
        }
    }
    let inner = pare_source::open(&format!("oci-dir:{}", dir.display())).unwrap();
    Image::open(Box::new(NoSeek(inner)), None).unwrap()
}
