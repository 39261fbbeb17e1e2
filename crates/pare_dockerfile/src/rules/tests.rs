//! Rule tests: one fixture (or a few) per rule, snapshotted with only that
//! rule enabled; registry invariants; fix availability and convergence.

use super::RULES;
use crate::parser::parse;
use pare_findings::{
    apply_edits, Applicability, Diagnostic, FixAvailability, LintOptions, RuleMeta,
};
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures")
}

/// Fixture files of a rule: `DF001.Dockerfile`, `DF001_*.Dockerfile`.
fn fixtures(code: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.strip_prefix(code)
                .is_some_and(|r| r == ".Dockerfile" || r.starts_with('_'))
        })
        .map(|n| {
            let text = std::fs::read_to_string(fixtures_dir().join(&n)).expect("read fixture");
            (n, text)
        })
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "rule {code} has no fixture: add resources/test/fixtures/{code}.Dockerfile"
    );
    out
}

fn only(rule: &RuleMeta) -> LintOptions {
    LintOptions {
        select: vec![rule.code.to_string()],
        ..LintOptions::default()
    }
}

fn run(rule: &RuleMeta, name: &str, src: &str) -> Vec<Diagnostic> {
    let df = parse(name, src).unwrap_or_else(|e| panic!("{e}"));
    let mut d = crate::check_only(&df, src, name, &only(rule));
    d.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    d
}

/// Diagnostics as text: position, code, message, fix, and the fixed file.
fn render(rule: &RuleMeta) -> String {
    let mut out = String::new();
    for (name, src) in fixtures(rule.code) {
        out.push_str(&format!("--- {name}\n"));
        let diags = run(rule, &name, &src);
        for d in &diags {
            assert_eq!(d.code, rule.code, "only the selected rule runs");
            out.push_str(&format!(
                "{}:{}: {} {}\n",
                d.start.line, d.start.col, d.code, d.message
            ));
            if let Some(f) = &d.fix {
                out.push_str(&format!("  fix ({:?}): {}\n", f.applicability, f.title));
            }
        }
        let fixes: Vec<_> = diags.iter().filter_map(|d| d.fix.as_ref()).collect();
        if !fixes.is_empty() {
            let fixed = apply_edits(&src, &fixes).text;
            out.push_str("  fixed:\n");
            for l in fixed.lines() {
                out.push_str(&format!("  | {l}\n"));
            }
        }
    }
    out
}

macro_rules! rule_tests {
    ($($name:ident => $code:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let rule = RULES.iter().find(|r| r.code == $code).expect("rule registered");
                insta::assert_snapshot!($code, render(rule));
            }
        )*

        #[test]
        fn every_rule_has_a_snapshot_test() {
            let tested = [$($code),*];
            for r in RULES {
                assert!(tested.contains(&r.code), "{} has no snapshot test in rules/tests.rs", r.code);
            }
        }
    };
}

rule_tests!(
    df001 => "DF001", df002 => "DF002", df003 => "DF003", df004 => "DF004",
    df005 => "DF005", df006 => "DF006", df007 => "DF007", df008 => "DF008",
    df009 => "DF009", df010 => "DF010", df011 => "DF011", df012 => "DF012",
    df013 => "DF013", df014 => "DF014", df015 => "DF015", df016 => "DF016",
    df017 => "DF017", df018 => "DF018", df019 => "DF019", df020 => "DF020",
    df021 => "DF021", df022 => "DF022",
);

#[test]
fn codes_and_names_are_unique_and_listed() {
    let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    let list = RULES
        .iter()
        .map(|r| format!("{} {} [{}] {:?}", r.code, r.name, r.peers.join(", "), r.fix))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("rule_codes", list);
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    names.sort_unstable();
    names.dedup();
    assert_eq!(codes.len(), n, "duplicate rule code");
    assert_eq!(names.len(), n, "duplicate rule name");
    for r in RULES {
        assert!(r.code.starts_with("DF") && r.code.len() == 5, "{}", r.code);
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.name
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## Fix safety",
            "## References",
        ] {
            assert!(r.doc.contains(section), "{} doc lacks `{section}`", r.code);
        }
        for p in r.peers {
            assert!(
                p.split_once(':')
                    .is_some_and(|(t, c)| !t.is_empty() && !c.is_empty()),
                "{p}"
            );
        }
    }
}

/// Declared fix availability matches the fixtures, and applying every fix
/// (safe and unsafe) converges: a second pass changes nothing.
#[test]
fn fixes_are_declared_and_converge() {
    for rule in RULES {
        let mut any_fix = false;
        for (name, src) in fixtures(rule.code) {
            let mut text = src.clone();
            let mut rounds = 0;
            loop {
                let diags = run(rule, &name, &text);
                let fixes: Vec<_> = diags.iter().filter_map(|d| d.fix.as_ref()).collect();
                if fixes.is_empty() {
                    break;
                }
                any_fix = true;
                assert!(
                    fixes
                        .iter()
                        .all(|f| f.applicability != Applicability::DisplayOnly),
                    "{}: display-only fix",
                    rule.code
                );
                let out = apply_edits(&text, &fixes);
                assert!(
                    out.applied > 0,
                    "{} {name}: fixes offered but none applied",
                    rule.code
                );
                assert_ne!(
                    out.text, text,
                    "{} {name}: a fix changed nothing",
                    rule.code
                );
                text = out.text;
                rounds += 1;
                assert!(
                    rounds < 5,
                    "{} {name}: fixes do not converge:\n{text}",
                    rule.code
                );
            }
            parse(&name, &text).unwrap_or_else(|e| {
                panic!(
                    "{} {name}: fixed file no longer parses: {e}\n{text}",
                    rule.code
                )
            });
        }
        match rule.fix {
            FixAvailability::None => {
                assert!(!any_fix, "{} declares no fix but offers one", rule.code)
            }
            _ => assert!(
                any_fix,
                "{} declares fixes but its fixtures get none",
                rule.code
            ),
        }
    }
}

#[test]
fn suppressions_inline_hadolint_and_config() {
    let src = "FROM ubuntu:24.04\n# pare: ignore=DF011 -- recommends needed for fonts\n# hadolint ignore=DL3009\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y jq\n# pare: ignore-file=DF010\nUSER root\n";
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    let out = crate::lint_with(
        "f",
        src,
        &opts,
        &[(vec!["DL3002".into()], ".hadolint.yaml".into())],
    )
    .unwrap();
    let active: Vec<(&str, usize)> = out
        .diagnostics
        .iter()
        .map(|d| (d.code, d.start.line))
        .collect();
    // The second RUN is not covered by the comments above the first.
    assert!(active.contains(&("DF011", 5)), "{active:?}");
    assert!(active.contains(&("DF012", 5)), "{active:?}");
    assert!(
        !active
            .iter()
            .any(|(c, l)| *l == 4 && (*c == "DF011" || *c == "DF012")),
        "{active:?}"
    );
    assert!(
        !active.iter().any(|(c, _)| *c == "DF010" || *c == "DF001"),
        "{active:?}"
    );
    let reasons: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| (s.diagnostic.code, s.source.as_str(), s.reason.as_deref()))
        .collect();
    assert!(
        reasons.contains(&("DF011", "inline", Some("recommends needed for fonts"))),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("DF001", ".hadolint.yaml", None)),
        "{reasons:?}"
    );
    // Without peer suppressions, hadolint comments are ignored.
    let opts = LintOptions::default();
    let out = crate::lint_with("f", src, &opts, &[]).unwrap();
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.code == "DF012" && d.start.line == 4));
}

#[test]
fn select_and_ignore_accept_peer_codes_and_prefixes() {
    let src = "FROM ubuntu\nRUN apt-get install -y curl\n";
    let df = parse("f", src).unwrap();
    let codes = |o: LintOptions| -> Vec<&str> {
        let mut v: Vec<_> = crate::check_only(&df, src, "f", &o)
            .iter()
            .map(|d| d.code)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    assert_eq!(
        codes(LintOptions {
            select: vec!["DL3015".into()],
            ..Default::default()
        }),
        vec!["DF011"]
    );
    assert_eq!(
        codes(LintOptions {
            select: vec!["DF00".into()],
            ignore: vec!["DF002".into(), "root-user".into()],
            ..Default::default()
        }),
        vec!["DF003"]
    );
    assert_eq!(
        codes(LintOptions {
            ignore: vec!["DF0".into()],
            ..Default::default()
        }),
        Vec::<&str>::new()
    );
}

#[test]
fn hadolint_pragmas_with_spaces_and_stage_scope() {
    let src = "# hadolint global ignore = DL3015 , DL3009\nFROM debian:12 AS build\n# hadolint stage ignore=DL4006\nRUN curl -fsSL x | sh\nRUN wget -qO- y | sh\nFROM debian:12\n# hadolint ignore = DL3002\nUSER root\nRUN curl z | sh\nRUN apt-get update && apt-get install -y curl\n";
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    let out = crate::lint_with("f", src, &opts, &[]).unwrap();
    let active: Vec<(&str, usize)> = out
        .diagnostics
        .iter()
        .map(|d| (d.code, d.start.line))
        .collect();
    // Stage ignore covers both pipes of the first stage, not the second's.
    assert!(
        !active.contains(&("DF020", 4)) && !active.contains(&("DF020", 5)),
        "{active:?}"
    );
    assert!(active.contains(&("DF020", 9)), "{active:?}");
    // `ignore = DL3002` with spaces silences the `USER root` below it.
    assert!(!active.iter().any(|(c, _)| *c == "DF001"), "{active:?}");
    // `global ignore = DL3015 , DL3009` with spaces.
    assert!(
        !active.iter().any(|(c, _)| *c == "DF011" || *c == "DF012"),
        "{active:?}"
    );
}

#[test]
fn hadolint_config_override_threshold_and_unknown_keys() {
    let src = "FROM debian:12\nRUN curl -fsSL x | sh\nUSER 1000\n";
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    let lint = |yaml: &str| {
        let cfg = crate::read_hadolint_config(yaml, ".hadolint.yaml");
        crate::lint_with_config("f", src, &opts, Some((&cfg, ".hadolint.yaml"))).unwrap()
    };
    let df020 = |o: &pare_findings::LintOutcome| {
        o.diagnostics
            .iter()
            .find(|d| d.code == "DF020")
            .map(|d| d.severity)
    };
    // Default: DF020 is low and fails the run.
    let plain = lint("");
    assert_eq!(df020(&plain), Some(pare_findings::Severity::Low));
    assert!(plain.fails());
    // `override: error: [DL4006]` raises it; a `warning` threshold then fails.
    let o = lint("override:\n  error:\n    - DL4006\nfailure-threshold: warning\n");
    assert_eq!(df020(&o), Some(pare_findings::Severity::High));
    assert!(o.fails());
    // Below the threshold: still reported, but the run passes.
    let o = lint("failure-threshold: error\n");
    assert!(df020(&o).is_some());
    assert!(!o.fails());
    let o = lint("failure-threshold: none\n");
    assert!(!o.fails());
    let o = lint("no-fail: true\n");
    assert!(!o.fails());
    // Unknown keys are warnings naming the key and its line.
    let o = lint("ignored:\n  - DL3008\nignore:\n  - DL4006\n");
    assert_eq!(o.notes.len(), 1, "{:?}", o.notes);
    assert!(
        o.notes[0].starts_with(".hadolint.yaml:3: unknown key `ignore`"),
        "{:?}",
        o.notes
    );
    assert!(
        df020(&o).is_some(),
        "a misspelt `ignore:` must not silence anything"
    );
    // `disable-ignore-pragma: true` turns inline hadolint comments off.
    let src2 = "FROM debian:12\n# hadolint ignore=DL4006\nRUN curl x | sh\nUSER 1000\n";
    let cfg = crate::read_hadolint_config("disable-ignore-pragma: true\n", "c");
    let o = crate::lint_with_config("f", src2, &opts, Some((&cfg, "c"))).unwrap();
    assert!(o.diagnostics.iter().any(|d| d.code == "DF020"));
}
