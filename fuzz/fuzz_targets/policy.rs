//! The gate's inputs on arbitrary text: `pare.toml`, `.trivyignore`,
//! `.trivyignore.yaml` and OpenVEX parsers never panic, and every error
//! names a line within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_policy::{config, trivy, vex};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // YAML also breaks lines at a lone `\r`: count both as an upper bound.
    let lines = text.matches(['\n', '\r']).count() + 2;
    let check = |e: pare_policy::ConfigError| {
        assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}: {e}", e.line);
    };
    if let Err(e) = config::parse(Path::new("pare.toml"), text) {
        check(e);
    }
    if let Err(e) = trivy::parse_trivyignore(Path::new(".trivyignore"), text) {
        check(e);
    }
    if let Err(e) = trivy::parse_trivyignore_yaml(Path::new(".trivyignore.yaml"), text) {
        check(e);
    }
    if let Err(e) = vex::parse(Path::new("vex.json"), text) {
        check(e);
    }
});
