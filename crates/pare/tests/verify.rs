//! `pare verify` and `pare slim` on small synthetic images (the real
//! fleet cases are in `verify_checks.rs` and `slim_run.rs`, behind `real-images`).

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;

fn image(dir: &Path, entries: &[E]) {
    oci_layout(dir, &[Layer::new(entries, Comp::Gzip)], &Faults::default());
}

fn verify(dir: &Path) -> (Option<i32>, Value) {
    let o = pare(&["verify", "--format", "json", &path_str(dir)]);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code(), v)
}

fn codes(v: &Value) -> Vec<&str> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_missing_entrypoint_fails_with_vfy001() {
    let t = tmp();
    one_file_layout(t.path());
    let (code, v) = verify(t.path());
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(codes(&v), ["VFY001"]);
    assert_eq!(v["result"], "fail");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`/app`"),
        "{v}"
    );
}

#[test]
fn a_script_whose_interpreter_is_missing_fails_with_vfy002() {
    let t = tmp();
    image(
        t.path(),
        &[E::File("app", b"#!/bin/bash\necho hi\n".to_vec(), 0o755)],
    );
    let (code, v) = verify(t.path());
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(codes(&v), ["VFY002"], "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`/bin/bash`"),
        "{v}"
    );
}

#[test]
fn a_data_file_as_entrypoint_and_a_non_executable_script() {
    let t = tmp();
    let data = t.path().join("data");
    image(&data, &[E::File("app", b"just text\n".to_vec(), 0o755)]);
    let (code, v) = verify(&data);
    assert_eq!(code, Some(1));
    assert_eq!(codes(&v), ["VFY001"], "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("neither an ELF program"),
        "{v}"
    );
    // a POSIX script needs /bin/sh (a busybox-free image has none: VFY002)
    // and execute permission for the user: root needs any x bit
    let noexec = t.path().join("noexec");
    image(
        &noexec,
        &[
            E::File("app", b"#!/bin/sh\nexit 0\n".to_vec(), 0o644),
            E::Dir("bin/"),
            E::File("bin/sh", b"#!/bin/sh\n".to_vec(), 0o755),
        ],
    );
    let (code, v) = verify(&noexec);
    assert_eq!(code, Some(1), "{v}");
    assert!(codes(&v).contains(&"VFY008"), "{v}");
}

#[test]
fn slim_refuses_an_entrypoint_it_cannot_resolve() {
    let t = tmp();
    let img = t.path().join("img");
    one_file_layout(&img);
    let out = t.path().join("out");
    let o = pare(&["slim", &path_str(&img), "-o", &path_str(&out)]);
    assert_one_line_error(&o, "img", "cannot slim");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn verify_writes_sarif_and_markdown() {
    let t = tmp();
    one_file_layout(t.path());
    let o = pare(&["verify", "--format", "sarif", &path_str(t.path())]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "VFY001");
    assert_eq!(v["runs"][0]["results"][0]["level"], "error");
    let o = pare(&["verify", "--format", "markdown", &path_str(t.path())]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.starts_with("# pare verify:") && md.contains("FAIL") && md.contains("VFY001"),
        "{md}"
    );
}

#[test]
fn a_root_filesystem_without_config_is_never_a_pass() {
    let t = tmp();
    std::fs::create_dir_all(t.path().join("bin")).unwrap();
    std::fs::write(t.path().join("bin/app"), b"#!/bin/sh\n").unwrap();
    let (code, v) = verify(t.path());
    assert_eq!(code, Some(2), "{v}");
    assert_eq!(v["result"], "incomplete");
}
