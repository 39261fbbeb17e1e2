//! The command line as users meet it, snapshotted (exit code, stdout and
//! stderr): every command's `--help`, the main errors, and terminal
//! manners (`--color`, `NO_COLOR`, `--quiet`). Also the rule registry: every
//! code and name, unique across families, and `docs/rules.md` generated
//! from the same text (`scripts/gen-docs.sh` regenerates it).
//!
//! Snapshots live in `tests/snapshots/cli__*.snap`; after an intended
//! change, rerun with `INSTA_UPDATE=always` and review the diff.

mod support;

use clap::CommandFactory;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run pare from the repository root with a fixed terminal width and no
/// colour or quiet settings inherited from the developer's shell.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pare"));
    c.args(args)
        .current_dir(repo())
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("TERM")
        .env("PARE_DB", "/nonexistent/pare-test/vuln.db");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run pare")
}

fn transcript(o: &Output) -> String {
    format!(
        "exit: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every command and subcommand's `--help`, by its path (`db import`).
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = vec![vec![]];
    walk(&pare::args::Cli::command(), &[], &mut out);
    out
}

#[test]
fn help_of_every_command() {
    let paths = command_paths();
    assert!(paths.len() > 10, "{paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = run(&args, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, transcript(&o));
    }
}

/// The main errors: one line naming the input and the cause, exit 2.
#[test]
fn errors() {
    let cases: &[(&str, &[&str])] = &[
        // A typo of a command gets clap's suggestion.
        ("unknown_command", &["inspekt", "x"]),
        // A bad flag value fails before any database or image is opened
        // (neither exists here).
        (
            "bad_severity_before_work",
            &["scan", "--severity", "critcal", "nowhere/image"],
        ),
        (
            "bad_format_before_work",
            &["sbom", "--format", "cyclonedx", "nowhere/image"],
        ),
        // An unknown source prefix says so, with the closest kind.
        ("unknown_image_kind", &["inspect", "oci-dri:/tmp/x"]),
        // A file that is not an image.
        ("text_file_not_an_image", &["inspect", "README.md"]),
        ("missing_path", &["inspect", "/nonexistent/image.tar"]),
        ("explain_unknown_rule", &["explain", "XYZ999"]),
        ("missing_db", &["scan", "examples/busybox-oci"]),
    ];
    for (name, args) in cases {
        let o = run(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", transcript(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.ends_with('\n'), "{name}: no final newline: {err:?}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        insta::assert_snapshot!(format!("error_{name}"), transcript(&o));
    }
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let args = ["inspect", "oci-dri:/tmp/x"];
    // Into a pipe: no colour by default...
    let plain = run(&args, &[]);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\x1b'));
    // ...colour when asked, even with NO_COLOR (the flag wins) ...
    for env in [&[][..], &[("NO_COLOR", "1")][..]] {
        let mut a = vec!["--color", "always"];
        a.extend(args);
        let o = run(&a, env);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("\x1b[1;31merror\x1b[0m: "), "{err:?}");
    }
    // ...and never with `--color never`, given after the command too.
    let o = run(&["inspect", "--color=never", "oci-dri:/tmp/x"], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: "), "{err:?}");
    // clap's own usage errors follow the flag too.
    let o = run(&["--color", "always", "inspekt"], &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains('\x1b'));
    let o = run(&["--color", "never", "inspekt"], &[]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains('\x1b'));
}

#[test]
fn quiet_drops_notes_not_results() {
    let t = support::tmp();
    let dir = t.path().join("man");
    let dir = dir.to_str().unwrap();
    let o = run(&["man", "--dir", dir], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote "));
    let o = run(&["--quiet", "man", "--dir", dir], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert!(Path::new(dir).join("pare.1").is_file());
    // Results on stdout are never quieted.
    let o = run(&["-q", "rules"], &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("DF001"));
}

/// Every rule's code and name, across families: a rename or a reused code
/// shows up here.
#[test]
fn rule_codes_and_names() {
    let mut lines = String::new();
    for g in pare::rules::all() {
        for r in &g.rules {
            assert!(r.code.starts_with(g.prefix), "{} in {}", r.code, g.prefix);
            lines.push_str(&format!("{} {}\n", r.code, r.name));
        }
    }
    insta::assert_snapshot!("rule_codes_and_names", lines);
}

#[test]
fn codes_and_names_are_unique_across_families() {
    let mut codes = std::collections::BTreeMap::new();
    let mut names = std::collections::BTreeMap::new();
    for g in pare::rules::all() {
        for r in &g.rules {
            if let Some(prev) = codes.insert(r.code, r.name) {
                panic!("code {} used by `{prev}` and `{}`", r.code, r.name);
            }
            if let Some(prev) = names.insert(r.name, r.code) {
                panic!("name `{}` used by {prev} and {}", r.name, r.code);
            }
            assert!(!r.doc.trim().is_empty(), "{} has no documentation", r.code);
            assert!(!r.summary.is_empty(), "{} has no summary", r.code);
        }
    }
}

/// `docs/rules.md` is the output of `pare rules --format markdown`.
#[test]
fn docs_rules_md_is_generated_from_the_code() {
    let page = std::fs::read_to_string(repo().join("docs/rules.md"))
        .expect("docs/rules.md missing: run scripts/gen-docs.sh");
    let o = run(&["rules", "--format", "markdown"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    assert!(
        page == String::from_utf8_lossy(&o.stdout),
        "docs/rules.md and the rules' documentation drifted apart: run scripts/gen-docs.sh"
    );
}

/// Commands are thin and independent: no command module imports another
/// (shared flags live in `args/`, shared work in `pare_pipeline`).
#[test]
fn no_command_imports_another() {
    let dir = repo().join("crates/pare/src/commands");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        seen += 1;
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains("commands::") && !line.contains("super::"),
                "{}:{}: a command imports another: {line}",
                path.display(),
                i + 1
            );
        }
    }
    assert!(seen > 10, "only {seen} command files in {}", dir.display());
}
