//! Lints every Dockerfile of the shared real-world corpus: each parses, or
//! fails with a one-line `path:line:col: cause` error listed (with why the
//! failure is right) in `resources/corpus-failures.txt`. Nothing panics.
//!
//! The corpus lives in `shared/corpus` beside the repository (or
//! `$PARE_CORPUS`); a missing corpus fails the test with how to get it.

use pare_findings::{LintOptions, Linter};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("PARE_CORPUS").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")),
        Some(PathBuf::from("/work/shared/corpus")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.join("dockerfiles").is_dir() {
            return c.join("dockerfiles");
        }
    }
    panic!("Dockerfile corpus not found: set PARE_CORPUS to the `shared/corpus` folder (it holds `dockerfiles/`), or check out `shared/` beside the repository");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read corpus dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n != "PROVENANCE.md") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file_parses_or_fails_as_listed() {
    let root = corpus_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    assert!(files.len() > 1500, "corpus has only {} files", files.len());
    let opts = LintOptions::default();
    let results: Vec<(String, Result<usize, String>)> = files
        .par_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(p).expect("read corpus file");
            let r = match String::from_utf8(bytes) {
                Ok(src) => {
                    let lint = std::panic::catch_unwind(|| {
                        pare_dockerfile::DockerfileLinter.lint(&rel, &src, &opts)
                    });
                    match lint {
                        Ok(Ok(out)) => Ok(out.diagnostics.len()),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err(format!("{rel}: PANIC")),
                    }
                }
                Err(_) => Err(format!("{rel}: not valid UTF-8")),
            };
            (rel, r)
        })
        .collect();
    let panics: Vec<_> = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_err_and(|e| e.ends_with("PANIC")))
        .collect();
    assert!(panics.is_empty(), "panics: {panics:?}");
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect();
    for f in &failures {
        assert!(!f.contains('\n'), "multi-line error: {f}");
    }
    // The expected list: `error<TAB>why it is right` lines; `#` comments.
    let list_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/corpus-failures.txt");
    let listed = std::fs::read_to_string(&list_path).unwrap_or_default();
    let expected: Vec<String> = listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    if std::env::var_os("PARE_UPDATE_CORPUS").is_some() {
        let body: Vec<String> = failures.iter().map(|f| format!("{f}\tTODO")).collect();
        std::fs::write(&list_path, body.join("\n") + "\n").unwrap();
    }
    assert_eq!(
        failures, expected,
        "corpus failures differ from resources/corpus-failures.txt (PARE_UPDATE_CORPUS=1 rewrites it; then explain each line)"
    );
    let findings: usize = results.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
    assert!(findings > 1000, "suspiciously few findings: {findings}");
}
