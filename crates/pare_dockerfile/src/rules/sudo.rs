//! DF018 `sudo`: `RUN sudo …`.

use crate::checker::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF018
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF018",
    name: "sudo",
    summary: "`sudo` in `RUN`",
    severity: Severity::Medium,
    peers: &["hadolint:DL3004"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a command run through `sudo` in a `RUN`.

## Why is this bad?
`sudo` in an image means a setuid-root binary and a sudoers policy ship to
production, a classic privilege-escalation path; and its TTY and
environment handling make builds unpredictable. Switch with `USER root`
for the steps that need it, then back.

## Example
```dockerfile
USER app
RUN sudo apt-get install -y curl
```

Use instead:
```dockerfile
USER root
RUN apt-get install -y curl
USER app
```

## Fix safety
No automatic fix.

## References
- hadolint DL3004
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        for (ins, origin, c) in ch.stage_commands(st) {
            let first = c.words.iter().find(|w| !w.text.contains('='));
            if let Some(w) = first.filter(|w| w.text == "sudo") {
                found.push(ch.word_span(ins, origin, w));
            }
        }
    }
    for span in found {
        ch.report(rule, span, "`sudo` in `RUN`; use `USER` to switch users");
    }
}
