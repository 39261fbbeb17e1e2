//! Time split: YAML parsing alone vs the full lint, over the given files.
use std::time::Instant;
fn main() {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let t = Instant::now();
    let mut n = 0;
    for s in &files {
        n += pare_k8s::yaml::parse(s).map(|d| d.len()).unwrap_or(0);
    }
    eprintln!("parse: {:?} ({n} docs)", t.elapsed());
    let t = Instant::now();
    let opts = pare_findings::LintOptions::default();
    let mut d = 0;
    for s in &files {
        d += pare_k8s::lint("x", s, &opts)
            .map(|o| o.diagnostics.len())
            .unwrap_or(0);
    }
    eprintln!("lint: {:?} ({d} diagnostics)", t.elapsed());
}
