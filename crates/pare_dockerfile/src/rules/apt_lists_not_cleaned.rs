//! DF012 `apt-lists-not-cleaned`: `apt-get install` without removing `/var/lib/apt/lists`.

use crate::checker::{Checker, Origin};
use crate::parser::Form;
use crate::rules::{has_cache_mount, APT_VALUE_OPTS};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF012
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF012",
    name: "apt-lists-not-cleaned",
    summary: "`apt-get update` without cleaning `/var/lib/apt/lists` in the same `RUN`",
    severity: Severity::Low,
    peers: &["hadolint:DL3009"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags a `RUN` in the final stage (or a stage it builds on) that runs `apt-get update` (which writes
the package lists) and does not remove `/var/lib/apt/lists` in the same
`RUN` (a later `RUN` cannot shrink the earlier layer). A cache mount on
`/var/lib/apt` and `apt-get dist-clean` are accepted.

A cache (or tmpfs) mount on `/var/lib/apt/lists` (or above it) keeps the
lists out of the layer; but when Docker's `docker-clean` hook is removed
(`rm -f /etc/apt/apt.conf.d/docker-clean`, the usual companion of cache
mounts) the downloaded `.deb`s stay in `/var/cache/apt` unless that is a
cache mount too, which is flagged (as hadolint does).

## Why is this bad?
The package lists are 20-50 MB that only `apt-get update` needs, and they
go stale the day the image is built.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

Use instead:
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe: appends `&& rm -rf /var/lib/apt/lists/*` to the shell-form `RUN`.

## References
- hadolint DL3009
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    let mut debs = Vec::new();
    let body: Vec<usize> = ch
        .final_chain()
        .iter()
        .flat_map(|s| s.body.clone())
        .collect();
    for &i in &body {
        let parts = &ch.scripts[i];
        let update = parts.iter().flat_map(|p| &p.script.commands).find(|c| {
            crate::rules::is_apt(c)
                && c.subcommand(APT_VALUE_OPTS)
                    .is_some_and(|(_, w)| w.text == "update")
        });
        let Some(prog) = update.and_then(|c| c.program()).map(str::to_string) else {
            continue;
        };
        let ins = &ch.df.instructions[i];
        // With Docker's `docker-clean` hook removed (the usual companion of
        // cache mounts), downloaded `.deb`s stay in `/var/cache/apt` unless
        // that is a cache mount too.
        let mounted = has_cache_mount(ch, i, "/var/lib/apt/lists");
        let hook_removed = body
            .iter()
            .filter(|&&j| j <= i)
            .any(|&j| ch.df.instructions[j].args.text.contains("docker-clean"));
        let keeps_debs = mounted && hook_removed && !has_cache_mount(ch, i, "/var/cache/apt");
        // `apt-get dist-clean` (apt 2.7+) removes the lists too.
        let cleaned = ins.args.text.contains("/var/lib/apt/lists")
            || ins.args.text.contains("dist-clean")
            || ins
                .heredocs
                .iter()
                .any(|h| h.body.contains("/var/lib/apt/lists"))
            || mounted;
        if keeps_debs {
            debs.push(ins.span);
            continue;
        }
        if cleaned {
            continue;
        }
        let text = ins.args.text.trim_end();
        let editable = ins.form() == Form::Shell
            && ins.heredocs.is_empty()
            && parts.iter().all(|p| p.origin == Origin::Args)
            && !text.ends_with([';', '&', '|', '\\'])
            // The appended `&& rm` must be a command of the script: not
            // swallowed by a trailing `# comment` or an open quote.
            && crate::shell::parse(&format!("{text} && rm -rf /var/lib/apt/lists/*"))
                .commands
                .last()
                .is_some_and(|c| c.words.first().is_some_and(|w| w.text == "rm"))
            && crate::shell::parse(text).commands.len() + 1
                == crate::shell::parse(&format!("{text} && rm -rf /var/lib/apt/lists/*")).commands.len();
        let fix = editable.then(|| {
            let at = ins.args.to_src_end(text.len());
            let esc = ch.df.escape;
            Fix::safe(
                "Remove `/var/lib/apt/lists` in the same `RUN`",
                vec![Edit::insert(
                    at,
                    format!(" {esc}\n    && rm -rf /var/lib/apt/lists/*"),
                )],
            )
        });
        found.push((ins.span, fix, prog));
    }
    for span in debs {
        let d = ch.report(
            rule,
            span,
            "`apt-get update` with a cache mount on the lists, but `docker-clean` is removed and `/var/cache/apt` is not a cache mount: downloaded packages stay in the layer",
        );
        d.help = Some("add `--mount=type=cache,target=/var/cache/apt` to this `RUN`".into());
    }
    for (span, fix, prog) in found {
        let d = ch.report(
            rule,
            span,
            format!("`{prog} update` without `rm -rf /var/lib/apt/lists/*` in the same `RUN`: the package lists stay in the layer"),
        );
        d.fix = fix;
    }
}
