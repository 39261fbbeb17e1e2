//! `pare lint` and `pare fix` on Dockerfiles, through the built binary.

use std::path::Path;
use std::process::{Command, Output};

fn pare(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pare")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const BAD: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n# keep the comment\nRUN apt-get update && apt-get install -y curl\nCMD node server.js\n";

fn tmp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Concise output, sorted, with peer codes; exit 1 on findings.
#[test]
fn lint_concise_exit_1() {
    let dir = tmp_with(&[("Dockerfile", BAD)]);
    let o = pare(&["lint", "--format", "concise", "Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "Dockerfile:1:1: DF001 [DL3002 CKV_DOCKER_3 CKV_DOCKER_8] final stage runs as root"
        ),
        "{out}"
    );
    assert!(out.contains("Dockerfile:7:1: DF015 [DL3025]"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| {
        let mut it = l.split(':');
        let _ = it.next();
        (
            it.next().unwrap().parse::<usize>().unwrap(),
            it.next().unwrap().parse::<usize>().unwrap(),
        )
    });
    assert_eq!(lines, sorted, "sorted by position");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

/// A clean file exits 0 with no output; `--select`/`--ignore` take peer codes.
#[test]
fn clean_and_select_ignore() {
    let good = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:0000000000000000000000000000000000000000000000000000000000000000\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
    let dir = tmp_with(&[("Dockerfile", good), ("bad/Dockerfile", BAD)]);
    let o = pare(&["lint", "Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).is_empty());
    let o = pare(&["lint", "--select", "DL3015", "bad"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let codes: Vec<&str> = text.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(codes, vec!["DF011"], "{}", stdout(&o));
    let o = pare(&["lint", "--ignore", "DF0", "bad"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let o = pare(&["lint", "--select", "NOPE1", "bad"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule code `NOPE1`"),
        "{}",
        stderr(&o)
    );
}

/// Folders are walked (hidden dirs and node_modules skipped); a parse error
/// is one line naming file:line:col, exit 2, other findings still printed.
#[test]
fn folder_walk_and_parse_error_exit_2() {
    let dir = tmp_with(&[
        ("svc/Dockerfile", BAD),
        ("svc/broken.Dockerfile", "FROM alpine:3.20\nFOO bar\n"),
        ("node_modules/x/Dockerfile", BAD),
        (".hidden/Dockerfile", BAD),
        ("tools/recipe", "# build recipe\nFROM alpine:3.20\nUSER 1\n"),
        ("README.md", "FROM here on\n"),
    ]);
    let o = pare(&["lint", "--format", "concise", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("svc/Dockerfile:1:1: DF001"), "{out}");
    assert!(
        out.contains("tools/recipe:2:6: DF002"),
        "detected by content: {out}"
    );
    assert!(
        !out.contains("node_modules") && !out.contains(".hidden") && !out.contains("README"),
        "{out}"
    );
    let err = stderr(&o);
    assert_eq!(
        err.trim(),
        "error: ./svc/broken.Dockerfile:2:1: unknown instruction `FOO`",
        "{err}"
    );
}

/// Inline pare and hadolint suppressions, and `.hadolint.yaml` up the tree.
#[test]
fn suppressions() {
    let src = "FROM alpine:3.20\n# pare: ignore=DF021 -- cache needed\n# hadolint ignore=DL4006\nRUN apk add curl && curl x | sh\nUSER 1\n";
    let dir = tmp_with(&[
        ("app/Dockerfile", src),
        (".hadolint.yaml", "ignored:\n  - DL3007\n"),
        ("app/b.Dockerfile", "FROM alpine:latest\nUSER 1\n"),
    ]);
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "DF021,DF020,DF003",
            "app",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "DF021,DF020,DF003",
            "--no-peer-suppressions",
            "app",
        ],
        dir.path(),
    );
    let out = stdout(&o);
    assert!(
        out.contains("DF020") && out.contains("DF003") && !out.contains("DF021"),
        "{out}"
    );
}

/// JSON has `schemaVersion`; SARIF carries ruleId and startLine; markdown a table.
#[test]
fn machine_formats() {
    let dir = tmp_with(&[("Dockerfile", BAD)]);
    let o = pare(&["lint", "--format", "json", "Dockerfile"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["diagnostics"][0]["code"], "DF001");
    assert_eq!(v["summary"]["files"], 1);
    let o = pare(&["lint", "--format", "sarif", "Dockerfile"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "DF001");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let o = pare(
        &[
            "lint",
            "--format",
            "markdown",
            "-o",
            "report.md",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("| `Dockerfile:1:1` | DF001 `root-user` |"),
        "{md}"
    );
    let o = pare(&["lint", "--format", "full", "Dockerfile"], dir.path());
    let out = stdout(&o);
    assert!(
        out.contains("error[DF001]")
            && out.contains(" --> Dockerfile:1:1")
            && !out.contains('\u{1b}'),
        "{out}"
    );
}

/// `pare fix` applies safe fixes, keeps comments, converges; `--diff`
/// writes nothing; `--unsafe` swaps the base; `--lock` pins digests.
#[test]
fn fix_safe_unsafe_diff_lock() {
    let dir = tmp_with(&[("Dockerfile", BAD)]);
    let o = pare(&["fix", "--diff", "Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("+RUN npm ci --omit=dev"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        BAD,
        "--diff writes nothing"
    );

    let o = pare(&["fix", "Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(fixed.contains("# keep the comment\n"), "{fixed}");
    assert!(fixed.contains("CMD [\"node\", \"server.js\"]"), "{fixed}");
    assert!(fixed.contains("apt-get install --no-install-recommends -y curl \\\n    && rm -rf /var/lib/apt/lists/*"), "{fixed}");
    assert!(
        fixed.contains("FROM node:20\n"),
        "unsafe base swap not applied by default: {fixed}"
    );
    // Second run: nothing left to change.
    let o = pare(&["fix", "Dockerfile"], dir.path());
    assert!(
        stderr(&o).starts_with("fixed 0 issues in 0 files"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        fixed
    );

    let o = pare(&["fix", "--unsafe", "Dockerfile"], dir.path());
    assert!(o.status.code().is_some());
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(fixed.starts_with("FROM node:20-slim\n"), "{fixed}");
    assert!(fixed.contains("USER 65532:65532\nCMD"), "{fixed}");

    let d = format!("sha256:{}", "b".repeat(64));
    std::fs::write(
        dir.path().join("lock.json"),
        format!(
            "{{\"schemaVersion\":1,\"images\":{{\"docker.io/library/node:20-slim\":\"{d}\"}}}}"
        ),
    )
    .unwrap();
    let o = pare(&["fix", "--lock", "lock.json", "Dockerfile"], dir.path());
    assert!(o.status.code().is_some());
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        fixed.starts_with(&format!("FROM node:20-slim@{d}\n")),
        "{fixed}"
    );
    std::fs::write(dir.path().join("bad.json"), "{\"schemaVersion\":1}").unwrap();
    let o = pare(&["fix", "--lock", "bad.json", "Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("lock file `bad.json`: missing `images` object"),
        "{}",
        stderr(&o)
    );
}

/// Not UTF-8 and missing files: one error line each, exit 2.
#[test]
fn unreadable_inputs() {
    let dir = tmp_with(&[]);
    std::fs::write(dir.path().join("Dockerfile"), b"FROM a\n\xff\xfe\n").unwrap();
    let o = pare(&["lint", "Dockerfile", "missing"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: `Dockerfile`: not valid UTF-8 at byte 7"),
        "{err}"
    );
    assert!(err.contains("error: `missing`: No such file"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

/// `.hadolint.yaml`: `failure-threshold` sets the exit code (findings below
/// it are still printed), `override` the severity, and an unknown key is a
/// warning naming the key and its line, printed once for many files.
#[test]
fn hadolint_config_threshold_override_and_unknown_keys() {
    let df = "FROM debian:12\nRUN curl -fsSL https://example.com | sh\nUSER 1000\n";
    let dir = tmp_with(&[
        ("a/Dockerfile", df),
        ("b/Dockerfile", df),
        (
            ".hadolint.yaml",
            "failure-threshold: error\nstrict_labels: true\n",
        ),
    ]);
    let o = pare(&["lint", "--format", "json", "a", "b"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "below the threshold: {}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("\"DF020\""),
        "still reported: {}",
        stdout(&o)
    );
    let warn = stderr(&o);
    assert_eq!(
        warn.matches("unknown key `strict_labels`").count(),
        1,
        "one warning for two files: {warn}"
    );
    assert!(warn.contains(".hadolint.yaml:2:"), "names the line: {warn}");
    // `pare fix` follows the same threshold for what is left.
    let o = pare(&["fix", "--diff", "a"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "fix below the threshold: {}",
        stderr(&o)
    );
    std::fs::write(
        dir.path().join(".hadolint.yaml"),
        "failure-threshold: error\noverride:\n  error:\n    - DL4006\n",
    )
    .unwrap();
    let o = pare(&["lint", "--format", "json", "a"], dir.path());
    assert_eq!(o.status.code(), Some(1), "raised to error: {}", stderr(&o));
    assert!(
        stdout(&o).contains("\"severity\": \"high\""),
        "{}",
        stdout(&o)
    );
    // `--no-peer-suppressions` ignores the config: every finding fails.
    std::fs::write(
        dir.path().join(".hadolint.yaml"),
        "failure-threshold: none\n",
    )
    .unwrap();
    assert_eq!(pare(&["lint", "a"], dir.path()).status.code(), Some(0));
    assert_eq!(
        pare(&["lint", "--no-peer-suppressions", "a"], dir.path())
            .status
            .code(),
        Some(1)
    );
}
