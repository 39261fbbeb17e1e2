//! DF021 `apk-add-cache`: `apk add` without `--no-cache`.

use crate::checker::Checker;
use crate::rules::{has_cache_mount, insert_after};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF021
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF021",
    name: "apk-add-cache",
    summary: "`apk add` without `--no-cache`",
    severity: Severity::Low,
    peers: &["hadolint:DL3019"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `apk add` without `--no-cache`, unless the same `RUN` removes
`/var/cache/apk` or mounts a cache there.

## Why is this bad?
The index and package cache stay in the layer: a few MB of dead weight
that goes stale at once.

## Example
```dockerfile
RUN apk add curl
```

Use instead:
```dockerfile
RUN apk add --no-cache curl
```

## Fix safety
Safe: `--no-cache` fetches a fresh index for this command and keeps nothing.

## References
- hadolint DL3019
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        for (ins, origin, c) in ch.stage_commands(st) {
            if c.program() != Some("apk") {
                continue;
            }
            let Some((_, w)) = c.subcommand(&["-X", "--repository", "-t", "--virtual"]) else {
                continue;
            };
            if w.text != "add" || c.has_option(&["--no-cache"]) {
                continue;
            }
            let i = &ch.df.instructions[ins];
            if i.args.text.contains("/var/cache/apk")
                || has_cache_mount(ch, ins, "/var/cache/apk")
                || has_cache_mount(ch, ins, "/etc/apk/cache")
            {
                continue;
            }
            found.push((ins, origin, w.clone(), ch.command_span(ins, origin, c)));
        }
    }
    for (ins, origin, w, span) in found {
        let at = insert_after(ch, ins, origin, &w);
        let d = ch.report(
            rule,
            span,
            "`apk add` without `--no-cache` keeps the package index in the image",
        );
        if let Some(at) = at {
            d.fix = Some(Fix::safe(
                "Add `--no-cache`",
                vec![Edit::insert(at, " --no-cache")],
            ));
        }
    }
}
