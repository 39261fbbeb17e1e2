//! `pare slim`'s outputs on the real-image fleet: the kinds of image it
//! writes (an OCI layout, gzip or zstd; a docker-archive skopeo loads and
//! that runs), that every way of reading the source writes the same image,
//! and that it never writes outside OUT. A missing image or tool fails.
#![cfg(feature = "real-images")]

mod support;
use support::fleet_run::*;
use support::*;

use serde_json::Value;
use std::process::Command;

#[test]
fn slim_refuses_a_non_empty_output_and_writes_only_inside_it() {
    let t = tmp();
    let src = fleet("go-distroless");
    let outdir = t.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    std::fs::write(outdir.join("keep-me"), b"x").unwrap();
    let o = pare(&["slim", &path_str(&src), "-o", &path_str(&outdir)]);
    assert_one_line_error(&o, "out", "not empty");
    assert!(outdir.join("keep-me").exists());
    let o = pare(&["slim", &path_str(&src), "-o", &path_str(&outdir), "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!outdir.join("keep-me").exists() && outdir.join("index.json").is_file());
    let mut beside: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["out"], "nothing written beside the output");
}

/// `pare slim -o docker-archive:…`: one tar file that skopeo reads through
/// both of its archive transports (as `docker load` reads what `docker
/// save` writes since Docker 25), that pare reads and verifies, whose
/// slimmed app still serves HTTP, and whose bytes do not depend on the
/// run (the layers are copied concurrently).
#[test]
fn slim_writes_a_docker_archive_that_skopeo_loads_and_that_runs() {
    need("skopeo");
    need("bwrap");
    let t = tmp();
    let src = fleet("python-app");
    let archive = t.path().join("app.tar");
    let spec = format!("docker-archive:{}", path_str(&archive));
    let o = pare(&[
        "slim",
        &path_str(&src),
        "-o",
        &spec,
        "--tag",
        "app:slim",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &report["written"];
    assert_eq!(w["format"], "docker-archive", "{report}");
    assert_eq!(w["layerDigest"], w["diffId"], "an uncompressed layer");
    assert_eq!(w["compressedSize"].as_u64(), w["uncompressedSize"].as_u64());
    // Docker's manifest.json names the image for `docker load`.
    let listing = Command::new("tar")
        .arg("-xOf")
        .arg(&archive)
        .arg("manifest.json")
        .output()
        .unwrap();
    let manifest: Value = serde_json::from_slice(&listing.stdout).expect("manifest.json");
    assert_eq!(manifest[0]["RepoTags"], serde_json::json!(["app:slim"]));
    // skopeo reads it as a docker-archive and as an OCI archive.
    let layout = t.path().join("layout");
    let o = Command::new("skopeo")
        .args(["copy", "--quiet", &spec])
        .arg(format!("oci:{}:latest", path_str(&layout)))
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo docker-archive: {}", stderr(&o));
    let o = Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci-archive:{}", path_str(&archive)))
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo oci-archive: {}", stderr(&o));
    // pare reads it, and it verifies.
    let (code, v) = verify(&archive, &[]);
    assert_eq!((code, codes(&v).len()), (0, 0), "verify: {v}");
    // The same bytes from a second run.
    let again = t.path().join("again.tar");
    let o = pare(&[
        "slim",
        &path_str(&src),
        "-o",
        &path_str(&again),
        "--tag",
        "app:slim",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::read(&archive).unwrap() == std::fs::read(&again).unwrap(),
        "two slims of one image differ"
    );
    // What skopeo made of it runs.
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&layout, &root);
    assert_serves_ok(&layout, &root, "slimmed python-app from the archive");
    // A non-empty archive is not replaced without --force.
    let o = pare(&["slim", &path_str(&src), "-o", &path_str(&again)]);
    assert_one_line_error(&o, "again.tar", "not empty");
}

/// The second read of each layer takes four ways: the tar held in memory
/// from the first read (a gzip layer above the base one), access points
/// into a gzip layer (the base layer of an OCI layout, and the same blobs
/// inside an oci-archive), offsets into a plain one (a docker-archive),
/// and a whole read where none applies (zstd). All four sources of
/// `python-app` slim to the same bytes, as a docker-archive and as a gzip
/// OCI layout (whose blob depends on the tar alone, not on how the reads
/// fell), and the layout's slimmed image serves HTTP
/// (`slimmed_python_app_serves_http`): the shortcuts copy what a whole
/// read copies.
#[test]
fn every_way_of_reading_the_layers_again_writes_the_same_image() {
    let t = tmp();
    let base = fleet("python-app");
    let dir = base.parent().unwrap();
    let sources = [
        base.clone(),
        dir.join("oci.tar"),
        dir.join("docker.tar"),
        dir.join("oci-zstd"),
    ];
    let mut outputs = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        assert!(src.exists(), "fleet source {} is missing", src.display());
        let out = t.path().join(format!("out{i}.tar"));
        let report = slim(src, &out);
        assert!(report["written"].is_object(), "{}: {report}", src.display());
        let layout = t.path().join(format!("out{i}"));
        slim(src, &layout);
        let (m, _) = manifest_config(&layout);
        outputs.push((
            src.display().to_string(),
            std::fs::read(&out).unwrap(),
            m["layers"][0]["digest"].as_str().unwrap().to_string(),
        ));
    }
    let (first, bytes, gzip) = &outputs[0];
    assert!(
        bytes.len() > 10 << 20,
        "a real image: {} bytes",
        bytes.len()
    );
    for (src, b, g) in &outputs[1..] {
        assert!(b == bytes, "{src} slims to other bytes than {first}");
        assert_eq!(g, gzip, "{src}'s gzip layer differs from {first}'s");
    }
}

/// `--compression zstd`: the OCI layout's layer is zstd (`+zstd`), holds
/// the same tar as the gzip one (the same `diff_id`, so the same config),
/// verifies, and two runs write the same bytes (two zstd workers); a
/// docker-archive refuses the flag before any work.
#[test]
fn a_zstd_layer_holds_the_same_tar_and_verifies() {
    let t = tmp();
    let src = fleet("python-app");
    let gz = t.path().join("gz");
    slim(&src, &gz);
    let mut outs = Vec::new();
    for i in 0..2 {
        let out = t.path().join(format!("zst{i}"));
        let o = pare(&[
            "slim",
            &path_str(&src),
            "-o",
            &path_str(&out),
            "--compression",
            "zstd",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        outs.push(out);
    }
    let (m, c) = manifest_config(&outs[0]);
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let (gm, gc) = manifest_config(&gz);
    assert_eq!(c["rootfs"], gc["rootfs"], "the same tar");
    assert!(m["layers"][0]["size"].as_u64() < gm["layers"][0]["size"].as_u64());
    let layer = |dir: &std::path::Path| {
        std::fs::read(blob(
            dir,
            manifest_config(dir).0["layers"][0]["digest"]
                .as_str()
                .unwrap(),
        ))
        .unwrap()
    };
    assert!(layer(&outs[0]) == layer(&outs[1]), "two runs, two layers");
    let (code, v) = verify(&outs[0], &[]);
    assert_eq!((code, v["result"].as_str()), (0, Some("pass")), "{v}");
    let o = pare(&[
        "slim",
        &path_str(&src),
        "-o",
        &path_str(&t.path().join("x.tar")),
        "--compression",
        "zstd",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--compression applies to an OCI layout"),
        "{}",
        stderr(&o)
    );
    assert!(!t.path().join("x.tar").exists());
}
