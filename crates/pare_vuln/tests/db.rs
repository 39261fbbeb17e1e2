//! Import of real vulndb subsets and hand-verified matching cases.

use pare_findings::{Distro, Ecosystem, Package};
use pare_vuln::db;
use std::path::{Path, PathBuf};

fn vulndb() -> PathBuf {
    if let Ok(p) = std::env::var("PARE_VULNDB") {
        return PathBuf::from(p);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndb");
    for c in [here, PathBuf::from("/work/shared/vulndb")] {
        if c.is_dir() {
            return c;
        }
    }
    panic!("shared vulndb not found: set PARE_VULNDB to the shared vulndb folder");
}

fn v(rel: &str) -> PathBuf {
    let p = vulndb().join(rel);
    assert!(p.exists(), "missing fixture `{}`", p.display());
    p
}

fn pkg(eco: Ecosystem, name: &str, version: &str, source: Option<(&str, &str)>) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem: eco,
        purl: String::new(),
        source_name: source.map(|s| s.0.into()),
        source_version: source.map(|s| s.1.into()),
        arch: None,
        licenses: vec![],
        layer: None,
        locations: vec![],
        files: vec![],
        dev: false,
        cataloger: "test",
    }
}

fn distro(id: &str, version: &str) -> Distro {
    Distro {
        id: id.into(),
        version_id: Some(version.into()),
        ..Distro::default()
    }
}

fn import(inputs: &[PathBuf]) -> (tempfile::TempDir, PathBuf, db::ImportSummary) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pare.db");
    let summary = db::import(&path, inputs).unwrap();
    (dir, path, summary)
}

/// bash's CVE-2014-6271 is "fixed" in Debian 12 at 4.3-9.1, older than
/// bookworm's bash: not a finding. An older bash is affected.
#[test]
fn debian_fixed_older_than_installed_does_not_match() {
    let (_d, path, _) = import(&[v("osv-debian/CVE/2014/CVE-2014-6271.json")]);
    let db = db::open(&path).unwrap();
    let bookworm = distro("debian", "12");
    let current = pkg(
        Ecosystem::Deb,
        "bash",
        "5.2.15-2+b2",
        Some(("bash", "5.2.15-2")),
    );
    let m = pare_vuln::match_packages(&db, Some(&bookworm), &[current]).unwrap();
    assert!(m.is_empty(), "{m:?}");
    let old = pkg(Ecosystem::Deb, "bash", "4.2+dfsg-0.1", None);
    let m = pare_vuln::match_packages(&db, Some(&bookworm), &[old]).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(*m[0].ids, ["CVE-2014-6271"]);
    assert_eq!(m[0].fixed.as_deref(), Some("4.3-9.1"));
    // A release the record has no entry for is not matched.
    let m = pare_vuln::match_packages(
        &db,
        Some(&distro("debian", "99")),
        &[pkg(Ecosystem::Deb, "bash", "4.2", None)],
    )
    .unwrap();
    assert!(m.is_empty(), "{m:?}");
}

/// An open Debian issue (only `introduced: 0`) matches with no fix, and the
/// match is keyed by the source package, not the binary name.
#[test]
fn debian_open_issue_matches_by_source_package() {
    let (_d, path, _) = import(&[v("osv-debian/CVE/2005/CVE-2005-2541.json")]);
    let db = db::open(&path).unwrap();
    let p = pkg(Ecosystem::Deb, "tar", "1.34+dfsg-1.2+deb12u1", None);
    let m = pare_vuln::match_packages(&db, Some(&distro("debian", "12")), &[p]).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].fixed, None);
    assert_eq!(&*m[0].package, "tar");
    let binary = pkg(
        Ecosystem::Deb,
        "tar-scripts",
        "1.34+dfsg-1.2+deb12u1",
        Some(("tar", "1.34+dfsg-1.2+deb12u1")),
    );
    let m = pare_vuln::match_packages(&db, Some(&distro("debian", "12")), &[binary]).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(&*m[0].package, "tar");
    // No distro release: no verdict for distro packages.
    let m =
        pare_vuln::match_packages(&db, None, &[pkg(Ecosystem::Deb, "tar", "1.0", None)]).unwrap();
    assert!(m.is_empty());
}

/// A GHSA and a PYSEC record for the same flaw become one finding listing
/// both IDs; PyPI names match after PEP 503 normalisation.
#[test]
fn ghsa_and_pysec_merge() {
    let (_d, path, _) = import(&[
        v("osv-pypi/vulns/django/PYSEC-2011-1.yaml"),
        v("ghsa-pypi/2018/07/GHSA-x88j-93vc-wpmp/GHSA-x88j-93vc-wpmp.json"),
    ]);
    let db = db::open(&path).unwrap();
    let m = pare_vuln::match_packages(&db, None, &[pkg(Ecosystem::Pypi, "Django", "1.3", None)])
        .unwrap();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(*m[0].ids, ["GHSA-x88j-93vc-wpmp", "PYSEC-2011-1"]);
    assert!(m[0].aliases.contains(&"CVE-2011-4136".to_string()));
    assert_eq!(m[0].fixed.as_deref(), Some("1.3.1"));
    // The 1.2 branch (GHSA lists it too): fixed in 1.2.7.
    let m = pare_vuln::match_packages(&db, None, &[pkg(Ecosystem::Pypi, "django", "1.2.5", None)])
        .unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(*m[0].ids, ["GHSA-x88j-93vc-wpmp", "PYSEC-2011-1"]);
    assert_eq!(m[0].fixed.as_deref(), Some("1.2.7"));
    let m = pare_vuln::match_packages(&db, None, &[pkg(Ecosystem::Pypi, "django", "1.3.1", None)])
        .unwrap();
    assert!(m.is_empty());
}

/// A withdrawn record is stored, flagged, and never matches.
#[test]
fn withdrawn_never_matches() {
    let (_d, path, summary) = import(&[v("osv-go/data/osv/GO-2022-0617.json")]);
    assert_eq!(summary.withdrawn, 1);
    let status = db::status(&path).unwrap();
    assert_eq!((status.records, status.withdrawn), (1, 1));
    let db = db::open(&path).unwrap();
    let m = pare_vuln::match_packages(
        &db,
        None,
        &[pkg(Ecosystem::Go, "k8s.io/kubernetes", "v1.0.0", None)],
    )
    .unwrap();
    assert!(m.is_empty(), "{m:?}");
}

/// Alpine secdb: fixes keyed by origin package in `Alpine:v<major.minor>`.
#[test]
fn alpine_secdb_matches_by_origin_and_release() {
    let (_d, path, summary) = import(&[v("alpine-secdb-json/3.19/main.json")]);
    assert!(summary.records > 1000, "{summary:?}");
    let db = db::open(&path).unwrap();
    let alpine = distro("alpine", "3.19.1");
    let old = pkg(
        Ecosystem::Apk,
        "libcrypto3",
        "3.1.0-r0",
        Some(("openssl", "3.1.0-r0")),
    );
    let m = pare_vuln::match_packages(&db, Some(&alpine), &[old]).unwrap();
    assert!(!m.is_empty());
    for x in &m {
        assert_eq!(&*x.package, "openssl");
        let fixed = x.fixed.as_deref().expect("secdb entries always have a fix");
        assert_eq!(
            pare_vuln::version::apk::compare(fixed, "3.1.0-r0"),
            std::cmp::Ordering::Greater
        );
    }
    let new = pkg(
        Ecosystem::Apk,
        "libcrypto3",
        "99.0.0-r0",
        Some(("openssl", "99.0.0-r0")),
    );
    assert!(pare_vuln::match_packages(&db, Some(&alpine), &[new])
        .unwrap()
        .is_empty());
    let other_release = distro("alpine", "3.18.0");
    let old = pkg(Ecosystem::Apk, "openssl", "3.1.0-r0", None);
    assert!(pare_vuln::match_packages(&db, Some(&other_release), &[old])
        .unwrap()
        .is_empty());
}

/// Every file of the shared vulndb imports; only non-record documents
/// (schemas, ecosystem lists) are skipped.
#[test]
fn whole_vulndb_imports() {
    let (_d, path, summary) = import(&[vulndb()]);
    for (file, reason) in &summary.skipped {
        assert!(file.contains("/docs/"), "skipped `{file}`: {reason}");
    }
    let status = db::status(&path).unwrap();
    assert!(status.records > 10_000, "{status:?}");
    // 17 Go + 10 PyPI + 13 RustSec withdrawn records, at least.
    assert!(status.withdrawn >= 40, "{status:?}");
    for eco in [
        "Alpine",
        "Debian",
        "Go",
        "Maven",
        "PyPI",
        "crates.io",
        "npm",
    ] {
        assert!(
            status.ecosystems.get(eco).copied().unwrap_or(0) > 0,
            "no {eco} rows: {status:?}"
        );
    }
}

/// A malformed record named explicitly is an error naming the file.
#[test]
fn bad_input_is_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{\"id\": 12").unwrap();
    let err = db::import(&dir.path().join("x.db"), &[bad]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("bad.json") && !msg.contains('\n'), "{msg}");
}
