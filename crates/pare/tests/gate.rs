//! `pare gate`: policy, ignores, VEX, base/app attribution and
//! reachability, end to end on the real fleet (python-app: Flask, requests,
//! psycopg2-binary and Pillow 10.1.0 — a fixable critical — installed in an
//! app layer over Debian's python3 and `login`), plus config errors and the
//! incomplete-scan rule on small synthetic images.

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Run `pare gate` in `dir` (so that `pare.toml` discovery starts there).
fn gate_in(dir: &Path, args: &[&str]) -> Output {
    let db = path_str(db());
    let mut all = vec!["gate", "--db", db.as_str()];
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

#[test]
fn config_errors_point_at_the_line() {
    let t = tmp();
    std::fs::write(
        t.path().join("pare.toml"),
        "[[policy.rules]]\naction = \"fail\"\nsevrity = \"high\"\n",
    )
    .unwrap();
    let o = gate_in(t.path(), &["no-such-image"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains("pare.toml:3:1: unknown field `sevrity`"),
        "{err}"
    );
    // ...and the offending line is shown under it, with a caret.
    assert!(err.contains("3 | sevrity = \"high\"\n  | ^\n"), "{err}");
    // an ignore entry without a reason is refused too
    std::fs::write(
        t.path().join("pare.toml"),
        "[[ignore]]\nid = \"CVE-1\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let o = gate_in(t.path(), &["no-such-image"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing field `reason`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn incomplete_scan_never_passes() {
    let t = tmp();
    let dir = t.path().join("img");
    broken_dpkg_image(&dir);
    let o = gate_in(t.path(), &["--format", "json", &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let r = report(&o);
    assert_eq!(r["result"], "incomplete");
    assert!(
        stderr(&o).contains("the gate cannot pass"),
        "{}",
        stderr(&o)
    );
}

#[cfg(feature = "real-images")]
mod fleet {
    use super::*;
    use std::path::PathBuf;

    /// python-app carries generated AWS credentials in its config env
    /// (planted by scripts/fleet.sh, listed in facts.json under `secrets`),
    /// which the default policy fails on. Tests about vulnerability ignores
    /// accept those two in `.pareignore.toml`, as a team would while it
    /// rotates them.
    fn accept_planted_secrets(dir: &Path) {
        std::fs::write(
            dir.join(".pareignore.toml"),
            "[[ignore]]\nid = \"SEC002\"\nreason = \"generated test credentials\"\nexpires = 2099-12-31\n\n[[ignore]]\nid = \"SEC003\"\nreason = \"generated test credentials\"\nexpires = 2099-12-31\n",
        )
        .unwrap();
    }

    fn python_app() -> String {
        let p = fleet_dir().join("python-app/oci");
        assert!(p.is_dir(), "{} missing: run scripts/fleet.sh", p.display());
        path_str(&p)
    }

    fn finding<'a>(r: &'a Value, id: &str, package: &str) -> &'a Value {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id && f["package"] == package)
            .unwrap_or_else(|| panic!("no finding {id} in {package}"))
    }

    const PILLOW_CVE: &str = "CVE-2023-50447";

    #[test]
    fn default_policy_fails_exactly_on_the_fixable_critical_in_an_app_layer() {
        let t = tmp();
        let o = gate_in(t.path(), &["--format", "json", &python_app()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(r["result"], "fail");
        let failing: Vec<&Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["decision"]["action"] == "fail")
            .collect();
        assert_eq!(failing.len(), 1, "{failing:#?}");
        let f = failing[0];
        assert_eq!(
            (f["id"].as_str(), f["package"].as_str()),
            (Some(PILLOW_CVE), Some("pillow"))
        );
        assert_eq!(f["severity"], "critical");
        assert_eq!(f["fixed"], "10.2.0");
        // python-app's history records no base boundary (no CMD after its
        // base layer, one timestamp): the split is a guess, so no layer is
        // called the base's and the finding is read as the app's
        assert_eq!(f["layerOrigin"], "unknown");
        assert_eq!(f["decision"]["rule"], "fixable-critical-in-app");
        // reachable through the import graph: app.py imports PIL
        assert_eq!(f["reachability"]["status"], "reachable");
        let chain: Vec<&str> = f["reachability"]["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(chain.first(), Some(&"/app/app.py"), "{chain:?}");
        assert!(chain.iter().any(|c| c.contains("PIL")), "{chain:?}");
        // zlib1g's critical has no fix: a warning wherever it lives
        let z = finding(&r, "CVE-2023-45853", "zlib1g");
        assert_eq!(z["layerOrigin"], "unknown");
        assert_eq!(z["decision"]["action"], "warn");
        assert_eq!(z["decision"]["rule"], "critical");
        // the attribution is explained (no --base, no annotation: history),
        // says it is a guess, and the report names that unknown
        assert_eq!(r["attribution"]["method"], "history");
        assert_eq!(r["attribution"]["guess"], true);
        assert!(r["attribution"]["evidence"]
            .as_str()
            .unwrap()
            .contains("read as the app's"));
        let kinds: Vec<&str> = r["unknowns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["unknown-layer-origin"], "{:#}", r["unknowns"]);
    }

    #[test]
    fn reachable_and_unreachable_packages_with_chains() {
        let t = tmp();
        let o = gate_in(t.path(), &["--format", "json", &python_app()]);
        let r = report(&o);
        assert_eq!(
            r["reachability"]["entrypoint"],
            serde_json::json!(["python3", "/app/app.py"])
        );
        // perl-base: nothing the entrypoint runs loads perl
        let perl = finding(&r, "CVE-2023-31484", "perl-base");
        assert_eq!(perl["reachability"]["status"], "unreachable", "{perl:#}");
        assert!(perl["reachability"]["chain"].as_array().unwrap().is_empty());
        // libexpat1: linked by the python3.11 interpreter itself
        let expat = finding(&r, "CVE-2023-52425", "libexpat1");
        assert_eq!(expat["reachability"]["status"], "reachable", "{expat:#}");
        let chain = expat["reachability"]["chain"].as_array().unwrap();
        assert!(
            chain
                .last()
                .and_then(Value::as_str)
                .is_some_and(|c| c.ends_with("(libexpat1)")),
            "{chain:?}"
        );
        // a custom policy that fails on reachable highs names the rule
        std::fs::write(
            t.path().join("pare.toml"),
            "[[policy.rules]]\nname = \"reachable-high\"\naction = \"fail\"\nseverity = \"high\"\nreachability = \"reachable\"\n",
        )
        .unwrap();
        let o = gate_in(t.path(), &["--format", "json", &python_app()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        let failing: Vec<(&str, &str)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["decision"]["action"] == "fail")
            .map(|f| (f["id"].as_str().unwrap(), f["package"].as_str().unwrap()))
            .collect();
        assert!(
            failing.contains(&("CVE-2023-52425", "libexpat1")),
            "{failing:?}"
        );
        assert!(
            !failing.iter().any(|(_, p)| *p == "perl-base"),
            "{failing:?}"
        );
        assert!(r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["decision"]["action"] == "fail")
            .all(|f| f["decision"]["rule"] == "reachable-high"));
    }

    #[test]
    fn base_layers_from_a_base_image_a_dockerfile_and_annotations() {
        let t = tmp();
        let slim = path_str(&fleet_dir().join("slim/oci"));
        let o = gate_in(
            t.path(),
            &["--format", "json", "--base", &slim, &python_app()],
        );
        let r = report(&o);
        assert_eq!(r["attribution"]["method"], "base-image");
        assert_eq!(r["attribution"]["baseLayers"], 1);
        // a Dockerfile whose base already holds python3 and login; its
        // steps are the last layers' history
        let df = t.path().join("Dockerfile");
        std::fs::write(
            &df,
            "FROM example.com/python:3.11-bookworm AS base\n\nFROM base\nRUN pip install flask==3.0.3 requests==2.31.0 psycopg2-binary==2.9.9 urllib3==1.26.18 pillow==10.1.0\nCOPY app.py /app/\nENTRYPOINT [\"python3\", \"/app/app.py\"]\n",
        )
        .unwrap();
        let o = gate_in(
            t.path(),
            &[
                "--format",
                "json",
                "--dockerfile",
                &path_str(&df),
                &python_app(),
            ],
        );
        let r = report(&o);
        assert_eq!(r["attribution"]["method"], "dockerfile");
        assert_eq!(r["attribution"]["baseLayers"], 2);
        assert!(r["attribution"]["evidence"]
            .as_str()
            .unwrap()
            .contains("Dockerfile:1"));
        // python3's libexpat1 now counts as base
        assert_eq!(
            finding(&r, "CVE-2023-52425", "libexpat1")["layerOrigin"],
            "base"
        );
        // a Dockerfile that did not build this image is an error, not a
        // silent move of app layers into the base
        let wrong = t.path().join("Dockerfile.wrong");
        std::fs::write(
            &wrong,
            "FROM example.com/python:3.11-bookworm\nRUN pip install flask\nCOPY . /srv\n",
        )
        .unwrap();
        let o = gate_in(
            t.path(),
            &["--dockerfile", &path_str(&wrong), &python_app()],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("does not describe this image"),
            "{}",
            stderr(&o)
        );
        // annotations: a layout holding the app (annotated) and its base
        let dir = t.path().join("annotated");
        annotated_layout(
            &fleet_dir().join("python-app/oci"),
            &fleet_dir().join("slim/oci"),
            "example.com/fleet/slim:latest",
            &dir,
        );
        let o = gate_in(t.path(), &["--format", "json", &path_str(&dir)]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(
            r["attribution"]["method"], "annotation",
            "{:#}",
            r["attribution"]
        );
        assert_eq!(r["attribution"]["baseLayers"], 1);
        assert_eq!(r["attribution"]["base"], "example.com/fleet/slim:latest");
    }

    #[test]
    fn ignore_entries_expire_and_go_stale() {
        let t = tmp();
        accept_planted_secrets(t.path());
        std::fs::write(
            t.path().join("pare.toml"),
            format!(
                "[[ignore]]\nid = \"{PILLOW_CVE}\"\npackage = \"pillow\"\nreason = \"we only open our own PNGs\"\nexpires = 2026-06-30\nticket = \"SEC-7\"\n\n[[ignore]]\nid = \"CVE-1999-0001\"\nreason = \"left over\"\nexpires = 2099-01-01\n"
            ),
        )
        .unwrap();
        // before expiry: the only failing finding is suppressed, so it passes
        let o = gate_in(
            t.path(),
            &["--format", "json", "--today", "2026-06-30", &python_app()],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let r = report(&o);
        let p = finding(&r, PILLOW_CVE, "pillow");
        assert_eq!(p["decision"]["action"], "ignore");
        assert_eq!(p["decision"]["rule"], "ignore-entry");
        assert_eq!(p["decision"]["suppressedBy"]["origin"], "pare.toml:1");
        assert_eq!(p["decision"]["suppressedBy"]["ticket"], "SEC-7");
        let entries = r["ignoreEntries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{entries:#?}");
        assert_eq!(entries[0]["subject"]["kind"], "stale-ignore");
        assert_eq!(entries[0]["origin"], "pare.toml:8");
        assert_eq!(entries[0]["decision"]["action"], "warn");
        // the day after: the entry expired, is reported, and the gate fails
        let o = gate_in(
            t.path(),
            &["--format", "json", "--today", "2026-07-01", &python_app()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        assert_eq!(
            finding(&r, PILLOW_CVE, "pillow")["decision"]["action"],
            "fail"
        );
        let kinds: Vec<&str> = r["ignoreEntries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["expired-ignore", "stale-ignore"]);
        // the table says so, grouped
        let o = gate_in(t.path(), &["--today", "2026-07-01", &python_app()]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("FAIL (1)"), "{text}");
        assert!(text.contains("expired-ignore  pare.toml:1"), "{text}");
        // a policy can fail on stale entries
        std::fs::write(
            t.path().join(".pareignore.toml"),
            "[[ignore]]\nid = \"CVE-2000-0002\"\nreason = \"r\"\nexpires = 2099-01-01\n",
        )
        .unwrap();
        std::fs::write(
            t.path().join("strict.toml"),
            "[[policy.rules]]\nname = \"no-stale\"\naction = \"fail\"\nkind = \"stale-ignore\"\n",
        )
        .unwrap();
        let o = gate_in(
            t.path(),
            &["--format", "json", "--config", "strict.toml", &python_app()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = report(&o);
        let e = &r["ignoreEntries"][0];
        assert_eq!(e["origin"], ".pareignore.toml:1");
        assert_eq!(e["decision"]["rule"], "no-stale");
    }

    #[test]
    fn trivyignore_files_and_openvex_apply() {
        let t = tmp();
        accept_planted_secrets(t.path());
        std::fs::write(
            t.path().join(".trivyignore"),
            format!("# Pillow: only trusted images are decoded\n{PILLOW_CVE} exp:2099-12-31\n"),
        )
        .unwrap();
        let o = gate_in(t.path(), &["--format", "json", &python_app()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let r = report(&o);
        let s = &finding(&r, PILLOW_CVE, "pillow")["decision"]["suppressedBy"];
        assert_eq!(s["origin"], ".trivyignore:2");
        assert_eq!(s["reason"], "Pillow: only trusted images are decoded");
        std::fs::remove_file(t.path().join(".trivyignore")).unwrap();
        // .trivyignore.yaml scoped by purl (GHSA alias works too)
        std::fs::write(
            t.path().join(".trivyignore.yaml"),
            "vulnerabilities:\n  - id: GHSA-3f63-hfp8-52jq\n    purls:\n      - pkg:pypi/pillow\n    statement: accepted until the Pillow 10.2 rollout\n",
        )
        .unwrap();
        let o = gate_in(t.path(), &["--format", "json", &python_app()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::remove_file(t.path().join(".trivyignore.yaml")).unwrap();
        // OpenVEX: not_affected with a justification suppresses and shows it
        let vex = t.path().join("app.openvex.json");
        std::fs::write(
            &vex,
            format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
                   "author": "security", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
                   "statements": [{{"vulnerability": {{"name": "{PILLOW_CVE}"}},
                     "products": [{{"@id": "pkg:pypi/pillow"}}],
                     "status": "not_affected",
                     "justification": "vulnerable_code_not_in_execute_path",
                     "impact_statement": "ImageMath.eval is never called"}}]}}"#
            ),
        )
        .unwrap();
        let o = gate_in(
            t.path(),
            &["--format", "json", "--vex", &path_str(&vex), &python_app()],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let r = report(&o);
        let d = &finding(&r, PILLOW_CVE, "pillow")["decision"];
        assert_eq!(d["rule"], "vex");
        assert_eq!(d["suppressedBy"]["status"], "not_affected");
        assert_eq!(
            d["suppressedBy"]["reason"],
            "vulnerable_code_not_in_execute_path: ImageMath.eval is never called"
        );
    }

    #[test]
    fn sarif_validates_and_markdown_summarises() {
        let t = tmp();
        accept_planted_secrets(t.path());
        let sarif = t.path().join("gate.sarif");
        std::fs::write(
            t.path().join(".trivyignore"),
            "CVE-2023-45853\nCVE-1999-0001\n",
        )
        .unwrap();
        let o = gate_in(
            t.path(),
            &["--format", "sarif", "-o", &path_str(&sarif), &python_app()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let py = std::env::var("PARE_PEERS")
            .map_or_else(|_| PathBuf::from("/opt/pare-peers/bin"), PathBuf::from)
            .join("python");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate-sarif.py");
        let out = Command::new(py)
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
        let results = v["runs"][0]["results"].as_array().unwrap();
        let errors: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0]["ruleId"], PILLOW_CVE);
        let suppressed = results
            .iter()
            .find(|r| r["ruleId"] == "CVE-2023-45853")
            .expect("the ignored zlib finding is kept, suppressed");
        assert_eq!(suppressed["suppressions"][0]["kind"], "external");
        let stale = results
            .iter()
            .find(|r| r["ruleId"] == "POL002")
            .expect("stale entry result");
        assert_eq!(
            stale["locations"][0]["physicalLocation"]["region"]["startLine"],
            2
        );
        let o = gate_in(t.path(), &["--format", "markdown", &python_app()]);
        let md = String::from_utf8_lossy(&o.stdout);
        assert!(md.starts_with("## ❌ pare gate: fail"), "{md}");
        assert!(md.contains("### Failing (1)"), "{md}");
        assert!(md.contains(PILLOW_CVE), "{md}");
    }
}
