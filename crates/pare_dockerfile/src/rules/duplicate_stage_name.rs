//! DF022 `duplicate-stage-name`: two stages share an `AS` name.

use crate::checker::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity, Span};

/// DF022
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF022",
    name: "duplicate-stage-name",
    summary: "Two stages share an `AS` name",
    severity: Severity::High,
    peers: &["hadolint:DL3024", "checkov:CKV_DOCKER_11"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a `FROM … AS name` whose name (compared without case, as BuildKit
does) an earlier stage already has.

## Why is this bad?
BuildKit refuses the file (`duplicate stage name`): the build fails. The
classic builder let the later stage win, so `COPY --from=name` silently
copied from a different stage than the reader expects.

## Example
```dockerfile
FROM golang:1.22 AS build
FROM alpine:3.20 AS build
```

Use instead:
```dockerfile
FROM golang:1.22 AS build
FROM alpine:3.20 AS assets
```

## Fix safety
No automatic fix: which stage later `--from=` references mean is the
author's decision.

## References
- https://docs.docker.com/reference/dockerfile/#from
- hadolint DL3024, checkov CKV_DOCKER_11
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found: Vec<(Span, String, usize)> = Vec::new();
    for (k, st) in ch.df.stages.iter().enumerate() {
        let Some(name) = &st.name else { continue };
        if let Some(first) = ch.df.stages[..k]
            .iter()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
        {
            let line = ch.df.instructions[first.from].line + 1;
            found.push((ch.df.instructions[st.from].span, name.clone(), line));
        }
    }
    for (span, name, line) in found {
        let d = ch.report(
            rule,
            span,
            format!("stage name `{name}` is already used on line {line}: BuildKit fails the build"),
        );
        d.help = Some("give each stage its own name".into());
    }
}
