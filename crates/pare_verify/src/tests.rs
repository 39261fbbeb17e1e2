//! Checks over small synthetic indexes (no image needed).

use super::*;
use pare_findings::Severity;

#[test]
fn codes_are_unique_and_in_order() {
    let codes: Vec<&str> = CHECKS.iter().map(|c| c.meta.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted);
    for c in CHECKS {
        assert!(c.meta.code.starts_with("VFY"));
        for s in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix safety",
        ] {
            assert!(c.meta.doc.contains(s), "{} lacks {s}", c.meta.code);
        }
    }
}

#[test]
fn a_failing_finding_is_high_or_above() {
    let f = checks::run_failed::failed("exited with status 1".into(), Vec::new());
    assert!(f.fails());
    assert_eq!(f.code, "VFY011");
    let mut w = f.clone();
    w.severity = Severity::Medium;
    assert!(!w.fails());
}

#[test]
fn refused_writes_fail_only_where_the_deployment_is_read_only() {
    let lines = vec!["OSError: [Errno 30] Read-only file system: '/var/cache/app/x'".to_string()];
    let ro = checks::run_read_only::refused(lines.clone(), true);
    assert_eq!((ro.code, ro.fails()), ("VFY012", true));
    assert_eq!(ro.evidence, lines);
    assert!(
        ro.message.contains("1 line of its output"),
        "{}",
        ro.message
    );
    let rw = checks::run_read_only::refused(lines, false);
    assert_eq!((rw.severity, rw.fails()), (Severity::Medium, false));
    assert!(
        rw.message.contains("readOnlyRootFilesystem"),
        "{}",
        rw.message
    );
}
