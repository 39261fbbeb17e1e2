#![no_main]
//! Python METADATA / PKG-INFO and RECORD parsers: never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = pare_catalog::python::parse_metadata(&text);
    let _ = pare_catalog::python::record_files(&text, "/usr/lib/python3/site-packages");
});
