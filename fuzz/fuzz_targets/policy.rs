//! The gate's inputs on arbitrary text: `pare.toml`, `.trivyignore`,
//! `.trivyignore.yaml` and OpenVEX parsers never panic, and every error
//! names a line within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_policy::{config, trivy, vex};
use std::path::Path;

fn subject(text: &str) -> pare_policy::Subject {
    pare_policy::Subject {
        kind: pare_policy::Kind::Vulnerability,
        id: "CVE-1".into(),
        ids: vec!["CVE-1".into()],
        severity: pare_findings::VulnSeverity::High,
        fixed: true,
        layer: pare_policy::LayerClass::App,
        reach: pare_policy::Reach::Unknown,
        ecosystem: None,
        package: "x".into(),
        purl: text.chars().take(200).collect(),
        paths: vec![],
    }
}

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
    for lenient in [false, true] {
        if let Err(e) = trivy::parse_trivyignore(Path::new(".trivyignore"), text, lenient) {
            check(e);
        }
        if let Err(e) = trivy::parse_trivyignore_yaml(Path::new(".trivyignore.yaml"), text, lenient) {
            check(e);
        }
    }
    match vex::parse(Path::new("vex.json"), text) {
        Err(e) => check(e),
        // image-level matching on whatever products the statements name
        Ok(st) => {
            let ids = ["sha256:00".to_string(), text.to_string()];
            for s in &st {
                let _ = s.applies(&subject(text), &ids);
            }
        }
    }
});
