//! Print every Kubernetes diagnostic under the given folders as TSV
//! (`path<TAB>line<TAB>code<TAB>state`), for `scripts/agree-checkov.sh`.
//! `state` is `active` or `suppressed`; parse errors go to stderr.

use pare_findings::LintOptions;
use std::io::Write;
use std::path::PathBuf;

fn main() {
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("readable folder") {
                stack.push(e.expect("folder entry").path());
            }
        } else {
            files.push(p);
        }
    }
    files.sort();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let src = String::from_utf8_lossy(&bytes);
        let path = f.to_string_lossy();
        match pare_k8s::lint(&path, &src, &opts) {
            Ok(o) => {
                for d in &o.diagnostics {
                    writeln!(out, "{path}\t{}\t{}\tactive", d.start.line, d.code).unwrap();
                }
                for s in &o.suppressed {
                    let d = &s.diagnostic;
                    writeln!(out, "{path}\t{}\t{}\tsuppressed", d.start.line, d.code).unwrap();
                }
            }
            Err(e) => eprintln!("{e}"),
        }
    }
}
