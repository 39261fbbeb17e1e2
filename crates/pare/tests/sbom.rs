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
