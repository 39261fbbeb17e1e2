#![no_main]
//! Debian copyright (DEP-5 and free-form) license extraction and license
//! normalisation: never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for name in pare_catalog::copyright::licenses(&text) {
        let _ = pare_catalog::license::normalize(&name);
    }
    let _ = pare_catalog::license::normalize(&text);
});
