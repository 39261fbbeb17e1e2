//! DF011 `apt-install-recommends`: `apt-get install` without `--no-install-recommends`.

use crate::checker::Checker;
use crate::rules::{apt_install, insert_after};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF011
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF011",
    name: "apt-install-recommends",
    summary: "`apt-get install` without `--no-install-recommends`",
    severity: Severity::Low,
    peers: &["hadolint:DL3015"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `apt-get install` / `apt install` without `--no-install-recommends`
(or `-o APT::Install-Recommends=false`), and `aptitude install` without
`--without-recommends` (`-R`), in any stage.

## Why is this bad?
Recommended packages are not needed to run the requested ones, yet they
often double the install: more bytes, more CVEs, more attack surface.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

Use instead:
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
Safe in practice: adds `--no-install-recommends` (aptitude's own
`--without-recommends` for `aptitude`) right after `install`. A
program that silently relied on a recommended package needs it named.

## References
- hadolint DL3015
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        for (ins, origin, c) in ch.stage_commands(st) {
            let Some(sub) = apt_install(c) else { continue };
            let aptitude = c.program() == Some("aptitude");
            let off: &[&str] = if aptitude {
                &["--without-recommends", "-R"]
            } else {
                &["--no-install-recommends"]
            };
            if c.has_option(off)
                || c.effective().iter().any(|w| {
                    w.text.contains("Install-Recommends=false")
                        || w.text.contains("Install-Recommends=0")
                })
            {
                continue;
            }
            let w = c.effective()[sub].clone();
            let flag = if aptitude {
                "--without-recommends"
            } else {
                "--no-install-recommends"
            };
            let prog = c.program().unwrap_or("apt-get").to_string();
            found.push((ins, origin, w, ch.command_span(ins, origin, c), flag, prog));
        }
    }
    for (ins, origin, w, span, flag, prog) in found {
        let at = insert_after(ch, ins, origin, &w);
        let d = ch.report(rule, span, format!("`{prog} install` without `{flag}`"));
        if let Some(at) = at {
            d.fix = Some(Fix::safe(
                format!("Add `{flag}`"),
                vec![Edit::insert(at, format!(" {flag}"))],
            ));
        }
    }
}
