//! The registry source against Debian's real `docker-registry` on
//! loopback: once with htpasswd basic auth behind TLS (a CA-signed leaf,
//! trusted with `--ca-file`), once anonymous over plain HTTP
//! (`--insecure-registry`). Fleet images are pushed with `skopeo copy` and
//! `pare inspect` from the registry must equal the same image read from its
//! OCI layout.
//!
//! Needs `docker-registry`, `skopeo`, `htpasswd` and `openssl`; a missing
//! one fails with the `apt-get` command that installs it.
#![cfg(feature = "real-images")]

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::{assert_one_line_error, pare, stderr, tmp};

use support::registry::{Registry, PASSWORD, USER};

fn pare_with_password(args: &[String], password: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn inspect_json(o: &Output, what: &str) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(o));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_object_mut().unwrap().remove("source");
    v
}

fn layout_json(name: &str) -> serde_json::Value {
    let layout = support::fleet_dir().join(name).join("oci");
    let spec = layout.display().to_string();
    inspect_json(&pare(&["inspect", "--format", "json", &spec]), &spec)
}

fn args(reg: &Registry, tail: &[&str]) -> Vec<String> {
    let mut a = vec!["inspect".to_string()];
    a.extend(reg.flags());
    a.extend(tail.iter().map(|s| (*s).to_string()));
    a
}

#[test]
fn secure_registry_with_basic_auth_and_tls() {
    let reg = Registry::start(true);
    let r = reg.push("slim");
    let from_reg = inspect_json(
        &pare_with_password(&args(&reg, &["--format", "json", &r]), PASSWORD),
        &r,
    );
    let from_dir = layout_json("slim");
    assert_eq!(from_reg, from_dir, "registry and OCI layout disagree");
    assert!(!from_reg["layers"].as_array().unwrap().is_empty());

    // By digest, with the registry: prefix.
    let digest = from_reg["image"]["manifestDigest"].as_str().unwrap();
    let by_digest = format!("registry:{}/pare/slim@{digest}", reg.addr);
    let o = pare_with_password(&args(&reg, &["--format", "json", &by_digest]), PASSWORD);
    assert_eq!(inspect_json(&o, &by_digest)["layers"], from_dir["layers"]);

    // Wrong password: exit 2, one line, no password in it.
    let o = pare_with_password(&args(&reg, &[&r]), "not-the-password-42");
    assert_one_line_error(&o, &r, "authentication failed (401)");
    assert!(!stderr(&o).contains("not-the-password-42"));

    // No credentials at all.
    let ca = reg.ca.as_ref().unwrap().display().to_string();
    let o = pare(&["inspect", "--ca-file", &ca, &r]);
    assert_one_line_error(&o, &r, "authentication required (401)");

    // Unknown repository.
    let nope = format!("{}/pare/does-not-exist:latest", reg.addr);
    let o = pare_with_password(&args(&reg, &[&nope]), PASSWORD);
    assert_one_line_error(&o, &nope, "not found (404)");

    // Without the CA the leaf is not trusted.
    let mut no_ca = vec!["inspect".to_string(), r.clone()];
    no_ca.extend(["--username".into(), USER.into(), "--password-stdin".into()]);
    let o = pare_with_password(&no_ca, PASSWORD);
    assert_one_line_error(&o, &r, "tls");
}

#[test]
fn plain_http_registry_anonymous() {
    let reg = Registry::start(false);
    for name in ["distroless", "layers"] {
        let r = reg.push(name);
        let from_reg = inspect_json(
            &pare(
                &args(&reg, &["--format", "json", &r])
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
            &r,
        );
        assert_eq!(
            from_reg,
            layout_json(name),
            "{name}: registry and OCI layout disagree"
        );
    }
    let missing_tag = format!("{}/pare/distroless:no-such-tag", reg.addr);
    let a = args(&reg, &[&missing_tag]);
    let o = pare(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_one_line_error(&o, &missing_tag, "not found (404)");
}

/// `pare gate` on an image in a registry whose annotations name its base
/// in that registry: the base's layers are read from there (with the same
/// flags) and decide the base/app split.
#[test]
fn gate_reads_the_annotated_base_from_the_registry() {
    let reg = Registry::start(false);
    let base = reg.push("slim");
    let t = tmp();
    let dir = t.path().join("annotated");
    support::annotated_layout(
        &support::fleet_dir().join("python-app/oci"),
        &support::fleet_dir().join("slim/oci"),
        &base,
        &dir,
    );
    let app = reg.push_layout(&dir, "python-app", "annotated");
    let db = support::path_str(support::db());
    let o = pare(&[
        "gate",
        "--db",
        &db,
        "--format",
        "json",
        "--insecure-registry",
        &reg.addr,
        &app,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r["attribution"]["method"], "annotation",
        "{:#}",
        r["attribution"]
    );
    assert_eq!(r["attribution"]["baseLayers"], 1);
    assert_eq!(r["attribution"]["base"], base.as_str());
    assert!(r["attribution"]["evidence"]
        .as_str()
        .unwrap()
        .contains("read from its registry"));
}

/// `pare slim` of an image in a registry writes the image `pare slim` of
/// the same image's OCI layout writes (the same manifest digest), and
/// fetches the layers it holds in memory from the first read (the ones
/// above the base) once: the registry's access log shows one GET of their
/// blobs, and two of the base's, which is read again for the files kept
/// from it.
#[test]
fn slim_from_a_registry_writes_the_layouts_image_and_fetches_upper_layers_once() {
    use support::fleet_run::{manifest_config, read_json};
    let reg = Registry::start(false);
    let r = reg.push("python-app");
    let t = tmp();
    let layout = support::fleet_dir().join("python-app/oci");
    let (from_reg, from_dir) = (t.path().join("reg"), t.path().join("dir"));
    let mut a = vec![
        "slim".to_string(),
        r.clone(),
        "-o".into(),
        support::path_str(&from_reg),
    ];
    a.extend(reg.flags());
    let o = pare(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = pare(&[
        "slim",
        &support::path_str(&layout),
        "-o",
        &support::path_str(&from_dir),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let digest =
        |l: &std::path::Path| read_json(&l.join("index.json"))["manifests"][0]["digest"].clone();
    assert_eq!(
        digest(&from_reg),
        digest(&from_dir),
        "registry and layout slim apart"
    );
    let (m, _) = manifest_config(&layout);
    let layers: Vec<String> = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    assert!(
        layers.len() > 2,
        "python-app: base, then the layers of its build"
    );
    let log = reg.log();
    let gets = |d: &str| {
        log.lines()
            .filter(|l| l.contains(&format!("GET /v2/pare/python-app/blobs/{d}")))
            .count()
    };
    let counts: Vec<usize> = layers.iter().map(|d| gets(d)).collect();
    let mut want = vec![1; layers.len()];
    want[0] = 2;
    assert_eq!(counts, want, "blob GETs per layer, base first:\n{log}");
}
