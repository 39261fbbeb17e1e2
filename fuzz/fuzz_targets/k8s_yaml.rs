//! Kubernetes YAML: parsing, linting and fixing must never panic, and fixes
//! applied to any input must leave text that still parses; image references
//! (`pare pin`) must name bytes of the input; `pare fix --image`'s mounts
//! likewise leave text that parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_findings::{apply_edits, LintOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let _ = pare_k8s::yaml::parse(src);
    if let Ok(refs) = pare_k8s::refs::image_refs("fuzz.yaml", src) {
        for r in refs {
            assert!(src.get(r.span.start..r.span.end).is_some());
            if let Some(d) = r.digest_span {
                assert!(r.span.start <= d.start && d.end <= r.span.end);
            }
        }
    }
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    if let Ok(out) = pare_k8s::lint("fuzz.yaml", src, &opts) {
        let fixes: Vec<_> = out.diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
        if !fixes.is_empty() {
            let fixed = apply_edits(src, &fixes);
            assert!(
                pare_k8s::lint("fuzz.yaml", &fixed.text, &opts).is_ok(),
                "fixed text does not parse:\n{}",
                fixed.text
            );
        }
    }
    // `pare fix --image`'s mounts: applied, the text still parses.
    let dirs = ["/tmp".to_string(), "/var/cache/app".to_string()];
    if let Ok(fixes) = pare_k8s::mounts::fixes("fuzz.yaml", src, &dirs) {
        if !fixes.is_empty() {
            let refs: Vec<_> = fixes.iter().collect();
            let fixed = apply_edits(src, &refs);
            assert!(
                pare_k8s::parse_lenient(&fixed.text).is_ok(),
                "mounted text does not parse:\n{}",
                fixed.text
            );
        }
    }
});
