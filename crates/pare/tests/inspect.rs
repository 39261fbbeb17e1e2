//! `pare inspect` on synthetic images: layer semantics through every
//! transport, and every kind of bad input named in issue 3.

mod support;
use support::*;

fn semantics_layers(comp: Comp) -> Vec<Layer> {
    vec![
        Layer::new(
            &[
                E::Dir("etc/"),
                E::File("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".to_vec(), 0o644),
                E::File("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n".to_vec(), 0o644),
                E::Dir("bin/"),
                E::File("bin/dash", vec![0x7f, b'E', b'L', b'F'], 0o755),
                E::Symlink("bin/sh", "dash"),
                E::Dir("data/"),
                E::File("data/big.bin", vec![7; 100_000], 0o644),
                E::File("data/keep.txt", b"keep".to_vec(), 0o644),
                E::Dir("data/cache/"),
                E::File("data/cache/a", vec![1; 5000], 0o644),
                E::File("data/cache/b", vec![1; 3000], 0o644),
                E::Dir("data/opq/"),
                E::File("data/opq/old", b"old".to_vec(), 0o644),
                E::File("usr-bin-env", b"env".to_vec(), 0o4755),
                E::Hardlink("data/hl", "data/keep.txt"),
            ],
            comp,
        ),
        Layer::new(
            &[
                E::File("data/.wh.big.bin", vec![], 0o644),
                E::File("data/.wh.cache", vec![], 0o644),
                E::File("data/opq/.wh..wh..opq", vec![], 0o644),
                E::File("data/opq/new", b"new".to_vec(), 0o644),
                E::File("data/keep.txt", b"keep v2".to_vec(), 0o666),
                E::Symlink("data/loop-a", "loop-b"),
                E::Symlink("data/loop-b", "loop-a"),
            ],
            comp,
        ),
    ]
}

fn inspect_json(spec: &str) -> serde_json::Value {
    json(&pare(&["inspect", "--format", "json", spec]))
}

fn check_semantics(v: &serde_json::Value) {
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    // Layer 1 removed big.bin and cache/{a,b} (file + dir whiteout) and
    // opq/old (opaque dir), changed keep.txt, added opq/new + 2 links.
    assert_eq!(layers[1]["removed"], 4, "{v:#}");
    assert_eq!(layers[1]["changed"], 1);
    assert_eq!(layers[1]["added"], 3);
    assert_eq!(v["image"]["os"]["id"], "debian");
    assert_eq!(
        v["image"]["os"]["versionId"]
            .as_str()
            .or(v["image"]["os"]["version_id"].as_str()),
        Some("12")
    );
    // dive counts every version of a path seen twice: big.bin (100000 + 0
    // whiteout), cache/a + cache/b (8000, dir whiteout counted per file),
    // keep.txt (4 + 7), opq/old (3, removed by the opaque dir).
    assert_eq!(
        v["efficiency"]["wasted_bytes"],
        100_000 + 8000 + 4 + 7 + 3,
        "{v:#}"
    );
    assert_eq!(v["hygiene"]["shells"], serde_json::json!(["/bin/sh"]));
    assert_eq!(v["hygiene"]["user"]["is_root"], true);
    let ww: Vec<&str> = v["hygiene"]["world_writable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(ww, ["/data/keep.txt"]);
    let suid: Vec<&str> = v["hygiene"]["setuid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(suid, ["/usr-bin-env"]);
    assert_eq!(
        v["config"]["envNames"],
        serde_json::json!(["PATH", "SECRET_TOKEN"])
    );
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"IMG001")
            && codes.contains(&"IMG002")
            && codes.contains(&"IMG004")
            && codes.contains(&"IMG005"),
        "{codes:?}"
    );
}

#[test]
fn layer_semantics_agree_across_transports_and_compressions() {
    let t = tmp();
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let layers = semantics_layers(comp);
        let dir = t.path().join(format!("oci-{}", comp as u8));
        let built = oci_layout(&dir, &layers, &Faults::default());
        let v = inspect_json(&path_str(&dir));
        check_semantics(&v);
        assert_eq!(v["image"]["manifestDigest"], built.manifest_digest.as_str());
        assert_eq!(v["layers"][0]["diffId"], built.diff_ids[0].as_str());
        let ar = t.path().join(format!("oci-{}.tar", comp as u8));
        tar_dir(&dir, &ar);
        let va = inspect_json(&format!("oci-archive:{}", path_str(&ar)));
        check_semantics(&va);
        assert_eq!(va["source"]["kind"], "oci-archive");
        let da = t.path().join(format!("docker-{}.tar", comp as u8));
        let b = docker_archive(&da, &layers, &Faults::default());
        let vd = inspect_json(&path_str(&da));
        check_semantics(&vd);
        assert_eq!(vd["source"]["kind"], "docker-archive");
        assert_eq!(vd["image"]["configDigest"], b.config_digest.as_str());
        assert_eq!(vd["image"]["tags"], serde_json::json!(["test/img:latest"]));
    }
}

#[test]
fn formats_table_and_markdown_render() {
    let t = tmp();
    let dir = t.path().join("oci");
    oci_layout(&dir, &semantics_layers(Comp::Gzip), &Faults::default());
    let o = pare(&["inspect", &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("Debian GNU/Linux 12 (bookworm)") && s.contains("IMG001 runs-as-root"),
        "{s}"
    );
    let o = pare(&["inspect", "--format", "markdown", &path_str(&dir)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.starts_with("# pare inspect") && s.contains("| code | severity | finding |"),
        "{s}"
    );
    // --output writes the file and nothing to stdout.
    let out = t.path().join("r.json");
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "-o",
        &path_str(&out),
        &path_str(&dir),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    // A new report file gets 0666 & !umask, as a shell redirection would.
    let umask = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
        .unwrap();
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(
        mode & 0o777,
        0o666 & !umask,
        "mode {mode:o}, umask {umask:o}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(v["schemaVersion"], 1);
}

#[test]
fn multi_platform_index_selects_and_lists_platforms() {
    let t = tmp();
    let dir = t.path().join("oci");
    let b = oci_layout(&dir, &semantics_layers(Comp::Gzip), &Faults::default());
    // Rewrite index.json as a two-platform index pointing at a nested index.
    let nested = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": b.manifest_digest, "size": 1,
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": b.manifest_digest, "size": 1,
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]})).unwrap();
    let nd = sha256(&nested);
    std::fs::write(dir.join("blobs/sha256").join(&nd[7..]), &nested).unwrap();
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nd, "size": nested.len()}]})).unwrap()).unwrap();
    let v = inspect_json(&path_str(&dir));
    assert_eq!(v["image"]["indexDigest"], nd.as_str());
    let o = pare(&["inspect", "--platform", "linux/s390x", &path_str(&dir)]);
    assert_one_line_error(
        &o,
        &path_str(&dir),
        "no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)",
    );
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "--platform",
        "linux/arm64",
        &path_str(&dir),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn rootfs_dir_source() {
    let t = tmp();
    let root = t.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=alpine\nVERSION_ID=3.19.1\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("sh", root.join("bin/loop")).unwrap();
    std::os::unix::fs::symlink("loop", root.join("bin/sh")).unwrap();
    let v = inspect_json(&format!("dir:{}", path_str(&root)));
    assert_eq!(v["source"]["kind"], "dir");
    assert_eq!(v["image"]["os"]["id"], "alpine");
    // /bin/sh is a symlink loop: not a shell, and no hang.
    assert_eq!(v["hygiene"]["shells"], serde_json::json!([]));
}

// ---- bad input: each a named test, one line, exit 2, no panic ----

fn broken_oci(f: Faults, layers: &[Layer]) -> (tempfile::TempDir, String) {
    let t = tmp();
    let dir = t.path().join("img");
    oci_layout(&dir, layers, &f);
    let s = path_str(&dir);
    (t, s)
}

fn one(comp: Comp) -> Vec<Layer> {
    vec![Layer::new(
        &[E::File("a.txt", vec![b'a'; 50_000], 0o644)],
        comp,
    )]
}

#[test]
fn truncated_tar() {
    let layers = one(Comp::None);
    let cut = layers[0].tar[..700].to_vec();
    // Digest of the stored blob is the truncated one, so only the tar
    // structure (and diff_id) can catch it.
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(
        &da,
        &layers,
        &Faults {
            blob_override: Some((0, cut)),
            ..Faults::default()
        },
    );
    let o = pare(&["inspect", &path_str(&da)]);
    assert_one_line_error(&o, "d.tar", "layer 0");
}

#[test]
fn truncated_archive_file() {
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(&da, &one(Comp::None), &Faults::default());
    let bytes = std::fs::read(&da).unwrap();
    std::fs::write(&da, &bytes[..bytes.len() / 2]).unwrap();
    let o = pare(&["inspect", &path_str(&da)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("d.tar"), "{}", stderr(&o));
}

#[test]
fn corrupt_gzip() {
    let layers = one(Comp::Gzip);
    let mut blob = layers[0].blob();
    let mid = blob.len() / 2;
    blob[mid..mid + 16].fill(0xff);
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(
        &da,
        &layers,
        &Faults {
            blob_override: Some((0, blob)),
            ..Faults::default()
        },
    );
    assert_one_line_error(&pare(&["inspect", &path_str(&da)]), "layer 0", "d.tar");
}

#[test]
fn corrupt_zstd() {
    let layers = vec![Layer::new(
        &[E::File(
            "a.bin",
            (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect(),
            0o644,
        )],
        Comp::Zstd,
    )];
    let mut blob = layers[0].blob();
    let mid = blob.len() / 2;
    blob[mid..mid + 64].fill(0x00);
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(
        &da,
        &layers,
        &Faults {
            blob_override: Some((0, blob)),
            ..Faults::default()
        },
    );
    assert_one_line_error(&pare(&["inspect", &path_str(&da)]), "d.tar", "layer 0");
}

#[test]
fn wrong_blob_digest() {
    let layers = one(Comp::Gzip);
    let other = Layer::new(&[E::File("b.txt", b"other".to_vec(), 0o644)], Comp::Gzip).blob();
    let (_t, dir) = broken_oci(
        Faults {
            blob_override: Some((0, other)),
            ..Faults::default()
        },
        &layers,
    );
    assert_one_line_error(&pare(&["inspect", &dir]), "layer 0", "blob digest mismatch");
}

#[test]
fn wrong_diff_id() {
    let (_t, dir) = broken_oci(
        Faults {
            wrong_diff_id: true,
            ..Faults::default()
        },
        &one(Comp::Zstd),
    );
    assert_one_line_error(&pare(&["inspect", &dir]), "layer 0", "diff_id mismatch");
}

#[test]
fn missing_blob() {
    let (_t, dir) = broken_oci(
        Faults {
            missing_blob: Some(0),
            ..Faults::default()
        },
        &one(Comp::Gzip),
    );
    assert_one_line_error(&pare(&["inspect", &dir]), &dir, "missing blob");
}

#[test]
fn malformed_index_json() {
    let (_t, dir) = broken_oci(
        Faults {
            index_json: Some(b"{\"manifests\": [".to_vec()),
            ..Faults::default()
        },
        &one(Comp::Gzip),
    );
    assert_one_line_error(&pare(&["inspect", &dir]), &dir, "malformed index.json");
}

#[test]
fn malformed_manifest() {
    let (_t, dir) = broken_oci(
        Faults {
            manifest: Some(b"{\"layers\": 3}".to_vec()),
            ..Faults::default()
        },
        &one(Comp::Gzip),
    );
    assert_one_line_error(&pare(&["inspect", &dir]), &dir, "malformed manifest");
}

#[test]
fn malformed_config() {
    let (_t, dir) = broken_oci(
        Faults {
            config: Some(b"[1,2".to_vec()),
            ..Faults::default()
        },
        &one(Comp::Gzip),
    );
    assert_one_line_error(&pare(&["inspect", &dir]), &dir, "malformed config");
}

#[test]
fn dotdot_path_in_layer() {
    let layers = vec![Layer::new(
        &[E::RawFile("../../etc/evil", b"x".to_vec())],
        Comp::Gzip,
    )];
    let (_t, dir) = broken_oci(Faults::default(), &layers);
    assert_one_line_error(&pare(&["inspect", &dir]), "layer 0", "unsafe path");
}

#[test]
fn absolute_path_in_layer() {
    let layers = vec![Layer::new(
        &[E::RawFile("/etc/evil", b"x".to_vec())],
        Comp::None,
    )];
    let (_t, dir) = broken_oci(Faults::default(), &layers);
    assert_one_line_error(&pare(&["inspect", &dir]), "layer 0", "unsafe path");
}

#[test]
fn symlink_loop_does_not_hang() {
    let layers = vec![Layer::new(
        &[
            E::Dir("bin/"),
            E::Symlink("bin/sh", "/bin/sh2"),
            E::Symlink("bin/sh2", "sh"),
            E::Symlink("etc", "etc"),
        ],
        Comp::Gzip,
    )];
    let (_t, dir) = broken_oci(Faults::default(), &layers);
    let v = json(&pare(&["inspect", "--format", "json", &dir]));
    assert_eq!(v["hygiene"]["shells"], serde_json::json!([]));
    assert!(v["image"]["os"].is_null());
}

#[test]
fn decompression_bomb_hits_ratio_limit() {
    // 300 MiB of zeros gzips to ~300 KiB: a 1000x expansion past 256 MiB.
    let zeros = vec![0u8; 300 << 20];
    let mut tarb = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(zeros.len() as u64);
    h.set_mode(0o644);
    tarb.append_data(&mut h, "zeros", zeros.as_slice()).unwrap();
    let tarb = tarb.into_inner().unwrap();
    drop(zeros);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut e, &tarb).unwrap();
    let bomb = e.finish().unwrap();
    let layer = Layer {
        tar: tarb,
        comp: Comp::Gzip,
    };
    assert!(
        bomb.len() < 400_000,
        "the bomb should be small: {}",
        bomb.len()
    );
    assert_eq!(layer.blob(), bomb, "test helper compresses differently");
    let (_t, dir) = broken_oci(Faults::default(), &[layer]);
    assert_one_line_error(&pare(&["inspect", &dir]), "layer 0", "decompression bomb");
}

#[test]
fn layer_size_cap_is_enforced() {
    let (_t, dir) = broken_oci(Faults::default(), &one(Comp::Gzip));
    let o = pare(&["inspect", "--max-layer-size", "10000", &dir]);
    assert_one_line_error(&o, "layer 0", "exceeds 10000 bytes");
}

#[test]
fn huge_declared_size() {
    // A header that claims 1 TiB followed by a few bytes.
    let layers = vec![Layer {
        tar: tar_bytes(&[
            E::File("ok", b"fine".to_vec(), 0o644),
            E::Lying("huge", 1 << 40, vec![1; 512]),
        ]),
        comp: Comp::Gzip,
    }];
    let (_t, dir) = broken_oci(Faults::default(), &layers);
    let o = pare(&["inspect", &dir]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("layer 0"), "{}", stderr(&o));
}

#[test]
fn empty_file() {
    let t = tmp();
    let p = t.path().join("empty.tar");
    std::fs::write(&p, b"").unwrap();
    assert_one_line_error(&pare(&["inspect", &path_str(&p)]), "empty.tar", "empty");
}

#[test]
fn gzipped_archive_is_explained() {
    let t = tmp();
    let da = t.path().join("d.tar");
    docker_archive(&da, &one(Comp::None), &Faults::default());
    let gz = t.path().join("d.tar.gz");
    std::fs::write(&gz, gzip(&std::fs::read(&da).unwrap())).unwrap();
    assert_one_line_error(
        &pare(&["inspect", &path_str(&gz)]),
        "d.tar.gz",
        "decompress it first",
    );
}

#[test]
fn missing_path_and_unknown_content() {
    assert_one_line_error(
        &pare(&["inspect", "/nonexistent/img.tar"]),
        "/nonexistent/img.tar",
        "no such file",
    );
    let t = tmp();
    let p = t.path().join("junk.tar");
    std::fs::write(&p, tar_bytes(&[E::File("hello", b"x".to_vec(), 0o644)])).unwrap();
    assert_one_line_error(
        &pare(&["inspect", &path_str(&p)]),
        "junk.tar",
        "is not a docker-archive",
    );
}

#[test]
fn manifest_json_with_traversal_is_refused() {
    let t = tmp();
    let da = t.path().join("d.tar");
    let m = br#"[{"Config":"../../etc/passwd","RepoTags":[],"Layers":[]}]"#.to_vec();
    docker_archive(
        &da,
        &one(Comp::None),
        &Faults {
            manifest: Some(m),
            ..Faults::default()
        },
    );
    assert_one_line_error(&pare(&["inspect", &path_str(&da)]), "d.tar", "unsafe path");
}

/// Docker 25+ `docker save`: an OCI layout inside the tar *and* a
/// `manifest.json` whose paths are `blobs/sha256/<hex>`.
#[test]
fn docker25_oci_in_docker_save() {
    let t = tmp();
    let dir = t.path().join("layout");
    let layers = semantics_layers(Comp::None);
    let b = oci_layout(&dir, &layers, &Faults::default());
    let blobs: Vec<String> = b
        .diff_ids
        .iter()
        .map(|d| format!("blobs/sha256/{}", &d[7..]))
        .collect();
    let m = serde_json::json!([{"Config": format!("blobs/sha256/{}", &b.config_digest[7..]),
        "RepoTags": ["app:25"], "Layers": blobs}]);
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let ar = t.path().join("save.tar");
    tar_dir(&dir, &ar);
    let v = inspect_json(&path_str(&ar));
    assert_eq!(v["source"]["kind"], "docker-archive");
    assert_eq!(v["image"]["tags"], serde_json::json!(["app:25"]));
    // Uncompressed layers: the blob digest is the diff_id and is reported.
    assert_eq!(v["layers"][0]["digest"], b.diff_ids[0].as_str());
    check_semantics(&v);
    // The same file read as an OCI archive uses index.json.
    let v = inspect_json(&format!("oci-archive:{}", path_str(&ar)));
    assert_eq!(v["image"]["manifestDigest"], b.manifest_digest.as_str());
}

/// Docker schema-2 manifest list and manifest media types, legacy layer type.
#[test]
fn docker_v2s2_media_types() {
    let t = tmp();
    let dir = t.path().join("layout");
    let layers = semantics_layers(Comp::Gzip);
    let b = oci_layout(&dir, &layers, &Faults::default());
    let blob = |d: &str| dir.join("blobs/sha256").join(&d[7..]);
    let mut man: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(&b.manifest_digest)).unwrap()).unwrap();
    man["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json".into();
    man["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json".into();
    for l in man["layers"].as_array_mut().unwrap() {
        l["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip".into();
    }
    let man = serde_json::to_vec(&man).unwrap();
    let md = sha256(&man);
    std::fs::write(blob(&md), &man).unwrap();
    let list = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": md, "size": man.len(),
                       "platform": {"os": "linux", "architecture": "amd64"}}]})).unwrap();
    let ld = sha256(&list);
    std::fs::write(blob(&ld), &list).unwrap();
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json", "digest": ld, "size": list.len()}]})).unwrap()).unwrap();
    let v = inspect_json(&path_str(&dir));
    assert_eq!(v["image"]["manifestDigest"], md.as_str());
    assert_eq!(
        v["layers"][0]["mediaType"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    check_semantics(&v);
}

/// A plain layer large enough to be read on a second thread (32 MiB and
/// up): its bytes still verify, and a corruption or a wrong diff_id is
/// still the one-line error it is for small layers.
#[test]
fn large_plain_layer_is_verified_on_the_reading_thread() {
    let big = vec![7u8; 40 << 20];
    let layers = [Layer::new(
        &[
            E::File("big.bin", big, 0o644),
            E::File("etc/os-release", b"ID=debian\n".to_vec(), 0o644),
        ],
        Comp::None,
    )];
    let t = tmp();
    let ok = t.path().join("ok.tar");
    let built = docker_archive(&ok, &layers, &Faults::default());
    let o = pare(&["inspect", "--format", "json", &path_str(&ok)]);
    let v = json(&o);
    assert_eq!(v["layers"][0]["diffId"], built.diff_ids[0].as_str());
    // a flipped byte in the middle of the big file: only the hash sees it
    let mut blob = layers[0].blob();
    let mid = blob.len() / 2;
    blob[mid] ^= 1;
    let bad = t.path().join("bad.tar");
    docker_archive(
        &bad,
        &layers,
        &Faults {
            blob_override: Some((0, blob)),
            ..Faults::default()
        },
    );
    assert_one_line_error(&pare(&["inspect", &path_str(&bad)]), "layer 0", "mismatch");
    let wrong = t.path().join("wrong.tar");
    docker_archive(
        &wrong,
        &layers,
        &Faults {
            wrong_diff_id: true,
            ..Faults::default()
        },
    );
    assert_one_line_error(
        &pare(&["inspect", &path_str(&wrong)]),
        "layer 0",
        "mismatch",
    );
}

/// `-o` onto something that is not a regular file (a FIFO here; `/dev/null`
/// alike) writes through it: the atomic rename must not replace the pipe
/// or device with a regular file.
#[test]
fn output_to_a_fifo_writes_through_it() {
    let t = tmp();
    let dir = t.path().join("img");
    one_file_layout(&dir);
    let fifo = t.path().join("out.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo (coreutils)");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "-o",
        &path_str(&fifo),
        &path_str(&dir),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = reader.join().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&got).expect("JSON through the FIFO");
    assert_eq!(v["schemaVersion"], 1);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}
