#![no_main]
//! package.json and package-lock.json parsers: never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::npm::parse_manifest(data);
    let _ = pare_catalog::npm::parse_lock(data);
});
