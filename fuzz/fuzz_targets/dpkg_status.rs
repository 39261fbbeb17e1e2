#![no_main]
//! dpkg status / status.d parser and the status.d content test: never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = pare_catalog::dpkg::is_control_file(&text);
    let _ = pare_catalog::dpkg::parse_status(&text);
});
