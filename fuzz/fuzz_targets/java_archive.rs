#![no_main]
//! JAR/WAR/EAR reader with nested archives: bounded (zip bombs), never panics.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::java::scan(data);
});
