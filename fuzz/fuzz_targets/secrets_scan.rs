#![no_main]
//! The secrets engine over arbitrary file bytes (every rule, including the
//! file-format ones, whose names the first byte picks) and over arbitrary
//! config strings: never panics, and never returns the bytes it redacted.

use libfuzzer_sys::fuzz_target;
use pare_fsindex::Visitor;

const PATHS: &[&str] = &[
    "app/.env",
    "root/.npmrc",
    "root/.pypirc",
    "root/.netrc",
    "root/.docker/config.json",
    "root/.git-credentials",
    "root/.ssh/id_rsa",
    "k.ppk",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(first) % PATHS.len()];
    let scanner = pare_secrets::Scanner::new();
    let _ = scanner.visit(0, path, rest);
    let text = String::from_utf8_lossy(rest);
    let _ = pare_secrets::redact_text(&text);
    let _ = pare_secrets::redact_label("api_key", &text);
});
