//! `pare scan`: findings on the real fleet checked against an oracle that
//! is independent of pare's matcher (`scripts/oracle/scan_oracle.py`:
//! raw OSV files, `packaging.version`, `dpkg --compare-versions`), plus
//! formats, filters and exit codes.

mod support;
use support::*;

use serde_json::Value;

#[test]
fn missing_database_is_an_error_with_a_hint() {
    let t = tmp();
    let dir = t.path().join("img");
    one_file_layout(&dir);
    let db = t.path().join("none.db");
    let o = pare(&["scan", "--db", &path_str(&db), &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: no vulnerability database at")
            && err.contains("hint: create it with `pare db update`"),
        "{err}"
    );
}

#[test]
fn incomplete_sbom_is_never_a_pass() {
    let t = tmp();
    let dir = t.path().join("img");
    broken_dpkg_image(&dir);
    let o = pare(&[
        "scan",
        "--db",
        &path_str(db()),
        "--format",
        "json",
        &path_str(&dir),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("incomplete scan: /var/lib/dpkg/status"),
        "{}",
        stderr(&o)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["warnings"].as_array().unwrap().is_empty());
}

#[cfg(feature = "real-images")]
mod real {
    use super::*;
    use std::path::{Path, PathBuf};

    fn scan_json(image: &str, extra: &[&str]) -> (Option<i32>, Value) {
        let db = path_str(db());
        let mut args = vec!["scan", "--db", &db, "--format", "json"];
        args.extend_from_slice(extra);
        args.push(image);
        let o = pare(&args);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "scan {image}: {}",
            stderr(&o)
        );
        (
            o.status.code(),
            serde_json::from_slice(&o.stdout).expect("JSON on stdout"),
        )
    }

    fn image(name: &str) -> String {
        let d = fleet_dir().join(name);
        assert!(
            d.join("facts.json").is_file(),
            "fleet image `{name}` missing: run `scripts/fleet.sh {name}`"
        );
        path_str(&d.join("docker.tar"))
    }

    fn oracle(name: &str) -> Value {
        let py = std::env::var("PARE_PEERS")
            .map_or_else(|_| PathBuf::from("/opt/pare-peers/bin"), PathBuf::from)
            .join("python");
        assert!(py.is_file(), "`{}` missing: run `.ci/run` or `python3 -m venv /opt/pare-peers && /opt/pare-peers/bin/pip install packaging`", py.display());
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oracle/scan_oracle.py");
        let facts = fleet_dir().join(name).join("facts.json");
        let o = std::process::Command::new(py)
            .args([
                script.as_os_str(),
                shared().join("vulndb").as_os_str(),
                facts.as_os_str(),
                "12".as_ref(),
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "oracle: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).unwrap()
    }

    fn ids_of<'a>(findings: impl Iterator<Item = &'a Value>) -> std::collections::BTreeSet<String> {
        findings
            .flat_map(|f| {
                f["ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
            })
            .collect()
    }

    /// Every record the oracle matches is reported, every reported finding
    /// is backed by a record the oracle matches, and no `Debian:12` record
    /// whose fixes are all at or below the installed version is reported.
    fn agrees_with_oracle(name: &str) {
        let (code, v) = scan_json(&image(name), &[]);
        assert_eq!(code, Some(1), "{name} has known vulnerabilities");
        let o = oracle(name);
        let findings = v["findings"].as_array().unwrap();
        for eco in ["deb", "pypi"] {
            let mine: Vec<&Value> = findings.iter().filter(|f| f["ecosystem"] == eco).collect();
            let expected: std::collections::BTreeSet<String> = if eco == "deb" {
                o["debian"]["matched"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
                    .collect()
            } else {
                o["pypi"]["matched"]
                    .as_object()
                    .unwrap()
                    .values()
                    .flat_map(|a| {
                        a.as_array()
                            .unwrap()
                            .iter()
                            .map(|i| i.as_str().unwrap().to_string())
                    })
                    .collect()
            };
            let got = ids_of(mine.iter().copied());
            let missing: Vec<_> = expected.difference(&got).collect();
            assert!(
                missing.is_empty(),
                "{name}/{eco}: records the oracle matches but pare does not report: {missing:?}"
            );
            for f in &mine {
                assert!(
                    f["ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| expected.contains(i.as_str().unwrap())),
                    "{name}/{eco}: finding not backed by the oracle: {f}"
                );
            }
        }
        let reported = ids_of(findings.iter());
        let matched: std::collections::BTreeSet<&str> = o["debian"]["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        for id in o["debian"]["fixed_before_installed"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            assert!(
                matched.contains(id) || !reported.contains(id),
                "{name}: {id} is fixed at or below the installed version but reported"
            );
        }
        assert!(
            !o["debian"]["fixed_before_installed"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{name}: the oracle found no fixed record to check against"
        );
    }

    #[test]
    fn python_app_agrees_with_the_oracle() {
        agrees_with_oracle("python-app");
    }

    #[test]
    fn slim_agrees_with_the_oracle() {
        agrees_with_oracle("slim");
    }

    /// requests 2.31.0: the GHSA record and its CVE alias are one finding,
    /// in the app layer, with the fixed version.
    #[test]
    fn aliases_merge_and_app_layer_attribution() {
        let (_, v) = scan_json(&image("python-app"), &[]);
        let req: Vec<&Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["package"] == "requests")
            .collect();
        assert_eq!(req.len(), 1, "{req:?}");
        let ids = req[0]["ids"].as_array().unwrap();
        assert!(
            ids.iter().any(|i| i == "CVE-2024-35195")
                && ids.iter().any(|i| i == "GHSA-9wx4-h78v-vm56"),
            "{ids:?}"
        );
        assert_eq!(req[0]["fixed"], "2.32.0");
        assert!(
            req[0]["layer"]["index"].as_u64().unwrap() > 0,
            "requests comes from an app layer"
        );
        let zlib = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["package"] == "zlib1g")
            .expect("zlib1g finding");
        assert_eq!(
            zlib["layer"]["index"], 0,
            "zlib1g comes from the base layer"
        );
        let (_, n) = scan_json(&image("node-app"), &[]);
        let lodash = n["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["package"] == "lodash")
            .expect("lodash 4.17.20 finding");
        assert_eq!(lodash["installed"], "4.17.20");
        assert!(lodash["layer"]["index"].as_u64().unwrap() > 0);
    }

    #[test]
    fn filters_exit_codes_and_formats() {
        let img = image("python-app");
        let (_, all) = scan_json(&img, &[]);
        let (_, fixed) = scan_json(&img, &["--ignore-unfixed"]);
        let f = fixed["findings"].as_array().unwrap();
        assert!(!f.is_empty() && f.len() < all["findings"].as_array().unwrap().len());
        assert!(f.iter().all(|x| !x["fixed"].is_null()));
        let (_, hi) = scan_json(&img, &["--severity", "critical,high"]);
        assert!(hi["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["severity"] == "critical" || x["severity"] == "high"));
        let db = path_str(db());
        let o = pare(&["scan", "--db", &db, "--exit-code", "0", &img]);
        assert_eq!(o.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&o.stdout).contains("vulnerabilities in"));
        let o = pare(&["scan", "--db", &db, "--format", "markdown", &img]);
        assert!(String::from_utf8_lossy(&o.stdout).starts_with("# pare scan:"));
        // SARIF validates against the official 2.1.0 schema.
        let t = tmp();
        let sarif = t.path().join("scan.sarif");
        let o = pare(&[
            "scan",
            "--db",
            &db,
            "--format",
            "sarif",
            "-o",
            &path_str(&sarif),
            &img,
        ]);
        assert_eq!(o.status.code(), Some(1));
        let py = std::env::var("PARE_PEERS")
            .map_or_else(|_| PathBuf::from("/opt/pare-peers/bin"), PathBuf::from)
            .join("python");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate-sarif.py");
        let out = std::process::Command::new(py)
            .arg(script)
            .arg(&sarif)
            .output()
            .expect("run validate-sarif.py (needs /opt/pare-peers)");
        assert!(
            out.status.success(),
            "SARIF invalid: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
        assert_eq!(
            v["runs"][0]["results"].as_array().unwrap().len(),
            all["findings"].as_array().unwrap().len()
        );
    }
}
