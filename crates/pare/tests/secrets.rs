//! `pare secrets` (issue 20), end to end: a synthetic layered image with
//! generated (never real) credentials in a live file, a file deleted by a
//! later layer, an overwritten file, env, history and labels; every
//! renderer of `secrets`, `inspect` and `gate` checked never to print one;
//! and, with `real-images`, the fleet: the `secrets` recipe reports exactly
//! what it planted, the untouched images nothing but what their facts
//! declare.

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;

// Generated for these tests: never real, never valid anywhere.
const AWS_ID: &str = "AKIAQ7PARE4TESTW6ZK2";
const AWS_SECRET: &str = "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";
const GH: &str = "ghp_PareFleet0Generated9NotReal4u7Kx2QmZ";
const PASSWORD: &str = "Pare0Fleet7Gen9NotReal";
const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjPareFleetGeneratedNotARealKey00";

/// Substrings of the planted values that no output may contain.
const PLANTED: &[&str] = &[
    "Q7PARE4TESTW6ZK2",
    "Zr8Vd2fPare",
    "PareFleet0Generated",
    PASSWORD,
    "MIIEvQIBADANBgkq",
    "GeneratedNotARealKey",
];

fn key_file() -> Vec<u8> {
    format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY}\n-----END PRIVATE KEY-----\n")
        .into_bytes()
}

/// Layer 0: a live `.env`, a key deleted by layer 1, a deploy script
/// overwritten by layer 2, and a clean file. The config carries a token in
/// ENV, a password build argument in history and a credential label.
fn planted_image(dir: &Path) {
    let env = format!("AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n");
    let l0 = Layer::new(
        &[
            E::Dir("app/"),
            E::File("app/.env", env.into_bytes(), 0o600),
            E::File(
                "app/deploy.sh",
                format!("git clone https://x:{GH}@github.com/o/r\n").into_bytes(),
                0o755,
            ),
            E::File("app/README", b"nothing to see\n".to_vec(), 0o644),
            E::Dir("build/"),
            E::File("build/server.key", key_file(), 0o600),
        ],
        Comp::Gzip,
    );
    let l1 = Layer::new(
        &[E::File("build/.wh.server.key", Vec::new(), 0o644)],
        Comp::Gzip,
    );
    let l2 = Layer::new(
        &[E::File(
            "app/deploy.sh",
            b"git clone \"$REPO\"\n".to_vec(),
            0o755,
        )],
        Comp::Zstd,
    );
    let layers = [l0, l1, l2];
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(&l.tar)).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/usr/bin", format!("GITHUB_TOKEN={GH}"), "SECRET_TOKEN=x", "DB_PASSWORD_FILE=/run/secrets/db"],
            "Cmd": ["/app/deploy.sh"],
            "Labels": {"org.opencontainers.image.title": "planted", "ci.password": PASSWORD},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [
            {"created_by": "COPY app/ build/ /"},
            {"created_by": format!("RUN |1 DB_PASSWORD={PASSWORD} /bin/sh -c rm /build/server.key")},
            {"created_by": "COPY deploy.sh /app/"},
        ],
    }))
    .unwrap();
    oci_layout(
        dir,
        &layers,
        &Faults {
            config: Some(config),
            ..Faults::default()
        },
    );
}

fn assert_redacted(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    for p in PLANTED {
        assert!(!text.contains(p), "{what} prints `{p}`:\n{text}");
    }
}

fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            let where_ = match l["kind"].as_str().unwrap() {
                "file" => format!("{}@{}", l["path"].as_str().unwrap(), l["layer"]),
                "env" | "label" => format!(
                    "{}:{}",
                    l["kind"].as_str().unwrap(),
                    l["name"].as_str().unwrap()
                ),
                _ => format!("history[{}]", l["index"]),
            };
            (
                f["code"].as_str().unwrap().to_string(),
                where_,
                l["status"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_place_a_secret_hides_in_a_layered_image() {
    let t = tmp();
    let dir = t.path().join("oci");
    planted_image(&dir);
    let o = pare(&["secrets", "--format", "json", &path_str(&dir)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "secrets found: exit 1; {}",
        stderr(&o)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        findings(&v),
        [
            s("SEC004", "env:GITHUB_TOKEN", "-"),
            s("SEC018", "history[1]", "-"),
            s("SEC019", "label:ci.password", "-"),
            s("SEC002", "/app/.env@0", "present"),
            s("SEC003", "/app/.env@0", "present"),
            s("SEC004", "/app/deploy.sh@0", "overwritten"),
            s("SEC001", "/build/server.key@0", "deleted"),
        ]
    );
    let f = &v["findings"].as_array().unwrap()[3];
    assert_eq!(f["location"]["line"], 1);
    assert_eq!(f["excerpt"], "AWS_ACCESS_KEY_ID=AKIA********");
    assert_eq!(
        v["findings"][6]["excerpt"], "-----BEGIN PRIVATE KEY----- ********",
        "a key's excerpt is its BEGIN line"
    );
    assert_redacted("secrets --format json", &o.stdout);
}

#[test]
fn no_renderer_prints_a_secret() {
    let t = tmp();
    let dir = t.path().join("oci");
    planted_image(&dir);
    let img = path_str(&dir);
    for format in ["table", "json", "sarif", "markdown"] {
        let o = pare(&["secrets", "--format", format, &img]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        assert!(!o.stdout.is_empty());
        assert_redacted(&format!("secrets --format {format}"), &o.stdout);
        assert_redacted(&format!("secrets --format {format} (stderr)"), &o.stderr);
        // -o writes the same redacted bytes
        let out = t.path().join(format!("out.{format}"));
        let o = pare(&["secrets", "--format", format, "-o", &path_str(&out), &img]);
        assert_eq!(o.status.code(), Some(1));
        assert_redacted(
            &format!("secrets -o ({format})"),
            &std::fs::read(&out).unwrap(),
        );
    }
    for format in ["table", "json", "markdown"] {
        let o = pare(&["inspect", "--format", format, &img]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert_redacted(&format!("inspect --format {format}"), &o.stdout);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("SEC001"), "inspect lists secrets: {text}");
    }
    let o = pare(&["inspect", "--no-secrets", "--format", "json", &img]);
    let v = json(&o);
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"].as_str().unwrap().starts_with("SEC")),
        "--no-secrets: no file scan"
    );
    assert_redacted("inspect --no-secrets", &o.stdout);
    // the SARIF is a valid log with a rule per code and results at the file
    let o = pare(&["secrets", "--format", "sarif", &img]);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    let key = results.iter().find(|r| r["ruleId"] == "SEC001").unwrap();
    assert_eq!(
        key["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "build/server.key"
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "SEC018"));
}

/// A directory `cfg` under `parent` holding `pare.toml` with `toml`: the
/// working directory of a gate run under that policy.
fn policy_dir(parent: &Path, toml: &str) -> std::path::PathBuf {
    let cfg = parent.join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    std::fs::write(cfg.join("pare.toml"), toml).unwrap();
    cfg
}

#[test]
fn gate_fails_on_secrets_and_an_ignore_entry_accepts_one_by_path() {
    let t = tmp();
    let dir = t.path().join("oci");
    planted_image(&dir);
    let img = path_str(&dir);
    let db = path_str(db());
    let gate = |cwd: &Path, format: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pare"))
            .args(["gate", "--db", &db, "--format", format, &img])
            .current_dir(cwd)
            .output()
            .unwrap()
    };
    let clean = t.path().join("clean");
    std::fs::create_dir(&clean).unwrap();
    for format in ["table", "json", "sarif", "markdown"] {
        let o = gate(&clean, format);
        assert_redacted(&format!("gate --format {format}"), &o.stdout);
        assert_redacted(&format!("gate --format {format} (stderr)"), &o.stderr);
    }
    let o = gate(&clean, "json");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let secrets = v["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 7);
    assert!(
        secrets.iter().all(|s| s["decision"]["action"] == "fail"),
        "{secrets:?}"
    );
    assert_ne!(v["result"], "pass");
    // Accept the deleted key (by rule and path glob, with a reason and an
    // expiry); everything else still fails.
    let cfg = policy_dir(
        t.path(),
        "[[ignore]]\nid = \"SEC001\"\npath = \"build/*.key\"\nreason = \"throwaway key of a test fixture\"\nexpires = 2099-12-31\n",
    );
    let o = gate(&cfg, "json");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let secrets = v["secrets"].as_array().unwrap();
    let key = secrets.iter().find(|s| s["code"] == "SEC001").unwrap();
    assert_eq!(key["decision"]["action"], "ignore", "{key}");
    assert!(
        key["decision"]["why"]
            .as_str()
            .unwrap()
            .contains("throwaway key"),
        "{key}"
    );
    assert_eq!(
        secrets
            .iter()
            .filter(|s| s["decision"]["action"] == "fail")
            .count(),
        6
    );
    // an expired entry accepts nothing
    std::fs::write(
        cfg.join("pare.toml"),
        "[[ignore]]\nid = \"SEC001\"\npath = \"build/*.key\"\nreason = \"throwaway\"\nexpires = 2020-01-31\n",
    )
    .unwrap();
    let o = gate(&cfg, "json");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let key = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "SEC001")
        .unwrap()
        .clone();
    assert_eq!(key["decision"]["action"], "fail", "{key}");
}

#[test]
fn a_clean_image_passes_with_exit_0() {
    let t = tmp();
    let dir = t.path().join("oci");
    one_file_layout(&dir);
    let o = pare(&["secrets", &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("no secrets found"));
    // support's default config has `SECRET_TOKEN=x`: too short to be one
    let v = json(&pare(&["secrets", "--format", "json", &path_str(&dir)]));
    assert_eq!(v["findings"], serde_json::json!([]));
}

/// A text file over the index's 10 MiB per-file cap is read as a stream,
/// in windows: a key in its last lines and one across the first window's
/// border are found with their line numbers, nothing is `unscanned`, and
/// the gate is not incomplete on its account (it fails on the secrets).
#[test]
fn a_text_file_over_the_cap_is_scanned_in_windows_to_its_end() {
    let t = tmp();
    let dir = t.path().join("oci");
    let row = b"INSERT INTO t VALUES (1);\n";
    let key = b"AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n";
    // Line 322,639 starts 8,388,588 bytes in: it crosses the first 8 MiB
    // window's end (8,388,608).
    let mut dump = row.repeat(322_638);
    dump.extend_from_slice(key);
    dump.extend_from_slice(&row.repeat(127_000));
    dump.extend_from_slice(key);
    let last_line = 322_638 + 1 + 127_000 + 1;
    let size = dump.len() as u64;
    assert!(size > 10 << 20);
    oci_layout(
        &dir,
        &[Layer::new(
            &[
                E::Dir("srv/"),
                E::File("srv/dump.sql", dump, 0o644),
                E::File("srv/small.txt", b"hello\n".to_vec(), 0o644),
            ],
            Comp::Gzip,
        )],
        &Faults::default(),
    );
    let img = path_str(&dir);
    let o = pare(&["secrets", "--format", "json", &img]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v.get("unscanned")
            .is_none_or(|u| u == &serde_json::json!([])),
        "{v}"
    );
    let lines: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{} {}",
                    f["code"].as_str().unwrap(),
                    f["location"]["path"].as_str().unwrap()
                ),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("SEC002 /srv/dump.sql".to_string(), 322_639),
            ("SEC002 /srv/dump.sql".to_string(), last_line),
        ]
    );
    assert!(!stderr(&o).contains("not scanned"), "{}", stderr(&o));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(["gate", "--db", &path_str(db()), "--format", "json", &img])
        .current_dir(t.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    // Incomplete only because the fixture has no OS, packages or
    // programs; the secrets fail it.
    let kinds: Vec<&str> = v["unknowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["no-image-content"], "{v}");
    assert_eq!(v["secrets"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["counts"]["fail"], 2, "{v}");
}

#[test]
fn rules_and_explain_list_the_sec_family() {
    let o = pare(&["rules"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for code in ["SEC001", "SEC010", "SEC016", "SEC019"] {
        assert!(text.contains(code), "{code} missing from `pare rules`");
    }
    let o = pare(&["explain", "SEC003"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("aws-secret-access-key"));
}

#[cfg(feature = "real-images")]
mod fleet {
    use super::*;
    use std::collections::BTreeSet;

    fn image(name: &str) -> (std::path::PathBuf, Value) {
        let dir = fleet_dir().join(name);
        assert!(
            dir.join("facts.json").is_file(),
            "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
            dir.display()
        );
        let facts =
            serde_json::from_slice(&std::fs::read(dir.join("facts.json")).unwrap()).unwrap();
        (dir, facts)
    }

    fn report(spec: &str) -> (i32, Value) {
        let o = pare(&["secrets", "--format", "json", spec]);
        let v = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{spec}: {e}; {}", stderr(&o)));
        (o.status.code().unwrap(), v)
    }

    /// (code, where, status) as facts.json's `secrets` lists them.
    fn reported(v: &Value) -> BTreeSet<(String, String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let l = &f["location"];
                let w = match l["kind"].as_str().unwrap() {
                    "file" => l["path"].as_str().unwrap().to_string(),
                    "env" => format!("env:{}", l["name"].as_str().unwrap()),
                    "label" => format!("label:{}", l["name"].as_str().unwrap()),
                    _ => format!("history[{}]", l["index"]),
                };
                (
                    f["code"].as_str().unwrap().to_string(),
                    w,
                    l["status"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// The recipe's own `secrets` facts, or the older images' `{path|env,
    /// kind}` entries mapped to codes.
    fn expected(facts: &Value) -> BTreeSet<(String, String, String)> {
        let kinds = [
            ("ssh-private-key", "SEC001"),
            ("aws-access-key-id", "SEC002"),
            ("aws-secret-access-key", "SEC003"),
        ];
        facts["secrets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|s| {
                if let Some(code) = s["code"].as_str() {
                    (
                        code.to_string(),
                        s["where"].as_str().unwrap().to_string(),
                        s["status"].as_str().unwrap_or("").to_string(),
                    )
                } else {
                    let kind = s["kind"].as_str().unwrap();
                    let code = kinds.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c);
                    let code = code.unwrap_or_else(|| panic!("unknown secret kind `{kind}`"));
                    match (s["path"].as_str(), s["env"].as_str()) {
                        (Some(p), _) => (code.to_string(), p.to_string(), "present".to_string()),
                        (None, Some(e)) => (code.to_string(), format!("env:{e}"), String::new()),
                        _ => panic!("secret fact without path or env: {s}"),
                    }
                }
            })
            .collect()
    }

    /// Every default fleet image: exactly the secrets its facts declare —
    /// none in the untouched Debian, Python, Node, Go, Rust, Java and RPM
    /// images (their packages' test keys and examples included).
    #[test]
    fn fleet_reports_exactly_what_was_planted() {
        for name in [
            "slim",
            "distroless",
            "layers",
            "go-distroless",
            "rust-distroless",
            "java-app",
            "python-app",
            "node-app",
            "fat",
            "rpm-app",
            "rpm-bdb",
            "python-flat",
            "extract",
            "secrets",
        ] {
            let (dir, facts) = image(name);
            let (code, v) = report(&format!("oci:{}", dir.join("oci").display()));
            let want = expected(&facts);
            assert_eq!(reported(&v), want, "{name}");
            assert_eq!(code, if want.is_empty() { 0 } else { 1 }, "{name}");
        }
    }

    #[test]
    fn secrets_recipe_is_redacted_everywhere_and_transports_agree() {
        let (dir, facts) = image("secrets");
        let planted: Vec<String> = facts["planted_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        let oci = format!("oci:{}", dir.join("oci").display());
        let check = |what: &str, out: &[u8]| {
            let text = String::from_utf8_lossy(out);
            for p in &planted {
                assert!(!text.contains(p.as_str()), "{what} prints `{p}`");
            }
        };
        for format in ["table", "json", "sarif", "markdown"] {
            let o = pare(&["secrets", "--format", format, &oci]);
            check(&format!("secrets {format}"), &o.stdout);
        }
        for format in ["table", "json", "markdown"] {
            let o = pare(&["inspect", "--format", format, &oci]);
            check(&format!("inspect {format}"), &o.stdout);
        }
        let (_, want) = report(&oci);
        for spec in [
            format!("docker-archive:{}", dir.join("docker.tar").display()),
            format!("oci-archive:{}", dir.join("oci.tar").display()),
            format!("oci:{}", dir.join("oci-zstd").display()),
        ] {
            let (_, v) = report(&spec);
            assert_eq!(v["findings"], want["findings"], "{spec}");
        }
    }
}
