//! `.hadolint.yaml` reader: no input may panic; every warning names the
//! file and a line of the input; and a Dockerfile linted with whatever it
//! read still lints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_findings::LintOptions;

fuzz_target!(|data: &[u8]| {
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    let cfg = pare_dockerfile::read_hadolint_config(yaml, "cfg");
    let lines = yaml.lines().count().max(1);
    for w in &cfg.warnings {
        let line: usize = w
            .strip_prefix("cfg:")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .expect("warning names `cfg:LINE:`");
        assert!(line >= 1 && line <= lines, "{w}");
    }
    let opts = LintOptions {
        peer_suppressions: true,
        ..LintOptions::default()
    };
    let src = "FROM debian:12\n# hadolint ignore=DL4006\nRUN curl x | sh && apt-get install -y y\n";
    assert!(pare_dockerfile::lint_with_config("f", src, &opts, Some((&cfg, "cfg"))).is_ok());
});
