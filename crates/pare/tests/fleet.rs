//! The image reader against the real-image fleet (`scripts/fleet.sh`),
//! checked against facts the fleet script derived independently of pare
//! (from its build inputs, `tar -tv`, `sha256sum`, `jq`): digests, layer
//! attribution, modes, owners, sizes, link targets, content hashes,
//! whiteouts, symlink resolution, setuid files, os-release.
//!
//! Every image must be present in every transport: a missing one fails
//! with the command that builds it.
#![cfg(feature = "real-images")]

mod support;

use globset::{Glob, GlobSetBuilder};
use pare_fsindex::{FsIndex, IndexOptions, Kind, ResolveError};
use pare_image::Image;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::path::Path;

/// The fleet images whose reader facts are checked here.
const IMAGES: &[&str] = &[
    "layers",
    "slim",
    "distroless",
    "go-distroless",
    "rust-distroless",
    "python-app",
    "node-app",
    "java-app",
    "fat",
    "rpm-app",
    "rpm-bdb",
    "nginx-app",
    "python-pg",
];

fn facts(name: &str) -> (std::path::PathBuf, Value) {
    let dir = support::fleet_dir().join(name);
    let f = dir.join("facts.json");
    assert!(
        f.is_file(),
        "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}` (or `scripts/test.sh`, which builds the whole fleet)",
        dir.display()
    );
    let v = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    (dir, v)
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::File | Kind::Hardlink => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "symlink",
        _ => "other",
    }
}

fn check_tree(name: &str, transport: &str, idx: &FsIndex, tree: &Value, layered: bool) {
    let captured: std::collections::HashMap<&str, &[u8]> = idx.captured().into_iter().collect();
    for (path, want) in tree.as_object().unwrap() {
        let ctx = format!("{name}/{transport}: {path}");
        let got = idx
            .get(path)
            .unwrap_or_else(|| panic!("{ctx}: missing from the index"));
        assert_eq!(
            kind_name(got.kind),
            want["type"].as_str().unwrap(),
            "{ctx}: type"
        );
        if want["type"] != "symlink" {
            let mode = u32::from_str_radix(want["mode"].as_str().unwrap(), 8).unwrap();
            assert_eq!(got.mode & 0o7777, mode, "{ctx}: mode");
        }
        if layered {
            assert_eq!(got.uid, want["uid"].as_u64().unwrap(), "{ctx}: uid");
            assert_eq!(got.gid, want["gid"].as_u64().unwrap(), "{ctx}: gid");
            assert_eq!(
                got.layer as u64,
                want["layer"].as_u64().unwrap(),
                "{ctx}: layer"
            );
        }
        if want["type"] == "file" {
            assert_eq!(got.size, want["size"].as_u64().unwrap(), "{ctx}: size");
        }
        if want["type"] == "symlink" || (layered && got.kind == Kind::Hardlink) {
            assert_eq!(got.link.as_deref(), want["link"].as_str(), "{ctx}: link");
        }
        if let Some(sha) = want["sha256"].as_str() {
            let data = captured
                .get(path.as_str())
                .unwrap_or_else(|| panic!("{ctx}: content not captured"));
            assert_eq!(
                hex::encode(Sha256::digest(data)),
                sha,
                "{ctx}: content sha256"
            );
        }
    }
}

fn check_transport(name: &str, transport: &str, spec: &str, f: &Value) {
    let layered = transport != "rootfs";
    let source = pare_source::open(spec).unwrap_or_else(|e| panic!("{name}/{transport}: {e}"));
    let image = Image::open(source, None).unwrap_or_else(|e| panic!("{name}/{transport}: {e}"));
    // Capture every file whose hash the facts know, to check content capture.
    let mut globs = GlobSetBuilder::new();
    let mut files: Vec<&str> = Vec::new();
    for key in ["tree", "known_files"] {
        if let Some(o) = f[key].as_object() {
            files.extend(
                o.iter()
                    .filter(|(_, v)| v["sha256"].is_string())
                    .map(|(p, _)| p.as_str()),
            );
        }
    }
    for p in &files {
        globs.add(Glob::new(&globset::escape(&p[1..])).unwrap());
    }
    for g in pare_hygiene::CAPTURE_GLOBS
        .iter()
        .chain(pare_catalog::os_release::GLOBS)
    {
        globs.add(Glob::new(g).unwrap());
    }
    let opts = IndexOptions {
        capture: globs.build().unwrap(),
        ..IndexOptions::default()
    };
    let idx = FsIndex::build(&image, &opts).unwrap_or_else(|e| panic!("{name}/{transport}: {e}"));
    let ctx = format!("{name}/{transport}");

    if layered {
        assert_eq!(
            image.layers.len() as u64,
            f["layer_count"].as_u64().unwrap(),
            "{ctx}: layer count"
        );
        assert_eq!(
            image.config_digest.as_ref().unwrap().to_string(),
            f["config_digest"].as_str().unwrap(),
            "{ctx}: config digest"
        );
        for (l, want) in image.layers.iter().zip(f["layers"].as_array().unwrap()) {
            assert_eq!(
                l.diff_id.as_ref().unwrap().to_string(),
                want["diff_id"].as_str().unwrap(),
                "{ctx}: diff_id of layer {}",
                l.index
            );
        }
        match transport {
            "oci" | "oci_archive" => {
                assert_eq!(
                    image.manifest_digest.as_ref().unwrap().to_string(),
                    f["manifest_digest"].as_str().unwrap(),
                    "{ctx}: manifest"
                );
                for (l, want) in image.layers.iter().zip(f["layers"].as_array().unwrap()) {
                    assert_eq!(
                        l.digest.as_ref().unwrap().to_string(),
                        want["digest"].as_str().unwrap(),
                        "{ctx}: blob digest"
                    );
                }
            }
            "oci_zstd" => {
                for (l, want) in image
                    .layers
                    .iter()
                    .zip(f["oci_zstd"]["layers"].as_array().unwrap())
                {
                    assert_eq!(
                        l.digest.as_ref().unwrap().to_string(),
                        want["digest"].as_str().unwrap(),
                        "{ctx}: zstd digest"
                    );
                    assert_eq!(l.compression, pare_image::Compression::Zstd, "{ctx}");
                }
            }
            _ => {}
        }
        // Squashed counts (the root directory itself is not counted).
        let sq = &f["squashed"];
        let entries = idx.iter().filter(|(p, _)| *p != "/").count() as u64;
        let files: Vec<_> = idx.iter().filter(|(_, e)| e.is_file()).collect();
        assert_eq!(entries, sq["entries"].as_u64().unwrap(), "{ctx}: entries");
        assert_eq!(
            files.len() as u64,
            sq["files"].as_u64().unwrap(),
            "{ctx}: files"
        );
        assert_eq!(
            files.iter().map(|(_, e)| e.size).sum::<u64>(),
            sq["file_bytes"].as_u64().unwrap(),
            "{ctx}: file bytes"
        );
        assert_eq!(
            idx.iter().filter(|(_, e)| e.kind == Kind::Symlink).count() as u64,
            sq["symlinks"].as_u64().unwrap(),
            "{ctx}: symlinks"
        );
        for w in f["whiteouts"].as_array().unwrap() {
            let p = w["path"].as_str().unwrap();
            let re_added = f["paths_present"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == p));
            assert_eq!(idx.get(p).is_some(), re_added, "{ctx}: whiteout of {p}");
        }
        if let Some(min) = f["expect"]["wasted_bytes_min"].as_u64() {
            assert!(
                idx.efficiency().wasted_bytes >= min,
                "{ctx}: wasted {} < {min}",
                idx.efficiency().wasted_bytes
            );
        }
        if let Some(tree) = f.get("tree") {
            check_tree(name, transport, &idx, tree, true);
        }
        if let Some(kf) = f.get("known_files") {
            check_tree(name, transport, &idx, kf, true);
        }
    } else if let Some(kf) = f.get("known_files") {
        check_tree(name, transport, &idx, kf, false);
    }
    for p in f["paths_present"].as_array().into_iter().flatten() {
        assert!(
            idx.get(p.as_str().unwrap()).is_some(),
            "{ctx}: {p} should exist"
        );
    }
    for p in f["paths_absent"].as_array().into_iter().flatten() {
        assert!(
            idx.get(p.as_str().unwrap()).is_none(),
            "{ctx}: {p} should not exist"
        );
    }
    let mut suid: Vec<&str> = idx
        .iter()
        .filter(|(_, e)| e.is_file() && e.mode & 0o4000 != 0)
        .map(|(p, _)| p)
        .collect();
    suid.sort_unstable();
    let want: Vec<&str> = f["setuid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(suid, want, "{ctx}: setuid files");
    for (p, want) in f["symlink_resolution"].as_object().into_iter().flatten() {
        let got = idx.resolve(p);
        match want.as_str().unwrap() {
            "<loop>" => assert!(
                matches!(got, Err(ResolveError::Loop(_))),
                "{ctx}: {p} should loop: {got:?}"
            ),
            "<missing>" => assert!(
                matches!(got, Err(ResolveError::NotFound(_))),
                "{ctx}: {p} should dangle: {got:?}"
            ),
            w => assert_eq!(got.as_deref(), Ok(w), "{ctx}: {p}"),
        }
    }
    if let Some(os) = f.get("os_release") {
        let d = pare_catalog::os_release::detect(&idx)
            .unwrap_or_else(|| panic!("{ctx}: no os-release"));
        assert_eq!(d.id, os["id"].as_str().unwrap(), "{ctx}");
        assert_eq!(d.version_id.as_deref(), os["version_id"].as_str(), "{ctx}");
    }
}

fn check_image(name: &str) {
    let (dir, f) = facts(name);
    let sources = f["sources"].as_object().unwrap();
    for transport in ["docker_archive", "oci", "oci_archive", "oci_zstd", "rootfs"] {
        let Some(rel) = sources.get(transport).and_then(Value::as_str) else {
            continue;
        };
        let path = dir.join(rel);
        assert!(
            Path::new(&path).exists(),
            "{name}: {transport} missing at {}; rebuild with `scripts/fleet.sh {name}`",
            path.display()
        );
        let spec = match transport {
            "docker_archive" => format!("docker-archive:{}", path.display()),
            "oci_archive" => format!("oci-archive:{}", path.display()),
            "rootfs" => format!("dir:{}", path.display()),
            _ => format!("oci:{}", path.display()),
        };
        check_transport(name, transport, &spec, &f);
    }
}

#[test]
fn fleet_images_match_their_facts() {
    for name in IMAGES {
        check_image(name);
    }
}

/// `pare inspect --format json` reports the same image whatever the transport.
#[test]
fn inspect_json_agrees_across_transports() {
    for name in IMAGES {
        let (dir, f) = facts(name);
        let specs = [
            format!("docker-archive:{}", dir.join("docker.tar").display()),
            format!("oci:{}", dir.join("oci").display()),
            format!("oci-archive:{}", dir.join("oci.tar").display()),
            format!("oci:{}", dir.join("oci-zstd").display()),
        ];
        let mut reports = Vec::new();
        for s in &specs {
            let v = support::json(&support::pare(&["inspect", "--format", "json", s]));
            assert_eq!(
                v["layers"].as_array().unwrap().len() as u64,
                f["layer_count"].as_u64().unwrap(),
                "{s}"
            );
            reports.push(v);
        }
        for v in &reports[1..] {
            for key in ["config", "hygiene", "efficiency", "findings"] {
                assert_eq!(
                    v[key], reports[0][key],
                    "{name}: `{key}` differs between transports"
                );
            }
            assert_eq!(v["image"]["os"], reports[0]["image"]["os"], "{name}");
            assert_eq!(
                v["image"]["configDigest"], reports[0]["image"]["configDigest"],
                "{name}"
            );
        }
        let user = f["config"]["user"].as_str().unwrap_or("");
        let root = reports[0]["hygiene"]["user"]["is_root"].as_bool().unwrap();
        if user.is_empty() || user == "root" || user.starts_with("0") {
            assert!(root, "{name}: user `{user}` is root");
        } else {
            assert!(!root, "{name}: user `{user}` is not root");
        }
    }
}
