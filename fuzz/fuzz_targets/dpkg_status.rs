#![no_main]
//! dpkg status / status.d parser: never panics.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::dpkg::parse_status(&String::from_utf8_lossy(data));
});
