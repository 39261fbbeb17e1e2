//! Dockerfile parser + every rule + every fix: no input may panic, and
//! applying the offered fixes must give text that still parses; image
//! references (`pare pin`) must name bytes of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_findings::{apply_edits, LintOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(df) = pare_dockerfile::parse("fuzz", src) {
        for r in pare_dockerfile::refs::image_refs(&df, src) {
            assert!(src.get(r.span.start..r.span.end).is_some());
            if let Some(d) = r.digest_span {
                assert!(r.span.start <= d.start && d.end <= r.span.end);
            }
        }
    }
    let opts = LintOptions::default();
    let Ok(out) = pare_dockerfile::lint_with("fuzz", src, &opts, &[]) else {
        return;
    };
    for d in &out.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= src.len());
    }
    let fixes: Vec<_> = out.diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
    let fixed = apply_edits(src, &fixes);
    let _ = pare_dockerfile::lint_with("fuzz", &fixed.text, &opts, &[]);
});
