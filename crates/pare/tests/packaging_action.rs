//! Packaging, part 2: the GitHub Action (`action.yml`). Its steps' scripts
//! (`scripts/action/install.sh`, `run.sh`) run here with a fake GitHub
//! environment (`GITHUB_OUTPUT`, `GITHUB_PATH`, `RUNNER_TEMP`), no network:
//! the command line they build, the exit codes they map, the files and step
//! outputs they write; on the fleet's python-app, end to end.

mod support;
use support::packaging::*;
use support::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};

/// A fake runner: a workspace, RUNNER_TEMP, GITHUB_OUTPUT and GITHUB_PATH files.
struct Runner {
    t: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        let r = Runner { t: tmp() };
        for d in ["work", "temp"] {
            std::fs::create_dir(r.t.path().join(d)).unwrap();
        }
        r
    }
    fn work(&self) -> PathBuf {
        self.t.path().join("work")
    }
    fn temp(&self) -> PathBuf {
        self.t.path().join("temp")
    }
    fn outputs_file(&self) -> PathBuf {
        self.t.path().join("github_output")
    }
    fn path_file(&self) -> PathBuf {
        self.t.path().join("github_path")
    }
    /// Run `scripts/action/<script>` with these INPUT_* variables (names as in action.yml).
    fn run(&self, script: &str, inputs: &[(&str, &str)], extra_env: &[(&str, &str)]) -> Output {
        let _ = std::fs::remove_file(self.outputs_file());
        let mut c = Command::new(tool("bash", "apt-get install bash"));
        c.arg(repo().join("scripts/action").join(script))
            .current_dir(self.work())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.t.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.work())
            .env("GITHUB_ACTION_PATH", repo())
            .env("RUNNER_TEMP", self.temp())
            .env("GITHUB_OUTPUT", self.outputs_file())
            .env("GITHUB_PATH", self.path_file());
        for (k, v) in inputs {
            c.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
        }
        for (k, v) in extra_env {
            c.env(k, v);
        }
        c.output().expect("run the action script")
    }
    /// `run.sh` with the locally built pare.
    fn pare(&self, inputs: &[(&str, &str)]) -> Output {
        let bin = pare_bin();
        self.run("run.sh", inputs, &[("PARE", bin.to_str().unwrap())])
    }
    /// The step outputs written to GITHUB_OUTPUT.
    fn outputs(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(self.outputs_file())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// The `pare …` command line run.sh printed (`pare: running: …`), with the binary as `pare`.
fn command_line(o: &Output) -> String {
    let err = stderr(o);
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("pare: running: "))
        .unwrap_or_else(|| panic!("no command line in: {err}"));
    line.replacen(&pare_bin().display().to_string(), "pare", 1)
}

#[test]
fn action_yml_passes_every_input_the_scripts_read() {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("action.yml is YAML");
    assert_eq!(y["runs"]["using"], "composite");
    let declared: BTreeSet<String> = y["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    for want in [
        "image-ref",
        "scan-type",
        "command",
        "severity",
        "exit-code",
        "ignore-unfixed",
        "trivyignores",
        "format",
        "output",
        "sarif",
        "pare-binary",
    ] {
        assert!(declared.contains(want), "input `{want}` missing");
    }
    // every ${{ inputs.X }} names a declared input
    for part in text.split("inputs.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            declared.contains(&name),
            "action.yml uses undeclared input `{name}`"
        );
    }
    // every INPUT_* the scripts read is set by the step that runs them, and vice versa
    let steps = y["runs"]["steps"].as_sequence().unwrap();
    for (script, step_id) in [("install.sh", "install"), ("run.sh", "run")] {
        let step = steps
            .iter()
            .find(|s| s["id"] == step_id)
            .unwrap_or_else(|| panic!("no step `{step_id}`"));
        assert!(step["run"]
            .as_str()
            .unwrap()
            .contains(&format!("scripts/action/{script}")));
        let env: BTreeSet<String> = step["env"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_owned())
            .filter(|k| k.starts_with("INPUT_"))
            .collect();
        let src = std::fs::read_to_string(repo().join("scripts/action").join(script)).unwrap();
        let mut read = BTreeSet::new();
        for part in src.split("INPUT_").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if !name.is_empty() && !name.ends_with('_') {
                read.insert(format!("INPUT_{name}"));
            }
        }
        read.remove("INPUT_"); // `INPUT_$v` in a loop over names that are listed literally too
        let indirect = [
            "INPUT_CONFIG",
            "INPUT_VEX",
            "INPUT_BASE",
            "INPUT_DOCKERFILE",
        ];
        if script == "run.sh" {
            read.extend(indirect.iter().map(|s| (*s).to_owned()));
        }
        assert_eq!(
            read, env,
            "{script}: INPUT_ variables read vs passed by action.yml"
        );
    }
    // the SARIF upload runs after a failing gate too, and only when asked for
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    let cond = upload["if"].as_str().unwrap();
    assert!(
        cond.contains("always()") && cond.contains("inputs.sarif == 'true'"),
        "{cond}"
    );
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.run.outputs.sarif }}"
    );
}

#[test]
fn action_install_takes_a_path_a_release_tarball_or_builds_from_source() {
    let r = Runner::new();
    let bin = pare_bin();
    let version = stdout(&pare(&["--version"])).trim().to_owned();
    // a path to a binary
    let o = r.run("install.sh", &[("pare-binary", bin.to_str().unwrap())], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dest = r.temp().join("pare/bin/pare");
    assert_eq!(r.outputs()["pare"], dest.display().to_string());
    assert_eq!(
        std::fs::read_to_string(r.path_file()).unwrap(),
        format!("{}\n", dest.parent().unwrap().display())
    );
    let v = Command::new(&dest).arg("--version").output().unwrap();
    assert_eq!(stdout(&v).trim(), version);
    assert!(stderr(&o).contains(&version), "{}", stderr(&o));

    // a release tarball by URL (file://: no network), its sha256 checked
    let stage =
        r.t.path()
            .join("stage/pare-0.0.0-x86_64-unknown-linux-musl");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(&bin, stage.join("pare")).unwrap();
    std::fs::write(stage.join("README.md"), "readme").unwrap();
    let tgz = r.t.path().join("pare.tar.gz");
    // gzip -1: the debug binary is ~200 MB
    let tar = Command::new("tar")
        .arg("--use-compress-program=gzip -1")
        .arg("-cf")
        .arg(&tgz)
        .arg("-C")
        .arg(stage.parent().unwrap())
        .arg(stage.file_name().unwrap())
        .output()
        .unwrap();
    assert!(tar.status.success(), "{}", stderr(&tar));
    let sum = sha256(&std::fs::read(&tgz).unwrap()); // `sha256:<hex>`, as SHA256SUMS is not
    let url = format!("file://{}", tgz.display());
    tool("curl", "apt-get install curl");
    let r2 = Runner::new();
    let hex = sum.trim_start_matches("sha256:");
    let o = r2.run(
        "install.sh",
        &[("pare-binary", &url), ("pare-sha256", hex)],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dest2 = r2.temp().join("pare/bin/pare");
    assert_eq!(std::fs::read(&dest2).unwrap(), std::fs::read(&bin).unwrap());
    // a wrong sum is refused, naming the URL and both sums
    let r3 = Runner::new();
    let wrong = "0".repeat(64);
    let o = r3.run(
        "install.sh",
        &[("pare-binary", &url), ("pare-sha256", &wrong)],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&url) && err.contains(hex) && err.contains(&wrong),
        "{err}"
    );
    // the digest form `sha256:<hex>` is taken too
    let r5 = Runner::new();
    let o = r5.run(
        "install.sh",
        &[("pare-binary", &url), ("pare-sha256", &sum)],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!r3.temp().join("pare/bin/pare").exists());
    // a missing file
    let o = r3.run("install.sh", &[("pare-binary", "/nonexistent/pare")], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`/nonexistent/pare`: no such file"),
        "{}",
        stderr(&o)
    );

    // no binary given: `cargo install --locked --path <action>/crates/pare`. A real build takes
    // minutes, so a `cargo` first on PATH records its arguments and installs the built binary.
    let r4 = Runner::new();
    let shim = r4.t.path().join("shim");
    std::fs::create_dir(&shim).unwrap();
    let log = r4.t.path().join("cargo.args");
    std::fs::write(
        shim.join("cargo"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && cp '{bin}' \"$root/bin/pare\"\n",
            log = log.display(),
            bin = bin.display()
        ),
    )
    .unwrap();
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(shim.join("cargo"))
        .output()
        .unwrap();
    assert!(chmod.status.success());
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = r4.run("install.sh", &[], &[("PATH", &path)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let args = std::fs::read_to_string(&log).unwrap();
    let root = r4.temp().join("pare");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "install",
            "--locked",
            "--path",
            &format!("{}/crates/pare", repo().display()),
            "--root",
            &root.display().to_string(),
        ]
    );
    assert_eq!(
        r4.outputs()["pare"],
        root.join("bin/pare").display().to_string()
    );
}

#[test]
fn action_lint_maps_inputs_and_exit_codes() {
    let r = Runner::new();
    let w = r.work();
    std::fs::create_dir(w.join("docker")).unwrap();
    std::fs::write(
        w.join("docker/Dockerfile"),
        "FROM debian\nRUN apt-get install -y curl\n",
    )
    .unwrap();
    // trivy's scan-type config is lint; its format `table` is lint's `concise`
    let o = r.pare(&[
        ("scan-type", "config"),
        ("scan-ref", "docker"),
        ("format", "table"),
    ]);
    assert_eq!(command_line(&o), "pare lint --format concise docker");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("docker/Dockerfile:2:5: DF011"),
        "{}",
        stdout(&o)
    );
    assert_eq!(r.outputs()["exit-code"], "1");
    // exit-code 0 reports without failing; sarif: true writes pare-results.sarif
    let o = r.pare(&[
        ("command", "lint"),
        ("scan-ref", "docker"),
        ("exit-code", "0"),
        ("sarif", "true"),
    ]);
    assert_eq!(
        command_line(&o),
        "pare lint --format sarif --output pare-results.sarif docker"
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = r.outputs();
    assert_eq!(
        (out["exit-code"].as_str(), out["sarif"].as_str()),
        ("0", "pare-results.sarif")
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.join("pare-results.sarif")).unwrap()).unwrap();
    let rules: BTreeSet<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains("DF011"), "{rules:?}");
    // a clean tree passes; several scan-refs, comma-separated
    std::fs::create_dir(w.join("empty")).unwrap();
    std::fs::create_dir(w.join("empty2")).unwrap();
    let o = r.pare(&[("command", "lint"), ("scan-ref", "empty, empty2")]);
    assert_eq!(command_line(&o), "pare lint empty empty2");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(r.outputs()["exit-code"], "0");
}

#[test]
fn action_refuses_inputs_that_do_not_apply_with_one_line() {
    let r = Runner::new();
    for (inputs, says) in [
        (
            vec![("command", "lint"), ("severity", "HIGH")],
            "severity applies to gate and scan",
        ),
        (
            vec![("command", "lint"), ("trivyignores", ".trivyignore")],
            "trivyignores applies to gate",
        ),
        (
            vec![
                ("command", "scan"),
                ("image-ref", "a.tar"),
                ("base", "b.tar"),
            ],
            "base applies to gate",
        ),
        (
            vec![("command", "deploy")],
            "command `deploy` is not supported",
        ),
        (
            vec![("scan-type", "repo")],
            "scan-type `repo` is not supported",
        ),
        (
            vec![("scan-type", "config"), ("command", "gate")],
            "means `lint`",
        ),
        (vec![], "gate needs an image"),
        (
            vec![("image-ref", "a.tar"), ("input", "b.tar")],
            "give one image",
        ),
        (
            vec![("image-ref", "a.tar"), ("severity", "SEVERE")],
            "severity `severe` is not one of",
        ),
        (
            vec![("image-ref", "a.tar"), ("exit-code", "300")],
            "exit-code must be 0-255",
        ),
        (
            vec![("image-ref", "a.tar"), ("ignore-unfixed", "maybe")],
            "`ignore-unfixed` must be true or false",
        ),
        (
            vec![
                ("image-ref", "a.tar"),
                ("sarif", "true"),
                ("format", "json"),
            ],
            "sarif: true needs format sarif",
        ),
        (
            vec![
                ("image-ref", "a.tar"),
                ("severity", "HIGH"),
                ("config", "p.toml"),
            ],
            "with config, put the rules in p.toml",
        ),
    ] {
        let o = r.pare(&inputs);
        assert_eq!(o.status.code(), Some(2), "{inputs:?}: {}", stderr(&o));
        let err = stderr(&o);
        let line = err
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_default();
        assert!(
            line.contains(says),
            "{inputs:?}: expected `{says}` in: {err}"
        );
        assert!(
            err.lines().any(|l| l.starts_with("::error ")),
            "no annotation: {err}"
        );
        assert_eq!(r.outputs()["exit-code"], "2", "{inputs:?}");
        assert!(
            !err.contains("pare: running:"),
            "{inputs:?} ran pare: {err}"
        );
    }
    // a pare.toml above the working directory would be replaced by severity's policy: refused
    std::fs::write(r.work().join("pare.toml"), "[policy]\n").unwrap();
    std::fs::create_dir(r.work().join("sub")).unwrap();
    let mut c = Command::new("bash");
    c.arg(repo().join("scripts/action/run.sh"))
        .current_dir(r.work().join("sub"))
        .env("PARE", pare_bin())
        .env("RUNNER_TEMP", r.temp())
        .env("INPUT_IMAGE_REF", "a.tar")
        .env("INPUT_SEVERITY", "critical");
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("pare.toml has the gate's policy"),
        "{}",
        stderr(&o)
    );
    // pare's own error (an image that is not there) is exit 2 with pare's message
    let o = r.pare(&[("image-ref", "./missing.tar"), ("db-update", "false")]);
    assert_eq!(command_line(&o), "pare gate ./missing.tar");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.tar"), "{}", stderr(&o));
    assert_eq!(r.outputs()["exit-code"], "2");
}

#[cfg(feature = "real-images")]
mod fleet {
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    fn python_app() -> String {
        let p = fleet_dir().join("python-app/oci");
        assert!(
            p.is_dir(),
            "{} missing: run scripts/fleet.sh python-app",
            p.display()
        );
        path_str(&p)
    }

    /// Two advisories of python-app: Pillow's critical with a fix (pypi, app layer) and zlib's
    /// critical without one (Debian, base layer), imported through the action's `db-import`.
    fn advisories() -> String {
        let v = shared().join("vulndb");
        let pillow = v.join("ghsa-pypi/2024/01/GHSA-3f63-hfp8-52jq/GHSA-3f63-hfp8-52jq.json");
        let zlib = v.join("osv-debian/CVE/2023/CVE-2023-45853.json");
        for p in [&pillow, &zlib] {
            assert!(p.is_file(), "{} missing (shared/vulndb)", p.display());
        }
        format!("{},\n{}", pillow.display(), zlib.display())
    }

    fn report(path: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// (id, package, action) of every finding, sorted.
    fn decisions(r: &Value) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_owned(),
                    f["package"].as_str().unwrap().to_owned(),
                    f["decision"]["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn action_gate_on_python_app_end_to_end() {
        let r = Runner::new();
        let db = r.temp().join("db/vuln.db");
        let db_s = path_str(&db);
        let img = python_app();
        let adv = advisories();
        // the default: the gate's own policy; db-import instead of db-update; SARIF for upload
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-import", &adv),
            ("sarif", "true"),
        ]);
        assert_eq!(
            command_line(&o),
            format!("pare gate --format sarif --output pare-results.sarif {img}")
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            !err.lines()
                .any(|l| l.starts_with("pare: ") && l.ends_with(" db update")),
            "db-import should stand in for db-update: {err}"
        );
        assert!(db.is_file(), "db-import did not create {db_s}");
        let out = r.outputs();
        assert_eq!(out["exit-code"], "1");
        assert_eq!(out["sarif"], "pare-results.sarif");
        let sarif = report(&r.work().join("pare-results.sarif"));
        let errors: Vec<&str> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["level"] == "error")
            .map(|x| x["ruleId"].as_str().unwrap())
            .collect();
        // the fixable, reachable Pillow CVE, and the generated AWS
        // credentials python-app carries in its env (facts.json `secrets`)
        assert_eq!(errors, ["CVE-2023-50447", "SEC002", "SEC003"]);

        // exit-code 0: the same failing gate reports, and the step passes
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("exit-code", "0"),
            ("format", "json"),
            ("output", "gate.json"),
        ]);
        assert_eq!(
            command_line(&o),
            format!("pare gate --format json --output gate.json {img}")
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(r.outputs()["exit-code"], "0");
        assert_eq!(r.outputs()["output"], "gate.json");
        let default = report(&r.work().join("gate.json"));
        assert_eq!(default["result"], "fail");
        assert_eq!(
            decisions(&default),
            [
                ("CVE-2023-45853".into(), "zlib1g".into(), "warn".into()),
                ("CVE-2023-50447".into(), "pillow".into(), "fail".into()),
            ]
        );

        // trivyignores: a .trivyignore naming Pillow's CVE and (by Trivy's
        // secret rule IDs) the planted AWS credentials lets the gate pass
        std::fs::write(
            r.work().join("ignores.txt"),
            "CVE-2023-50447\naws-access-key-id\naws-secret-access-key\n",
        )
        .unwrap();
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("trivyignores", "ignores.txt"),
        ]);
        assert_eq!(
            command_line(&o),
            format!("pare gate --ignore-file ignores.txt {img}")
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

        // severity: CRITICAL fails on both criticals, base layer or not, fixed or not
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("severity", "CRITICAL"),
            ("format", "json"),
            ("output", "sev.json"),
        ]);
        let policy = r.temp().join("pare-action/pare.toml");
        assert_eq!(
            command_line(&o),
            format!(
                "pare gate --format json --output sev.json --config {} {img}",
                policy.display()
            )
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let sev = report(&r.work().join("sev.json"));
        assert_eq!(
            decisions(&sev),
            [
                ("CVE-2023-45853".into(), "zlib1g".into(), "fail".into()),
                ("CVE-2023-50447".into(), "pillow".into(), "fail".into()),
            ]
        );
        // ... and with ignore-unfixed, only the one with a fixed version; the working
        // directory's .trivyignore is still read (named explicitly, as pare would not see it
        // beside the generated policy)
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("severity", "critical,high"),
            ("ignore-unfixed", "true"),
            ("format", "json"),
            ("output", "fix.json"),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let toml = std::fs::read_to_string(&policy).unwrap();
        assert!(
            toml.contains("severity = [\"critical\", \"high\"]\nfix = true\n"),
            "{toml}"
        );
        assert_eq!(
            decisions(&report(&r.work().join("fix.json"))),
            [
                ("CVE-2023-45853".into(), "zlib1g".into(), "ignore".into()),
                ("CVE-2023-50447".into(), "pillow".into(), "fail".into()),
            ]
        );
        std::fs::write(r.work().join(".trivyignore"), "CVE-2023-50447\n").unwrap();
        let o = r.pare(&[
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("severity", "CRITICAL"),
            ("ignore-unfixed", "true"),
        ]);
        assert_eq!(
            command_line(&o),
            format!(
                "pare gate --config {} --ignore-file .trivyignore {img}",
                policy.display()
            )
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::remove_file(r.work().join(".trivyignore")).unwrap();

        // scan: severity, ignore-unfixed and exit-code go to pare scan itself
        let o = r.pare(&[
            ("command", "scan"),
            ("image-ref", &img),
            ("db", &db_s),
            ("db-update", "false"),
            ("severity", "CRITICAL"),
            ("ignore-unfixed", "true"),
            ("exit-code", "3"),
            ("format", "json"),
        ]);
        assert_eq!(
            command_line(&o),
            format!(
                "pare scan --format json --severity critical --ignore-unfixed --exit-code 3 {img}"
            )
        );
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert_eq!(r.outputs()["exit-code"], "3");
        let scan: Value = serde_json::from_slice(&o.stdout).unwrap();
        let ids: Vec<&str> = scan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["CVE-2023-50447"]);
    }
}
