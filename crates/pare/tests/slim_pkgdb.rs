//! `pare slim`'s package databases on the real-image fleet: the slimmed
//! image's database lists exactly the packages whose files remain (apk's
//! `installed`, rpm's SQLite database, read back by the real `rpm -qa`),
//! or is kept as it was with a note (a Berkeley DB). A missing image or
//! tool fails.
#![cfg(feature = "real-images")]

mod support;
use support::fleet_run::*;
use support::*;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An apk database (Alpine's `/lib/apk/db/installed`) is rewritten as the
/// dpkg one is: the slimmed image lists the apk packages whose files
/// remain, each with only its kept files, and no other; the rest of
/// `/lib/apk/db` goes. The fleet has no Alpine image (no Alpine mirror is
/// reachable here), so `go-distroless` gets an apk layer: a record owning
/// its entrypoint, and one owning a tool slim removes.
#[test]
fn an_apk_database_lists_only_the_packages_whose_files_remain() {
    let t = tmp();
    let src = fleet("go-distroless");
    let with_apk = t.path().join("apk");
    let installed = "C:Q1rnmPmVAFcs7gXkDOJQcp8DSb3AI=\nP:hello-app\nV:1.0-r0\nA:x86_64\nL:MIT\no:hello-app\nF:app\nR:hello\na:0:0:755\nZ:Q1+6Vh0W7zjqNqP8/SUa8hq7gHmCo=\nR:README\nZ:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=\n\nC:Q1u8VY0bAY5dWXqmF6ihp3fUTK8eY=\nP:apk-tools\nV:2.14.0-r5\nA:x86_64\nL:GPL-2.0-only\no:apk-tools\nF:sbin\nR:apk\na:0:0:755\nZ:Q1WBbx6sOWaVeACRBjtkvdE4xjmDE=\n\n";
    mutate(
        &src,
        &with_apk,
        &[
            E::Dir("lib/apk/db/"),
            E::File("lib/apk/db/installed", installed.as_bytes().to_vec(), 0o644),
            E::File("lib/apk/db/scripts.tar", vec![0u8; 1024], 0o644),
            E::File("app/README", b"hello\n".to_vec(), 0o644),
            E::Dir("sbin/"),
            E::File("sbin/apk", b"\x7fELF not really".to_vec(), 0o755),
        ],
        |_| {},
    );
    let out = t.path().join("slim");
    let report = slim(&with_apk, &out);
    let removed = report["packagesRemoved"].to_string();
    assert!(removed.contains("apk/apk-tools@2.14.0-r5"), "{removed}");
    assert!(!removed.contains("hello-app"), "{removed}");
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&out, &root);
    let db = std::fs::read_to_string(root.join("lib/apk/db/installed")).unwrap();
    assert!(
        db.contains("P:hello-app\n") && db.contains("F:app\nR:hello\n"),
        "{db}"
    );
    assert!(!db.contains("apk-tools") && !db.contains("README"), "{db}");
    assert!(!root.join("lib/apk/db/scripts.tar").exists());
    assert!(!root.join("sbin/apk").exists());
    assert_sbom_exact(&with_apk, &out, &root);
}

/// `rpm-app` with a static program in place of its own entrypoint (a
/// shell script in an image without a shell, which slim refuses):
/// go-distroless's. Built under `t` from `image` (`rpm-app` or `rpm-bdb`).
fn rpm_image_with_a_program(t: &Path, image: &str) -> PathBuf {
    let go = t.join("go");
    if !go.exists() {
        slim(&fleet("go-distroless"), &go);
    }
    let go_root = t.join("go-root");
    if !go_root.exists() {
        std::fs::create_dir(&go_root).unwrap();
        unpack(&go, &go_root);
    }
    let hello = std::fs::read(go_root.join("app/hello")).unwrap();
    let src = t.join(image);
    mutate(
        &fleet(image),
        &src,
        &[E::File("opt/pare-app/bin/run", hello, 0o755)],
        |_| {},
    );
    src
}

/// The packages the real `rpm -qa` reads from the database under `root`
/// (`scripts/fleet/rpmdb.py`, over Debian's `rpm`), as `name@evr`.
fn rpm_qa(root: &Path, backend: &str) -> BTreeSet<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fleet/rpmdb.py");
    let o = Command::new("python3")
        .arg(&script)
        .args(["list", &path_str(root), backend])
        .output()
        .expect("python3 runs (rpm and python3 are installed by .ci/run)");
    assert!(o.status.success(), "rpm -qa: {}", stderr(&o));
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(name_at_version)
        .collect()
}

/// `name@version` of a package as JSON (`rpm -qa`'s, an SBOM's).
fn name_at_version(p: &Value) -> String {
    format!(
        "{}@{}",
        p["name"].as_str().unwrap(),
        p["version"].as_str().unwrap()
    )
}

/// An rpm SQLite database (`rpmdb.sqlite`: RHEL 9, Fedora, UBI 9) is
/// rewritten as the dpkg one is: the slimmed image's database lists the rpm
/// packages whose files remain and no other, and the real `rpm -qa` reads
/// it (the imported key stays: it is not a package).
#[test]
fn an_rpm_sqlite_database_lists_only_the_packages_whose_files_remain() {
    let t = tmp();
    let src = rpm_image_with_a_program(t.path(), "rpm-app");
    let out = t.path().join("slim");
    let report = slim(&src, &out);
    assert_removed(
        &report["packagesRemoved"],
        &["rpm/pare-libfoo@"],
        &["rpm/pare-app@"],
    );
    let removed = strs(&report["packagesRemoved"]);
    let notes = report["notes"].to_string();
    assert!(!notes.contains("kept as it was"), "{notes}");
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&out, &root);
    let after = rpm_qa(&root, "sqlite");
    let sbom_rpm: BTreeSet<String> = sbom(&out)
        .iter()
        .filter(|p| p["ecosystem"] == "rpm")
        .map(name_at_version)
        .collect();
    let without_keys: BTreeSet<String> = after
        .iter()
        .filter(|k| !k.starts_with("gpg-pubkey@"))
        .cloned()
        .collect();
    assert_eq!(
        without_keys, sbom_rpm,
        "rpm -qa and pare's SBOM of the result"
    );
    assert!(
        after.iter().any(|k| k.starts_with("gpg-pubkey@")),
        "{after:?}"
    );
    assert!(
        sbom_rpm.iter().any(|k| k.starts_with("pare-app@")),
        "{sbom_rpm:?}"
    );
    // Removed by the plan = gone from what rpm reads (the fleet's facts
    // hold what rpm read from the image before).
    let facts = read_json(&fleet_dir().join("rpm-app/facts.json"));
    let before: BTreeSet<String> = facts["rpm_packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(name_at_version)
        .collect();
    assert!(
        before.is_superset(&without_keys),
        "{before:?} {without_keys:?}"
    );
    let gone: BTreeSet<&String> = before.difference(&without_keys).collect();
    assert!(!gone.is_empty());
    assert_eq!(
        gone.len(),
        removed.iter().filter(|r| r.starts_with("rpm/")).count(),
        "{gone:?} vs {removed:?}"
    );
    assert_sbom_exact(&src, &out, &root);
}

/// A Berkeley DB `Packages` (RHEL 8 and before) is not rewritten: when one
/// of its packages remains it is kept as it was, with a note, so that
/// scanners still see the kept packages (and the removed ones: noise,
/// never a miss).
#[test]
fn an_rpm_berkeley_db_is_kept_as_it_was_with_a_note() {
    let t = tmp();
    let src = rpm_image_with_a_program(t.path(), "rpm-bdb");
    let out = t.path().join("slim");
    let report = slim(&src, &out);
    let removed = report["packagesRemoved"].to_string();
    assert!(removed.contains("rpm/pare-libfoo@"), "{removed}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("/var/lib/rpm/Packages") && notes.contains("not a Berkeley DB"),
        "{notes}"
    );
    let listed: Vec<String> = sbom(&out).iter().map(key).collect();
    assert!(listed.iter().any(|k| k.contains("pare-app@")), "{listed:?}");
    assert!(
        listed.iter().any(|k| k.contains("pare-libfoo@")),
        "{listed:?}"
    );
}
