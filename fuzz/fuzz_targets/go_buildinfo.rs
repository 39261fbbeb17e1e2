#![no_main]
//! Go build-info extraction from (possibly ELF) bytes: never panics, bounded.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(pare_catalog::go_binary::Extracted::Ok { modinfo, .. }) =
        pare_catalog::go_binary::extract(data)
    {
        let _ = pare_catalog::go_binary::modules(&modinfo);
    }
});
