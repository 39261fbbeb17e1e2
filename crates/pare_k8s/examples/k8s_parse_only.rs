//! Time split over the given files: YAML parsing of every document vs the
//! full lint (which parses only documents that may hold pods).
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lint_only = args.first().is_some_and(|a| a == "--lint");
    let files: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    if !lint_only {
        let t = Instant::now();
        let n: usize = files
            .iter()
            .map(|s| pare_k8s::yaml::parse(s).map_or(0, |d| d.len()))
            .sum();
        eprintln!("parse: {:?} ({n} docs)", t.elapsed());
    }
    let opts = pare_findings::LintOptions::default();
    let t = Instant::now();
    let mut d = 0;
    for _ in 0..if lint_only { 5 } else { 1 } {
        d = files
            .iter()
            .map(|s| pare_k8s::lint("x", s, &opts).map_or(0, |o| o.diagnostics.len()))
            .sum();
    }
    eprintln!("lint: {:?} ({d} diagnostics)", t.elapsed());
}
