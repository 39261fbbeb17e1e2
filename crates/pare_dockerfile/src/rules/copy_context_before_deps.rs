//! DF009 `copy-context-before-deps`: `COPY . .` before the dependency install.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::shell::Command;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF009
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF009",
    name: "copy-context-before-deps",
    summary: "`COPY . .` before installing dependencies busts the layer cache",
    severity: Severity::Low,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a `COPY` of the whole build context (`COPY . .`, `COPY ./ /app`) that
comes before a dependency install in the same stage (`npm ci`,
`yarn install`, `pip install -r`, `poetry install`, `bundle install`,
`composer install`, `go mod download`).

## Why is this bad?
Every source change invalidates the `COPY` layer and so re-runs the
install: slow builds, and a fresh, unreviewed dependency resolution on each
one. Copy the manifests first, install, then copy the sources.

## Example
```dockerfile
COPY . .
RUN npm ci
```

Use instead:
```dockerfile
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
```

## Fix safety
No automatic fix: which files the install needs is project-specific.

## References
- https://docs.docker.com/build/cache/
"#,
};

fn installs_deps(c: &Command) -> Option<String> {
    let prog = c.program()?;
    let sub = c.subcommand(&[]).map(|(_, w)| w.text.as_str());
    let hit = match prog {
        "npm" => matches!(sub, Some("ci" | "install" | "i")),
        "yarn" | "pnpm" | "bundle" | "composer" | "poetry" => matches!(sub, Some("install") | None),
        "pip" | "pip3" => sub == Some("install") && c.has_option(&["-r", "--requirement"]),
        "go" => sub == Some("mod") && c.effective().get(2).is_some_and(|w| w.text == "download"),
        _ => false,
    };
    hit.then(|| {
        c.effective()
            .iter()
            .take(3)
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        let mut pending = None;
        for (i, ins) in ch.stage_body(st) {
            if ins.keyword == Keyword::Copy && ins.flag("from").is_none() {
                let w = ins.words();
                if w.len() >= 2
                    && w[..w.len() - 1]
                        .iter()
                        .any(|x| matches!(x.text.as_str(), "." | "./"))
                {
                    pending.get_or_insert((ins.span, ins.args.text.trim().to_string()));
                }
            }
            if let Some((span, copy)) = &pending {
                let hit = ch.scripts[i]
                    .iter()
                    .flat_map(|p| &p.script.commands)
                    .find_map(installs_deps);
                if let Some(cmd) = hit {
                    found.push((*span, copy.clone(), cmd));
                    pending = None;
                }
            }
        }
    }
    for (span, copy, cmd) in found {
        let d = ch.report(
            rule,
            span,
            format!("`COPY {copy}` before `{cmd}` re-runs the install on every source change"),
        );
        d.help = Some("copy the dependency manifests first, install, then copy the sources".into());
    }
}
