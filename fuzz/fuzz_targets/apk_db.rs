#![no_main]
//! apk installed-db parser: never panics.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::apk::parse_installed(&String::from_utf8_lossy(data));
});
