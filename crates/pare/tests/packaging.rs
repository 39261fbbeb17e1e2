//! Packaging: what users install and run pare through.
//!
//! - `pare completions` and `pare man`: the bash script parses (`bash -n`) and completes;
//!   every man page renders with `groff` without a warning and lists every flag of its command.
//! - The GitHub Action (`action.yml`): its steps' scripts (`scripts/action/install.sh`,
//!   `run.sh`) run here with a fake GitHub environment (`GITHUB_OUTPUT`, `GITHUB_PATH`,
//!   `RUNNER_TEMP`), no network: the command line they build, the exit codes they map, the files
//!   and step outputs they write; on the fleet's python-app, end to end.
//! - The pre-commit hooks (`.pre-commit-hooks.yaml`): the real `pre-commit` (PyPI, in the peers
//!   venv that `.ci/run` installs) runs them with `try-repo` on a scratch git repository.

mod support;
use support::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pare_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pare"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A tool on PATH, or a failure naming how to get it.
fn tool(name: &str, how: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: {how}"))
}

fn peers() -> PathBuf {
    std::env::var("PARE_PEERS").map_or_else(|_| PathBuf::from("/opt/pare-peers/bin"), PathBuf::from)
}

// ---------------------------------------------------------------- completions and man pages

/// The commands users see (not `help`), from `pare --help`.
fn visible_commands() -> Vec<String> {
    let o = pare(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let mut in_cmds = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("Commands:") {
            in_cmds = true;
            continue;
        }
        if in_cmds {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or_default();
            // continuation lines of a long description are indented further
            if line.starts_with("  ") && !line.starts_with("   ") && name != "help" {
                out.push(name.to_owned());
            }
        }
    }
    assert!(out.len() >= 8, "{text}");
    out
}

/// The long flags in `pare ARGS --help` (first token of each option line).
fn long_flags(args: &[&str]) -> BTreeSet<String> {
    let mut a = args.to_vec();
    a.push("--help");
    let o = pare(&a);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let t = l.trim_start();
            // `-o, --output <FILE>`: skip the short form
            let b = t.as_bytes();
            let t = if b.len() > 4 && b[0] == b'-' && b[1] != b'-' && &b[2..4] == b", " {
                &t[4..]
            } else {
                t
            };
            let flag = t.split([' ', '=']).next()?;
            (flag.starts_with("--") && flag.len() > 2).then(|| flag.to_owned())
        })
        .collect()
}

#[test]
fn bash_completion_parses_and_completes_commands_and_flags() {
    let bash = tool("bash", "apt-get install bash");
    let o = pare(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = tmp();
    let script = t.path().join("pare.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let n = Command::new(&bash).arg("-n").arg(&script).output().unwrap();
    assert!(n.status.success(), "bash -n: {}", stderr(&n));
    // Source it and ask the completion function, as bash does on <Tab>.
    let probe = format!(
        r#"source {s}
complete -p pare
ask() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=()
  _pare pare "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; echo "$*=> ${{COMPREPLY[*]}}"; }}
ask pare ins
ask pare ""
ask pare gate --ign
ask pare db ""
ask pare completions ""
"#,
        s = script.display()
    );
    let o = Command::new(&bash).arg("-c").arg(&probe).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("-F _pare pare"), "{out}");
    assert_eq!(lines[1], "pare ins=> inspect", "{out}");
    for c in visible_commands() {
        assert!(
            lines[2].split_whitespace().any(|w| w == c),
            "`{c}` not offered: {out}"
        );
    }
    assert_eq!(lines[3], "pare gate --ign=> --ignore-file", "{out}");
    for sub in ["import", "update", "status"] {
        assert!(lines[4].split_whitespace().any(|w| w == sub), "{out}");
    }
    for sh in ["bash", "zsh", "fish"] {
        assert!(lines[5].split_whitespace().any(|w| w == sh), "{out}");
    }
}

#[test]
fn zsh_and_fish_completions_name_every_command() {
    // zsh and fish are not installed here: check what they would load.
    let zsh = pare(&["completions", "zsh"]);
    assert_eq!(zsh.status.code(), Some(0));
    let zsh = stdout(&zsh);
    assert!(zsh.starts_with("#compdef pare\n"), "{}", &zsh[..80]);
    let fish = pare(&["completions", "fish"]);
    assert_eq!(fish.status.code(), Some(0));
    let fish = stdout(&fish);
    for c in visible_commands() {
        assert!(zsh.contains(&format!("'{c}:")), "zsh lacks `{c}`");
        assert!(fish.contains(&format!("-a \"{c}\"")), "fish lacks `{c}`");
    }
    assert!(zsh.contains("--ignore-file"), "zsh lacks gate's flags");
    assert!(fish.contains("-l ignore-file"), "fish lacks gate's flags");
    let bad = pare(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn man_pages_render_cleanly_and_list_every_flag() {
    let groff = tool("groff", "apt-get install groff-base");
    let t = tmp();
    let dir = t.path().join("man");
    let o = pare(&["man", "--dir", &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    // one page per command and per `db` subcommand, none for `help`
    let mut want: Vec<String> = vec!["pare.1".into()];
    for c in visible_commands() {
        want.push(format!("pare-{c}.1"));
    }
    for sub in ["import", "update", "status"] {
        want.push(format!("pare-db-{sub}.1"));
    }
    want.sort();
    assert_eq!(pages, want);
    for page in &pages {
        let path = dir.join(page);
        // -k: UTF-8 input (preconv), -ww: every warning, -Wbreak: but not "cannot adjust line"
        // (long JSON examples in flag help cannot be justified at 80 columns); -P-cbu: plain
        // text, no bold or underline overstriking
        let r = Command::new(&groff)
            .args(["-k", "-man", "-Tutf8", "-ww", "-Wbreak", "-P-cbu"])
            .arg(&path)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        assert!(r.status.success(), "{page}: {}", stderr(&r));
        assert_eq!(stderr(&r), "", "{page}: groff warned");
        let text = stdout(&r);
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"] {
            assert!(text.contains(section), "{page}: no {section}:\n{text}");
        }
        let cmd: Vec<&str> = page.trim_end_matches(".1").split('-').skip(1).collect();
        for flag in long_flags(&cmd) {
            assert!(
                text.contains(&flag),
                "{page} does not list `{flag}`:\n{text}"
            );
        }
    }
    // `pare man` alone prints the top page, naming each command's page
    let o = pare(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let roff = stdout(&o);
    assert!(roff.contains(".TH pare 1"), "{roff}");
    assert!(roff.contains("pare\\-gate(1)"), "{roff}");
    // a folder that cannot be made is a one-line error naming it
    let file = t.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = pare(&["man", "--dir", &path_str(&file.join("sub"))]);
    assert_one_line_error(&o, "file/sub", "cannot create");
}

// ---------------------------------------------------------------- the GitHub Action

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

// ---------------------------------------------------------------- pre-commit

/// A git repository in `dir` holding `files`, committed.
fn git_repo(dir: &Path, files: &[(&str, &[u8])]) {
    let git = tool("git", "apt-get install git");
    std::fs::create_dir_all(dir).unwrap();
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
    }
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=pare",
            "-c",
            "user.email=pare@invalid",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "init",
        ],
    ] {
        let o = Command::new(&git)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    }
}

/// `pre-commit try-repo HOOKS HOOK --all-files` in `project`, with the built pare on PATH.
fn try_repo(hooks: &Path, project: &Path, hook: &str, home: &Path) -> Output {
    let pc = peers().join("pre-commit");
    assert!(
        pc.is_file(),
        "{} missing: `bash .ci/run` installs it (or {}/pip install pre-commit)",
        pc.display(),
        peers().display()
    );
    let path = format!(
        "{}:{}",
        pare_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(pc)
        .args([
            "try-repo",
            &path_str(hooks),
            hook,
            "--all-files",
            "--verbose",
        ])
        .current_dir(project)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .expect("run pre-commit")
}

/// The hook repository: this repository's `.pre-commit-hooks.yaml` and the script it names,
/// committed in a scratch repository (try-repo reads committed files only).
fn hook_repo(dir: &Path) {
    let hooks = std::fs::read(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let script = std::fs::read(repo().join("scripts/pre-commit/pare-hook.sh")).unwrap();
    git_repo(
        dir,
        &[
            (".pre-commit-hooks.yaml", &hooks),
            ("scripts/pre-commit/pare-hook.sh", &script),
        ],
    );
    let o = Command::new("chmod")
        .arg("+x")
        .arg(dir.join("scripts/pre-commit/pare-hook.sh"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let git = tool("git", "apt-get install git");
    let o = Command::new(git)
        .args([
            "-c",
            "user.name=pare",
            "-c",
            "user.email=pare@invalid",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-qam",
            "exec bit",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

const BAD_DOCKERFILE: &[u8] = b"FROM debian\nRUN apt-get install -y curl\n";
const POD: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n";

#[test]
fn pre_commit_hooks_lint_and_fix_only_dockerfiles_and_manifests() {
    let t = tmp();
    let hooks = t.path().join("hooks");
    hook_repo(&hooks);
    let home = t.path().join("home");
    let project = t.path().join("project");
    let names = [
        "Dockerfile",
        "Containerfile",
        "docker/Dockerfile.prod",
        "build/app.dockerfile",
        "build/Worker.Containerfile",
    ];
    let mut files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, BAD_DOCKERFILE)).collect();
    files.extend([
        ("k8s/pod.yaml", POD),
        ("k8s/pod2.yml", POD),
        // not pare's: a workflow, a compose file, the pre-commit config itself, a
        // BuildKit ignore file, prose that starts like a Dockerfile
        (
            ".github/workflows/ci.yml",
            b"name: ci\non: push\njobs: {}\n".as_slice(),
        ),
        ("compose.yaml", b"services:\n  web:\n    image: nginx\n"),
        (".pre-commit-config.yaml", b"repos: []\n"),
        ("Dockerfile.dockerignore", b"target\n"),
        ("NOTES.md", b"FROM here on\n"),
    ]);
    git_repo(&project, &files);

    let o = try_repo(&hooks, &project, "pare-lint", &home);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("pare lint") && out.contains("Failed"), "{out}");
    for n in names {
        assert!(
            out.contains(&format!("{n}:2:5: DF011")),
            "{n} not linted:\n{out}"
        );
    }
    for n in ["k8s/pod.yaml", "k8s/pod2.yml"] {
        assert!(
            out.contains(&format!("{n}:8:12: K8S013")),
            "{n} not linted:\n{out}"
        );
    }
    for n in [
        "ci.yml",
        "compose.yaml",
        ".pre-commit-config.yaml",
        "dockerignore",
        "NOTES.md",
        "error:",
    ] {
        assert!(!out.contains(n), "`{n}` should not reach pare:\n{out}");
    }

    // pare-fix rewrites the files (safe fixes only) and fails, as pre-commit hooks that
    // change files do; afterwards pare-fix has nothing left to change but findings remain
    let o = try_repo(&hooks, &project, "pare-fix", &home);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("files were modified by this hook"), "{out}");
    for n in names {
        let text = std::fs::read_to_string(project.join(n)).unwrap();
        assert!(
            text.contains("apt-get install --no-install-recommends -y curl"),
            "{n}: {text}"
        );
    }
    let untouched = std::fs::read(project.join("compose.yaml")).unwrap();
    assert_eq!(untouched, b"services:\n  web:\n    image: nginx\n");

    // a repository with nothing of pare's passes (the hook is skipped or finds nothing)
    let clean = t.path().join("clean");
    git_repo(
        &clean,
        &[("compose.yaml", b"services: {}\n"), ("README.md", b"hi\n")],
    );
    let o = try_repo(&hooks, &clean, "pare-lint", &home);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn pre_commit_hook_without_pare_on_path_says_how_to_get_it() {
    let sh = tool("sh", "apt-get install dash");
    let t = tmp();
    std::fs::write(t.path().join("Dockerfile"), BAD_DOCKERFILE).unwrap();
    let o = Command::new(sh)
        .arg(repo().join("scripts/pre-commit/pare-hook.sh"))
        .args(["lint", "Dockerfile"])
        .current_dir(t.path())
        .env("PATH", "/usr/bin:/bin")
        .env("PARE", "pare-not-installed")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`pare-not-installed` not found on PATH"),
        "{}",
        stderr(&o)
    );
}
