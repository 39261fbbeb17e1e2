//! Tests of `emit.rs`: the copy's order and spool, and the second read
//! through access points against a whole read.

use super::*;
use sha2::{Digest as _, Sha256};
use std::io::Write as _;

/// Records what reaches the sink, in order.
#[derive(Default)]
struct Record(Vec<(String, Vec<u8>)>);

impl Sink for Record {
    fn dir(&mut self, path: &str, _: u32, _: u64, _: u64) -> Result<()> {
        self.0.push((format!("{path}/"), Vec::new()));
        Ok(())
    }
    fn file(&mut self, path: &str, meta: FileMeta, data: &mut dyn Read) -> Result<()> {
        let mut b = Vec::new();
        data.take(meta.size).read_to_end(&mut b).unwrap();
        self.0.push((path.to_string(), b));
        Ok(())
    }
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()> {
        self.0.push((path.to_string(), target.as_bytes().to_vec()));
        Ok(())
    }
    fn symlink(&mut self, path: &str, target: &str, _: u64, _: u64) -> Result<()> {
        self.0.push((path.to_string(), target.as_bytes().to_vec()));
        Ok(())
    }
}

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// An OCI layout of gzip layers, each a list of (path, contents).
fn layout(dir: &std::path::Path, layers: &[Vec<(String, Vec<u8>)>]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |b: &[u8]| {
        let d = sha(b);
        std::fs::write(blobs.join(&d[7..]), b).unwrap();
        d
    };
    let (mut descs, mut diff_ids) = (Vec::new(), Vec::new());
    for files in layers {
        let mut t = tar::Builder::new(Vec::new());
        for (p, b) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(b.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, p, &b[..]).unwrap();
        }
        let tar = t.into_inner().unwrap();
        // zlib's default level: blocks of a few KiB, as registries'
        // layers have (zlib-rs's level 1 writes blocks of 100s of KiB).
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        diff_ids.push(sha(&tar));
        descs.push(serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(&gz), "size": gz.len()}));
    }
    let cfg = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&cfg), "size": cfg.len()},
        "layers": descs})).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": put(&manifest), "size": manifest.len()}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

#[test]
fn the_copy_does_not_depend_on_the_spool_budget() {
    let t = tempfile::tempdir().unwrap();
    let file = |p: &str, n: usize| (p.to_string(), vec![p.as_bytes()[0]; n]);
    // Layer 1 is the largest (the one streamed); /a is rewritten by
    // layer 2 and /gone is dropped by the selection.
    layout(
        t.path(),
        &[
            vec![file("a", 10), file("b", 300), file("gone", 5)],
            vec![file("c", 40_000), file("d", 70_000)],
            vec![file("a", 20), file("e", 900), file("f", 1000)],
        ],
    );
    let source = pare_source::open(&format!("oci-dir:{}", t.path().display())).unwrap();
    let image = Image::open(source, None).unwrap();
    let idx = FsIndex::build(&image, &pare_fsindex::IndexOptions::default()).unwrap();
    let keep: std::collections::BTreeSet<String> = ["/a", "/b", "/c", "/d", "/e", "/f"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let wanted =
        |p: &str, layer: usize| keep.contains(p) && idx.get(p).is_some_and(|e| e.layer == layer);
    let copy = |budget: u64| {
        let mut rec = Record::default();
        let n = copy_layers(
            &image,
            &idx,
            &Limits::default(),
            vec![(0, 310), (1, 110_000), (2, 1_920)],
            &wanted,
            &mut rec,
            budget,
        )
        .unwrap();
        (n, rec.0)
    };
    let (n, all_held) = copy(u64::MAX);
    let names: Vec<&str> = all_held.iter().map(|(p, _)| p.as_str()).collect();
    // The layer giving the most bytes first; each path once, from the
    // layer that last wrote it.
    assert_eq!(names[..2], ["/c", "/d"]);
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["/a", "/b", "/c", "/d", "/e", "/f"]);
    assert_eq!(n, 6);
    let a = all_held.iter().find(|(p, _)| p == "/a").unwrap();
    assert_eq!(a.1, vec![b'a'; 20], "/a from layer 2");
    // Spilling at once, part-way, or never: the same output.
    for budget in [0, 500, 1_500] {
        assert_eq!(copy(budget), (n, all_held.clone()), "budget {budget}");
    }
}

#[test]
fn reading_only_the_kept_entries_copies_what_a_whole_read_copies() {
    let t = tempfile::tempdir().unwrap();
    // Text-like contents (so that the gzip stream has many blocks),
    // long names (GNU long-name entries before the file's own), and
    // enough of them for access points (one per 64 KiB compressed).
    let mut seed = 7u64;
    let mut text = |n: usize| {
        let words = ["lib", "usr", "python", "import", "\n", "0x7f", "def ", "  "];
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            v.extend_from_slice(words[(seed % 8) as usize].as_bytes());
            if seed.is_multiple_of(5) {
                v.push((seed >> 32) as u8);
            }
        }
        v.truncate(n);
        v
    };
    let mut files = Vec::new();
    for i in 0..400 {
        let name = if i % 7 == 0 {
            format!("usr/lib/{}/f{i}", "long-directory-name".repeat(8))
        } else {
            format!("usr/lib/f{i}")
        };
        files.push((name, text(3_000 + (i * 997) % 40_000)));
    }
    layout(t.path(), &[files.clone()]);
    let source = pare_source::open(&format!("oci-dir:{}", t.path().display())).unwrap();
    let image = Image::open(source, None).unwrap();
    let opts = pare_fsindex::IndexOptions {
        access_points: true,
        ..pare_fsindex::IndexOptions::default()
    };
    let with = FsIndex::build(&image, &opts).unwrap();
    let without = FsIndex::build(&image, &pare_fsindex::IndexOptions::default()).unwrap();
    // Several points, each with a 32 KiB window.
    assert!(
        with.layer_access(0)
            .is_some_and(|a| a.memory() > 10 * 32 * 1024),
        "access points recorded"
    );
    assert!(without.layer_access(0).is_none());
    // Every third file, and runs of neighbours.
    let keep: std::collections::BTreeSet<String> = files
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 0 || (200..210).contains(i))
        .map(|(_, (p, _))| format!("/{p}"))
        .collect();
    let copy = |idx: &FsIndex| {
        let wanted = |p: &str, layer: usize| {
            keep.contains(p) && idx.get(p).is_some_and(|e| e.layer == layer)
        };
        let mut rec = Record::default();
        let n = copy_layers(
            &image,
            idx,
            &Limits::default(),
            vec![(0, 1)],
            &wanted,
            &mut rec,
            0,
        )
        .unwrap();
        (n, rec.0)
    };
    let (n, got) = copy(&with);
    assert_eq!(n, keep.len() as u64);
    assert_eq!((n, got.clone()), copy(&without));
    for (p, bytes) in &got {
        let (_, want) = files.iter().find(|(q, _)| format!("/{q}") == *p).unwrap();
        assert_eq!(bytes, want, "{p}");
    }
}
