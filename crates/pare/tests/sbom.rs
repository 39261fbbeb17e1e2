//! `pare sbom` on small fixture trees: formats validate against their
//! official schemas, output is deterministic, bad files are warnings with
//! exit code 2 and the rest of the SBOM is still produced.

mod sbom_support;
mod support;

use sbom_support::validate;
use std::path::Path;
use support::{pare, stderr};

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pare_catalog/resources/test/fixtures")
        .join(rel);
    assert!(p.is_dir(), "missing fixture {}", p.display());
    format!("dir:{}", p.display())
}

#[test]
fn bad_package_json_is_a_warning_and_exit_2() {
    let o = pare(&["sbom", &fixture("npm/app"), "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/app/node_modules/bad/package.json: not JSON"),
        "{err}"
    );
    assert!(err.contains("incomplete"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"express") && names.contains(&"jest"),
        "{names:?}"
    );
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn truncated_metadata_and_malformed_status_are_warnings() {
    let o = pare(&["sbom", &fixture("python/site")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("broken-1.0.dist-info/METADATA"),
        "{}",
        stderr(&o)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("psycopg2-binary"));
    let o = pare(&["sbom", &fixture("dpkg/malformed")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/var/lib/dpkg/status: line 5"),
        "{}",
        stderr(&o)
    );
    let o = pare(&["sbom", &fixture("dpkg/status")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty());
}

/// A truncated header blob in `rpmdb.sqlite` and a truncated Berkeley DB
/// `Packages`: a warning naming each file, exit 2, and the other packages.
#[test]
fn malformed_rpm_databases_are_warnings_and_exit_2() {
    let o = pare(&["sbom", &fixture("rpm/malformed"), "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/var/lib/rpm/rpmdb.sqlite: package 2: header truncated"),
        "{err}"
    );
    assert!(err.contains("/usr/lib/sysimage/rpm/Packages: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pare-hello", "pare-meta", "pare-release"]);
    let o = pare(&["sbom", &fixture("rpm/bdb")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn cyclonedx_and_spdx_validate_and_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture_rel, fmt, kind) in [
        ("npm/app", "cyclonedx-json", "cyclonedx"),
        ("dpkg/status", "cyclonedx-json", "cyclonedx"),
        ("python/site", "spdx-json", "spdx"),
        ("dpkg/status-d", "spdx-json", "spdx"),
    ] {
        let img = fixture(fixture_rel);
        let out = dir
            .path()
            .join(format!("{}.{fmt}.json", fixture_rel.replace('/', "-")));
        let o = pare(&[
            "sbom",
            &img,
            "--format",
            fmt,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(o.stdout.is_empty(), "--output leaves stdout empty");
        assert!(matches!(o.status.code(), Some(0 | 2)), "{}", stderr(&o));
        validate(kind, &out);
        let again = pare(&["sbom", &img, "--format", fmt]);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            again.stdout,
            "{fixture_rel} {fmt}: output differs between runs"
        );
        assert!(!String::from_utf8_lossy(&again.stdout).contains("timestamp"));
    }
    let o = pare(&[
        "sbom",
        &fixture("dpkg/status"),
        "--format",
        "cyclonedx-json",
        "--timestamp",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("\"timestamp\": \"20"),
        "--timestamp records the time"
    );
}

/// A distroless `status.d` with maintainer scripts, file lists and
/// conffiles beside the records, a paragraph without `Package` and a
/// package without `Version`: the odd paragraphs are notes on stderr (as
/// warnings), in the JSON under `notes`, and the SBOM is complete (exit 0).
#[test]
fn status_d_notes_do_not_make_the_sbom_incomplete() {
    let o = pare(&[
        "sbom",
        &fixture("dpkg/status-d-scripts"),
        "--format",
        "json",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("incomplete"), "{err}");
    assert!(
        err.contains(
            "warning: /var/lib/dpkg/status.d/mutt: line 1: package `mutt` has no `Version`"
        ),
        "{err}"
    );
    assert!(
        err.contains("/var/lib/dpkg/status.d/zlib1g: line 1: paragraph without `Package`"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0);
    assert_eq!(v["notes"].as_array().unwrap().len(), 2);
    let names: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["libpam-runtime", "mutt", "zlib1g"]);
}

/// The incomplete message counts files, not warnings: two bad paragraphs
/// in one status file are one file that could not be read.
#[test]
fn incomplete_message_counts_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("var/lib/dpkg");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(
        db.join("status"),
        "Package: a\nStatus: install ok installed\nVersion: 1\n\nno colon here\nPackage: b\n\n continuation first\nPackage: c\n",
    )
    .unwrap();
    let o = pare(&["sbom", &format!("dir:{}", dir.path().display())]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.matches("/var/lib/dpkg/status: line").count(),
        2,
        "{err}"
    );
    assert!(
        err.contains("the SBOM is incomplete: 1 file(s) could not be read"),
        "{err}"
    );
}

/// Licenses from `/usr/share/doc/*/copyright` (Debian 12 files, the
/// `libgcc-s1` doc directory a symlink to `gcc-12-base`'s as in Debian)
/// land in CycloneDX as SPDX ids or names and in SPDX as
/// `licenseDeclared` with `LicenseRef-`s defined in
/// `hasExtractedLicensingInfos`; both validate.
#[test]
fn debian_licenses_in_cyclonedx_and_spdx() {
    let dir = tempfile::tempdir().unwrap();
    let cdx = dir.path().join("bom.cdx.json");
    let o = pare(&[
        "sbom",
        &fixture("dpkg/status"),
        "--format",
        "cyclonedx-json",
        "-o",
        cdx.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    validate("cyclonedx", &cdx);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    let comp = |n: &str| {
        v["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing"))
            .clone()
    };
    assert_eq!(
        comp("adduser")["licenses"],
        serde_json::json!([{"license": {"id": "GPL-2.0-or-later"}}])
    );
    let gcc = comp("libgcc-s1")["licenses"].to_string();
    assert!(
        gcc.contains(r#"{"license":{"id":"GPL-3.0-only"}}"#)
            && gcc.contains(r#"{"license":{"name":"Artistic"}}"#),
        "{gcc}"
    );
    let spdx = dir.path().join("bom.spdx.json");
    let o = pare(&[
        "sbom",
        &fixture("dpkg/status"),
        "--format",
        "spdx-json",
        "-o",
        spdx.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    validate("spdx", &spdx);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&spdx).unwrap()).unwrap();
    let ssl = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libssl3")
        .unwrap();
    assert_eq!(
        ssl["licenseDeclared"],
        "Apache-2.0 AND LicenseRef-Artistic AND GPL-1.0-or-later"
    );
    let refs: Vec<&str> = v["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["licenseId"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"LicenseRef-Artistic"), "{refs:?}");
}
