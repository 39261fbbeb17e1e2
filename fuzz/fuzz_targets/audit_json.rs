//! `pare diff` and `pare audit --merge` read audit JSON files written
//! elsewhere: parsing never panics, and whatever parses can be merged,
//! diffed and rendered in every format without panicking (hostile sizes,
//! empty layer lists, NaN-free but huge numbers, odd strings).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(report) = pare_audit::merge::parse(text) else {
        return;
    };
    let merged = pare_audit::merge::merge(vec![report.clone(), report.clone()]);
    let d = pare_audit::diff::diff(&report, &report);
    let _ = pare_audit::render::text::diff(&d, false);
    let _ = pare_audit::render::text::audit(&report, true);
    let _ = pare_audit::render::csv::audit(&report);
    let _ = pare_audit::render::html::audit(&report);
    if let Ok(m) = merged {
        let _ = pare_audit::render::json(&m);
    }
});
