//! `pare gate` with ignore files and VEX documents shared with other tools:
//! `.trivyignore` entries of Trivy's other scanners are skipped with one
//! note, a bad `exp:` date is an error (or, with `--lenient-ignores`, an
//! `invalid-ignore` finding), one invalid OpenVEX statement is an
//! `invalid-vex` finding while the rest of the document applies, image
//! products match by digest or by the names the statement gives, and YAML
//! VEX is refused.
//!
//! The image is a small OCI layout holding Pillow 9.5.0's metadata (a
//! hand-made `METADATA` header), which the real advisories in
//! `shared/vulndb` (GHSA-8ghj-p4vj-mr35 / CVE-2023-44271, GHSA-j7hp-h8jx-5ppr
//! / CVE-2023-4863, GHSA-56pw-mpj4-fxww) match.

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn gate_in(dir: &Path, args: &[&str]) -> Output {
    let db = path_str(db());
    let mut all = vec!["gate", "--db", db.as_str(), "--today", "2025-06-01"];
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

/// An OCI layout at `dir/img` with Pillow 9.5.0, its only ref name `name`.
fn pillow_image(dir: &Path, name: &str) -> (String, Built) {
    let img = dir.join("img");
    let meta = b"Metadata-Version: 2.1\nName: Pillow\nVersion: 9.5.0\nLicense: HPND\n".to_vec();
    let layer = Layer::new(
        &[
            E::Dir("usr/"),
            E::Dir("usr/local/"),
            E::Dir("usr/local/lib/"),
            E::Dir("usr/local/lib/python3.11/"),
            E::Dir("usr/local/lib/python3.11/site-packages/"),
            E::Dir("usr/local/lib/python3.11/site-packages/Pillow-9.5.0.dist-info/"),
            E::File(
                "usr/local/lib/python3.11/site-packages/Pillow-9.5.0.dist-info/METADATA",
                meta,
                0o644,
            ),
        ],
        Comp::Gzip,
    );
    let built = oci_layout(&img, std::slice::from_ref(&layer), &Faults::default());
    // The same layout, its index naming the image `name`.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": built.manifest_digest,
                       "size": std::fs::metadata(img.join("blobs/sha256").join(&built.manifest_digest[7..])).unwrap().len(),
                       "annotations": {"org.opencontainers.image.ref.name": name}}],
    });
    std::fs::write(img.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    (format!("oci-dir:{}", path_str(&img)), built)
}

fn entries(r: &Value) -> Vec<(String, String)> {
    r["ignoreEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["subject"]["kind"].as_str().unwrap().to_string(),
                e["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn decision_of<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ids"].as_array().unwrap().iter().any(|i| i == id))
        .unwrap_or_else(|| panic!("no finding {id}: {r}"))
        .get("decision")
        .unwrap()
}

#[test]
fn trivyignore_other_scanners_and_lenient_dates() {
    let t = tmp();
    let (img, _) = pillow_image(t.path(), "latest");
    std::fs::write(
        t.path().join(".trivyignore"),
        "# Dockerfile check\nAVD-DS-0002\nDS026\n# a secret rule\naws-access-key-id\nGPL-3.0\n\n# accepted\nCVE-2023-44271 exp:2025-13-01\nCVE-2023-4863\n",
    )
    .unwrap();
    // Strict: the bad date is an error with line and column.
    let o = gate_in(t.path(), &["--format", "json", &img]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(".trivyignore:9:16: `exp:`"), "{err}");
    // Lenient: the gate goes on; the entry is a finding and applies to nothing.
    let o = gate_in(t.path(), &["--format", "json", "--lenient-ignores", &img]);
    let err = stderr(&o);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    assert_eq!(
        err.matches("Trivy's").count(),
        1,
        "one note for the other scanners' entries: {err}"
    );
    assert!(
        // the secret rule ID is not skipped: it applies to pare's own
        // secrets of that name (none here, and it is not stale)
        err.contains("3 entries for Trivy's license, misconfiguration scanners (not run by pare) skipped: AVD-DS-0002, DS026, GPL-3.0"),
        "{err}"
    );
    let r = report(&o);
    assert_eq!(
        entries(&r),
        [("invalid-ignore".to_string(), ".trivyignore:9".to_string())],
        "no stale-ignore for other scanners' IDs"
    );
    assert_eq!(decision_of(&r, "CVE-2023-4863")["rule"], "ignore-entry");
    assert_ne!(decision_of(&r, "CVE-2023-44271")["rule"], "ignore-entry");
}

#[test]
fn vex_invalid_statement_is_skipped_and_products_name_images() {
    let t = tmp();
    let (img, built) = pillow_image(t.path(), "ghcr.io/acme/shop:1.4");
    let digest = built.manifest_digest.replace(':', "%3A");
    let vex = format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/shop-1",
  "author": "sec",
  "timestamp": "2025-05-01T00:00:00Z",
  "version": 1,
  "statements": [
    {{"vulnerability": {{"name": "CVE-2023-44271"}},
      "products": [{{"@id": "pkg:oci/shop@{digest}", "subcomponents": [{{"@id": "pkg:pypi/pillow"}}]}}],
      "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}},
    {{"vulnerability": {{"name": "CVE-2023-4863"}},
      "products": [{{"@id": "pkg:oci/shop"}}],
      "status": "not_affected", "justification": "vulnerable_code_not_present"}},
    {{"vulnerability": {{"name": "GHSA-56pw-mpj4-fxww"}},
      "products": [{{"@id": "pkg:docker/acme/shop@1.4?repository_url=ghcr.io"}}],
      "status": "not_affected"}}
  ]
}}"#
    );
    std::fs::write(t.path().join("shop.vex.json"), vex).unwrap();
    let o = gate_in(
        t.path(),
        &["--format", "json", "--vex", "shop.vex.json", &img],
    );
    let err = stderr(&o);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    let r = report(&o);
    // by digest: applies
    assert_eq!(decision_of(&r, "CVE-2023-44271")["rule"], "vex");
    // a pkg:oci product without a digest or repository names no image
    assert_ne!(decision_of(&r, "CVE-2023-4863")["rule"], "vex");
    // the invalid statement (not_affected without a justification) is a
    // finding, and does not suppress
    assert_eq!(
        entries(&r),
        [(
            "invalid-vex".to_string(),
            "shop.vex.json: statement 3".to_string()
        )]
    );
    assert_ne!(decision_of(&r, "GHSA-56pw-mpj4-fxww")["rule"], "vex");

    // pkg:docker with the image's tag, repository given: applies
    let vex = r#"{"statements":[{"vulnerability":"CVE-2023-4863",
        "products":["pkg:docker/acme/shop@1.4?repository_url=ghcr.io"],
        "status":"fixed"}]}"#;
    std::fs::write(t.path().join("tag.vex.json"), vex).unwrap();
    let o = gate_in(
        t.path(),
        &["--format", "json", "--vex", "tag.vex.json", &img],
    );
    let r = report(&o);
    assert_eq!(decision_of(&r, "CVE-2023-4863")["rule"], "vex");
    // the same tag on Docker Hub is another image
    std::fs::write(
        t.path().join("hub.vex.json"),
        vex.replace("?repository_url=ghcr.io", ""),
    )
    .unwrap();
    let o = gate_in(
        t.path(),
        &["--format", "json", "--vex", "hub.vex.json", &img],
    );
    let r = report(&o);
    assert_ne!(decision_of(&r, "CVE-2023-4863")["rule"], "vex");
}

#[test]
fn yaml_vex_is_refused_with_a_message() {
    let t = tmp();
    let (img, _) = pillow_image(t.path(), "latest");
    std::fs::write(
        t.path().join("vex.yaml"),
        "statements:\n  - vulnerability: CVE-2023-4863\n    status: fixed\n",
    )
    .unwrap();
    let o = gate_in(t.path(), &["--vex", "vex.yaml", &img]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("vex.yaml") && err.contains("JSON only"),
        "{err}"
    );
}
