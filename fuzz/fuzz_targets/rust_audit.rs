#![no_main]
//! cargo-auditable .dep-v0: bounded zlib inflate and JSON parse.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(json) = pare_catalog::rust_audit::inflate(data) {
        let _ = pare_catalog::rust_audit::parse(&json);
    }
    let _ = pare_catalog::rust_audit::parse(&String::from_utf8_lossy(data));
});
