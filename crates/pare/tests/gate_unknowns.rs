//! A gate that never passes without knowing (issue 24): every case in
//! which the gate used to pass knowing nothing, each reproduced on a real
//! image (or a real folder) and asserted by exit code and the unknown it
//! names.

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn gate_with(db: &Path, dir: &Path, args: &[&str]) -> Output {
    let db = path_str(db);
    let mut all = vec!["gate", "--db", db.as_str(), "--format", "json"];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(&all)
        .current_dir(dir)
        .output()
        .expect("run pare")
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("gate JSON ({e}); stderr: {}", stderr(o)))
}

fn unknown_kinds(r: &Value) -> Vec<String> {
    r["unknowns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["acceptedBy"].is_null())
        .map(|u| u["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_empty_directory_or_a_folder_of_documents_is_not_a_clean_image() {
    let t = tmp();
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    assert!(docs.is_dir());
    for dir in [empty.as_path(), docs.as_path()] {
        let o = gate_with(db(), t.path(), &[&path_str(dir)]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            dir.display(),
            stderr(&o)
        );
        let r = report(&o);
        assert_eq!(r["result"], "incomplete");
        assert_eq!(unknown_kinds(&r), ["no-image-content"]);
        assert!(stderr(&o).contains("no-image-content"), "{}", stderr(&o));
    }
}

#[test]
fn a_text_file_is_named_for_what_it_is() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let o = pare(&["inspect", &path_str(&readme)]);
    assert_one_line_error(&o, "README.md", "a text file, not an image");
    // and its content is not echoed
    assert!(!stderr(&o).contains("# pare"), "{}", stderr(&o));
}

#[test]
fn a_bad_severity_is_refused_before_any_work() {
    // Neither the database nor the image exists: the flag is checked first.
    let o = pare(&[
        "scan",
        "--db",
        "/nonexistent/vuln.db",
        "--severity",
        "critcal",
        "/nonexistent/image.tar",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("critcal"), "{err}");
    assert!(!err.contains("nonexistent"), "{err}");
}

#[test]
fn a_directory_given_as_the_database_says_so() {
    let t = tmp();
    let o = pare(&[
        "scan",
        "--db",
        &path_str(t.path()),
        &path_str(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/busybox-oci")),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a directory, not a vulnerability database file"),
        "{err}"
    );
    assert!(!err.contains("code 14"), "{err}");
}

#[test]
fn an_unknown_image_kind_suggests_the_closest() {
    let o = pare(&["inspect", "oci-dri:./layout"]);
    assert_one_line_error(&o, "oci-dri", "unknown image kind");
    assert!(
        stderr(&o).contains("did you mean `oci-dir`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn dash_output_is_stdout() {
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "-o",
        "-",
        &path_str(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/busybox-oci")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["schemaVersion"], 1);
    assert!(!Path::new("-").exists());
}

#[cfg(feature = "real-images")]
mod fleet {
    use super::*;

    fn image(name: &str) -> String {
        let p = fleet_dir().join(name).join("oci");
        assert!(
            p.is_dir(),
            "{} missing: run scripts/fleet.sh {name}",
            p.display()
        );
        path_str(&p)
    }

    #[test]
    fn files_without_a_package_database_never_pass() {
        let t = tmp();
        let o = gate_with(db(), t.path(), &[&image("extract")]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(r["result"], "incomplete");
        let kinds = unknown_kinds(&r);
        assert!(kinds.contains(&"no-package-db".to_string()), "{kinds:?}");
        // libssl3's and libc6's files are there, owned by nothing
        assert!(kinds.contains(&"unowned-files".to_string()), "{kinds:?}");
        // accepted with a reason and an expiry, the unknowns stop blocking
        std::fs::write(
            t.path().join("pare.toml"),
            "[[unknowns.accept]]\nkind = \"no-package-db\"\nreason = \"extract-variant test base\"\nexpires = 2999-12-31\n\n[[unknowns.accept]]\nkind = \"unowned-files\"\nreason = \"the same files\"\nexpires = 2999-12-31\n",
        )
        .unwrap();
        let o = gate_with(db(), t.path(), &[&image("extract")]);
        let r = report(&o);
        assert_eq!(r["result"], "pass", "{}", stderr(&o));
        assert_eq!(o.status.code(), Some(0));
        assert!(r["unknowns"][0]["acceptedBy"]
            .as_str()
            .unwrap()
            .contains("pare.toml:1"));
        // an expired acceptance accepts nothing
        std::fs::write(
            t.path().join("pare.toml"),
            "[[unknowns.accept]]\nkind = \"no-package-db\"\nreason = \"old\"\nexpires = 2020-01-01\n",
        )
        .unwrap();
        let o = gate_with(db(), t.path(), &[&image("extract")]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            report(&o)["expiredAcceptances"].as_array().unwrap().len(),
            1
        );
    }

    #[test]
    fn a_database_without_the_images_ecosystems_never_passes() {
        let t = tmp();
        let db = t.path().join("crates-only.db");
        let crates = shared().join("vulndb/osv-crates");
        let o = pare(&["db", "--db", &path_str(&db), "import", &path_str(&crates)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let o = gate_with(&db, t.path(), &[&image("python-app")]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(r["result"], "incomplete");
        let messages: Vec<&str> = r["unknowns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["kind"] == "no-advisories")
            .map(|u| u["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|m| m.contains("deb") && m.contains("Debian")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("pypi") && m.contains("PyPI")),
            "{messages:?}"
        );
    }

    #[test]
    fn a_squashed_image_still_fails_on_the_apps_fixable_critical() {
        let t = tmp();
        let o = gate_with(db(), t.path(), &[&image("python-flat")]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(r["result"], "fail");
        assert_eq!(r["attribution"]["guess"], true);
        let pillow = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "CVE-2023-50447" && f["package"] == "pillow")
            .expect("Pillow's critical");
        assert_eq!(pillow["layerOrigin"], "unknown");
        assert_eq!(pillow["decision"]["action"], "fail");
        assert!(unknown_kinds(&r).contains(&"unknown-layer-origin".to_string()));
        // the PR comment says so and stays under GitHub's limit
        let o = Command::new(env!("CARGO_BIN_EXE_pare"))
            .args([
                "gate",
                "--db",
                &path_str(db()),
                "--format",
                "markdown",
                &image("python-flat"),
            ])
            .current_dir(t.path())
            .output()
            .unwrap();
        let md = String::from_utf8_lossy(&o.stdout);
        assert!(md.len() < 65_536, "{} characters", md.len());
        assert!(md.contains("unknown-layer-origin"), "{md}");
        assert!(md.contains("<summary>Ignored ("), "{md}");
    }

    #[test]
    fn a_platform_the_image_lacks_is_an_error_naming_the_one_it_has() {
        for transport in ["oci", "docker.tar"] {
            let p = fleet_dir().join("slim").join(transport);
            let o = pare(&["inspect", "--platform", "linux/arm64", &path_str(&p)]);
            assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
            let err = stderr(&o);
            assert!(
                err.contains("linux/arm64") && err.contains("available: linux/amd64"),
                "{err}"
            );
        }
        // the platform it has is fine, and so is saying nothing
        let p = path_str(&fleet_dir().join("slim/docker.tar"));
        assert_eq!(
            pare(&["inspect", "--platform", "linux/amd64", &p])
                .status
                .code(),
            Some(0)
        );
        assert_eq!(pare(&["inspect", &p]).status.code(), Some(0));
    }

    #[test]
    fn hygiene_findings_can_fail_the_gate() {
        let t = tmp();
        std::fs::write(
            t.path().join("pare.toml"),
            "[[policy.rules]]\nname = \"no-root\"\naction = \"fail\"\nkind = \"hygiene\"\nid = \"IMG001\"\n",
        )
        .unwrap();
        let o = gate_with(db(), t.path(), &[&image("python-app")]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        let root = r["hygiene"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["code"] == "IMG001")
            .expect("python-app runs as root");
        assert_eq!(root["decision"]["action"], "fail");
        assert_eq!(root["decision"]["rule"], "no-root");
        // distroless runs as nonroot: nothing to fail on
        let o = gate_with(db(), t.path(), &[&image("go-distroless")]);
        let r = report(&o);
        assert!(
            !r["hygiene"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["code"] == "IMG001"),
            "{:#}",
            r["hygiene"]
        );
    }
}
