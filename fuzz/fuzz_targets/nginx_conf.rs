//! `pare verify`'s reading of an nginx configuration (`nginx.rs`): any
//! bytes, never a panic, and every directive has a name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for d in pare_reach::nginx::directives(&text) {
        assert!(!d.is_empty(), "a directive has a name");
        assert!(d.len() <= text.len() + 1);
    }
});
