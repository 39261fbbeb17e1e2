//! Test support: build small synthetic images (OCI layouts, OCI archives,
//! docker-archives) in Rust, including hostile ones, and run the binary.
#![allow(dead_code)]

#[cfg(feature = "real-images")]
pub mod fleet_run;
pub mod packaging;
pub mod registry;

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the built `pare` binary.
pub fn pare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(args)
        .output()
        .expect("run pare")
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert exit code 2 and a one-line `error:` naming `file` and `cause`.
pub fn assert_one_line_error(o: &Output, file: &str, cause: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    // `hint:` lines follow the error; `note:` lines (a registry fallback)
    // precede it.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("hint:") && !l.starts_with("note:"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(file), "error should name `{file}`: {err}");
    assert!(
        lines[0].to_lowercase().contains(&cause.to_lowercase()),
        "error should say `{cause}`: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

pub fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// One tar entry. `Raw` writes the name bytes verbatim (for `../` and
/// absolute paths, which the tar crate refuses to write).
#[derive(Clone)]
pub enum E {
    File(&'static str, Vec<u8>, u32),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    RawFile(&'static str, Vec<u8>),
    /// A header declaring `size` bytes followed by only `data`.
    Lying(&'static str, u64, Vec<u8>),
}

fn set_raw_name(h: &mut tar::Header, name: &str) {
    let n = &mut h.as_old_mut().name;
    n.fill(0);
    n[..name.len()].copy_from_slice(name.as_bytes());
}

/// A tar stream of entries (with the end-of-archive blocks).
pub fn tar_bytes(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut lying = None;
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        match e {
            E::File(p, d, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(d.len() as u64);
                h.set_mode(*mode);
                b.append_data(&mut h, p, d.as_slice()).unwrap();
            }
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(0o755);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            E::Symlink(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Hardlink(p, t) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_size(0);
                h.set_mode(0o644);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::RawFile(p, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(d.len() as u64);
                h.set_mode(0o644);
                set_raw_name(&mut h, p);
                h.set_cksum();
                b.append(&h, d.as_slice()).unwrap();
            }
            E::Lying(p, size, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(*size);
                h.set_mode(0o644);
                set_raw_name(&mut h, p);
                h.set_cksum();
                lying = Some((h, d.clone()));
            }
        }
    }
    let mut out = b.into_inner().unwrap();
    if let Some((h, d)) = lying {
        // Drop the end-of-archive blocks so the lie is the last thing.
        out.truncate(out.len() - 1024);
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(&d);
    }
    out
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

/// A layer: its tar and how it is stored.
#[derive(Clone)]
pub struct Layer {
    pub tar: Vec<u8>,
    pub comp: Comp,
}

impl Layer {
    pub fn new(entries: &[E], comp: Comp) -> Self {
        Self {
            tar: tar_bytes(entries),
            comp,
        }
    }
    pub fn blob(&self) -> Vec<u8> {
        match self.comp {
            Comp::None => self.tar.clone(),
            Comp::Gzip => gzip(&self.tar),
            Comp::Zstd => zstd(&self.tar),
        }
    }
    pub fn media_type(&self) -> &'static str {
        match self.comp {
            Comp::None => "application/vnd.oci.image.layer.v1.tar",
            Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// Knobs to break an image in specific ways.
#[derive(Default, Clone)]
pub struct Faults {
    /// Replace the blob of layer i with these bytes (digest kept).
    pub blob_override: Option<(usize, Vec<u8>)>,
    /// Record this diff_id for layer 0 instead of the real one.
    pub wrong_diff_id: bool,
    /// Do not write layer i's blob.
    pub missing_blob: Option<usize>,
    /// Replace index.json / the manifest / the config with these bytes.
    pub index_json: Option<Vec<u8>>,
    pub manifest: Option<Vec<u8>>,
    pub config: Option<Vec<u8>>,
}

pub struct Built {
    pub manifest_digest: String,
    pub config_digest: String,
    pub diff_ids: Vec<String>,
}

pub fn config_json(layers: &[Layer], f: &Faults, user: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 && f.wrong_diff_id {
                sha256(b"not the layer")
            } else {
                sha256(&l.tar)
            }
        })
        .collect();
    let history: Vec<serde_json::Value> = (0..layers.len())
        .map(|i| serde_json::json!({"created_by": format!("step {i}")}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"User": user, "Env": ["PATH=/usr/bin", "SECRET_TOKEN=x"], "Entrypoint": ["/app"], "Labels": {"a": "b"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap()
}

fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let d = sha256(bytes);
    let p = dir.join("blobs/sha256").join(&d[7..]);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
    d
}

/// Write an OCI layout at `dir`.
pub fn oci_layout(dir: &Path, layers: &[Layer], f: &Faults) -> Built {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let cfg = f
        .config
        .clone()
        .unwrap_or_else(|| config_json(layers, f, ""));
    let config_digest = write_blob(dir, &cfg);
    let mut descs = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let blob = l.blob();
        let d = sha256(&blob);
        let stored = match &f.blob_override {
            Some((j, b)) if *j == i => b.clone(),
            _ => blob.clone(),
        };
        if f.missing_blob != Some(i) {
            let p = dir.join("blobs/sha256").join(&d[7..]);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, &stored).unwrap();
        }
        descs.push(
            serde_json::json!({"mediaType": l.media_type(), "digest": d, "size": blob.len()}),
        );
    }
    let manifest = f.manifest.clone().unwrap_or_else(|| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": cfg.len()},
            "layers": descs,
        }))
        .unwrap()
    });
    let manifest_digest = write_blob(dir, &manifest);
    let index = f.index_json.clone().unwrap_or_else(|| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                           "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
        }))
        .unwrap()
    });
    std::fs::write(dir.join("index.json"), index).unwrap();
    let diff_ids = layers.iter().map(|l| sha256(&l.tar)).collect();
    Built {
        manifest_digest,
        config_digest,
        diff_ids,
    }
}

/// Tar up a directory (an OCI layout) into an archive file.
pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

/// Write a legacy docker-archive (`manifest.json`, `<hex>.json`, `<hex>/layer.tar`).
pub fn docker_archive(out: &Path, layers: &[Layer], f: &Faults) -> Built {
    let cfg = f
        .config
        .clone()
        .unwrap_or_else(|| config_json(layers, f, ""));
    let config_digest = sha256(&cfg);
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    };
    add(&format!("{}.json", &config_digest[7..]), &cfg);
    let mut paths = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let p = format!("layer{i}/layer.tar");
        if f.missing_blob != Some(i) {
            let data = match &f.blob_override {
                Some((j, d)) if *j == i => d.clone(),
                _ => l.blob(),
            };
            add(&p, &data);
        }
        paths.push(p);
    }
    let manifest = f.manifest.clone().unwrap_or_else(|| {
        serde_json::to_vec(
            &serde_json::json!([{"Config": format!("{}.json", &config_digest[7..]),
            "RepoTags": ["test/img:latest"], "Layers": paths}]),
        )
        .unwrap()
    });
    add("manifest.json", &manifest);
    b.into_inner().unwrap().sync_all().unwrap();
    Built {
        manifest_digest: String::new(),
        config_digest,
        diff_ids: layers.iter().map(|l| sha256(&l.tar)).collect(),
    }
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

pub fn fleet_dir() -> PathBuf {
    let d = std::env::var_os("PARE_FLEET").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.fleet"),
        PathBuf::from,
    );
    d
}

/// `../shared` beside the repository, else `/work/shared`.
pub fn shared() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if beside.join("vulndb").is_dir() {
        beside
    } else {
        PathBuf::from("/work/shared")
    }
}

/// One vulnerability database for the whole test binary, imported from all of
/// `shared/vulndb` with `pare db import`.
pub fn db() -> &'static Path {
    static DB: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &DB.get_or_init(|| {
        let t = tmp();
        let db = t.path().join("vuln.db");
        let vulndb = shared().join("vulndb");
        assert!(
            vulndb.is_dir(),
            "shared/vulndb not found beside the repository or at /work/shared"
        );
        let o = pare(&["db", "--db", &path_str(&db), "import", &path_str(&vulndb)]);
        assert_eq!(o.status.code(), Some(0), "db import: {}", stderr(&o));
        (t, db)
    })
    .1
}

/// An OCI layout at `dir` with one gzip layer holding one small file: an
/// image for tests about everything but its contents.
pub fn one_file_layout(dir: &Path) -> Built {
    oci_layout(
        dir,
        &[Layer::new(
            &[E::File("a", b"x".to_vec(), 0o644)],
            Comp::Gzip,
        )],
        &Faults::default(),
    )
}

/// An OCI layout at `dir` whose only package database is a malformed
/// `/var/lib/dpkg/status`: its SBOM, scan and gate are incomplete.
pub fn broken_dpkg_image(dir: &Path) -> Built {
    let status = b"Package: broken\nVersion 1.0\n\xff\xfe garbage without colons\n".to_vec();
    oci_layout(
        dir,
        &[Layer::new(
            &[
                E::Dir("var/"),
                E::Dir("var/lib/"),
                E::Dir("var/lib/dpkg/"),
                E::File("var/lib/dpkg/status", status, 0o644),
            ],
            Comp::Gzip,
        )],
        &Faults::default(),
    )
}

/// Copy `app` into `out`, add `base`'s manifest and config to its blob
/// store, and annotate the app manifest with the base's name and digest
/// (as `docker buildx` does), re-digesting the manifest.
pub fn annotated_layout(app: &Path, base: &Path, base_name: &str, out: &Path) {
    let cp = std::process::Command::new("cp")
        .arg("-a")
        .arg(app)
        .arg(out)
        .status()
        .unwrap();
    assert!(cp.success());
    let blobs = out.join("blobs/sha256");
    let read_json = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let base_index = read_json(&base.join("index.json"));
    let base_digest = base_index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let hex = |d: &str| d.trim_start_matches("sha256:").to_string();
    let base_manifest_path = base.join("blobs/sha256").join(hex(&base_digest));
    let base_manifest = read_json(&base_manifest_path);
    let base_config = base_manifest["config"]["digest"].as_str().unwrap();
    for d in [base_digest.as_str(), base_config] {
        std::fs::copy(base.join("blobs/sha256").join(hex(d)), blobs.join(hex(d))).unwrap();
    }
    let mut index = read_json(&out.join("index.json"));
    let app_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut manifest = read_json(&blobs.join(hex(&app_digest)));
    manifest["annotations"] = serde_json::json!({
        "org.opencontainers.image.base.name": base_name,
        "org.opencontainers.image.base.digest": base_digest,
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = sha256(&bytes);
    std::fs::write(blobs.join(hex(&digest)), &bytes).unwrap();
    index["manifests"][0]["digest"] = serde_json::Value::String(digest);
    index["manifests"][0]["size"] = serde_json::Value::from(bytes.len());
    std::fs::write(out.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A `packagesRemoved` list names a package of each of `gone` and of none
/// of `kept` (`eco/name@` prefixes).
pub fn assert_removed(v: &serde_json::Value, gone: &[&str], kept: &[&str]) {
    let removed = strs(v);
    let has = |prefix: &str| removed.iter().any(|r| r.starts_with(prefix));
    for g in gone {
        assert!(has(g), "{g} not removed: {removed:?}");
    }
    for k in kept {
        assert!(!has(k), "{k} removed: {removed:?}");
    }
}

/// A JSON array of strings (`packagesRemoved`), as `&str`s.
pub fn strs(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .map(|s| s.as_str().expect("a JSON string"))
        .collect()
}
