#![no_main]
//! rpm header blob parser: never panics, never reads out of bounds.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::rpm_header::parse_header(data);
});
