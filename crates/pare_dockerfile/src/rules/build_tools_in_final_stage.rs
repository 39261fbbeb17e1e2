//! DF007 `build-tools-in-final-stage`: compilers and build tools installed in the final stage.

use crate::checker::Checker;
use crate::rules::{apt_install, operands, APT_VALUE_OPTS};
use crate::shell::Command;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF007
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF007",
    name: "build-tools-in-final-stage",
    summary: "Compilers or build tools installed in the final stage",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags `apt-get install`, `apk add`, `dnf`/`yum install` of compilers and
build tools (`build-essential`, `build-base`, `gcc`, `g++`, `make`, `cmake`,
`*-dev`, `*-devel`, …) in the final stage or a stage it builds on, unless the stage removes them
again (`apt-get purge`/`autoremove`, `apk del`, `dnf remove`).

## Why is this bad?
A compiler in the running image lets an attacker build tools on the spot,
and the toolchain is often the largest and most vulnerable part of the
image. Build in one stage, copy the artifact into a clean final stage.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y build-essential libpq-dev
RUN pip install --no-cache-dir -r requirements.txt
```

Use instead:
```dockerfile
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y build-essential libpq-dev
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

## Fix safety
No automatic fix: splitting a build into stages needs a person.

## References
- https://docs.docker.com/build/building/multi-stage/
"#,
};

const TOOLS: &[&str] = &[
    "build-essential",
    "build-base",
    "gcc",
    "g++",
    "clang",
    "make",
    "cmake",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "gfortran",
    "musl-dev",
    "libc6-dev",
];

fn is_tool(pkg: &str) -> bool {
    let p = pkg.split(['=', ':']).next().unwrap_or(pkg);
    TOOLS.contains(&p)
        || p.starts_with("gcc-")
        || p.ends_with("-dev")
        || p.ends_with("-devel")
        || p == "@development-tools"
}

/// Packages a command installs, for apt, apk, dnf/yum/microdnf.
fn installs(c: &Command) -> Vec<String> {
    if let Some(sub) = apt_install(c) {
        return operands(c, sub, APT_VALUE_OPTS)
            .into_iter()
            .map(|w| w.text)
            .collect();
    }
    match c.program() {
        Some("apk") => match c.subcommand(&["-X", "--repository", "-t", "--virtual"]) {
            Some((i, w)) if w.text == "add" => {
                operands(c, i, &["-X", "--repository", "-t", "--virtual"])
                    .into_iter()
                    .map(|w| w.text)
                    .collect()
            }
            _ => Vec::new(),
        },
        Some("dnf" | "yum" | "microdnf" | "tdnf") => match c.subcommand(&[]) {
            Some((i, w)) if w.text == "install" || w.text == "groupinstall" => {
                operands(c, i, &[]).into_iter().map(|w| w.text).collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Package-manager family of a command that removes packages.
fn removes(c: &Command) -> Option<&'static str> {
    let sub = c.subcommand(APT_VALUE_OPTS).map(|(_, w)| w.text.as_str());
    match c.program() {
        Some("apt-get" | "apt" | "aptitude")
            if matches!(sub, Some("purge" | "remove" | "autoremove")) =>
        {
            Some("apt")
        }
        Some("apk") if sub == Some("del") => Some("apk"),
        Some("dnf" | "yum" | "microdnf")
            if matches!(sub, Some("remove" | "erase" | "autoremove")) =>
        {
            Some("dnf")
        }
        _ => None,
    }
}

fn family(c: &Command) -> &'static str {
    match c.program() {
        Some("apk") => "apk",
        Some("dnf" | "yum" | "microdnf" | "tdnf") => "dnf",
        _ => "apt",
    }
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    // Ancestors first: their layers are under the final stage's.
    let cmds: Vec<_> = ch
        .final_chain()
        .iter()
        .rev()
        .flat_map(|st| ch.stage_commands(st))
        .collect();
    let mut found = Vec::new();
    for (k, (ins, origin, c)) in cmds.iter().enumerate() {
        let tools: Vec<String> = installs(c).into_iter().filter(|p| is_tool(p)).collect();
        if tools.is_empty() {
            continue;
        }
        if cmds[k + 1..]
            .iter()
            .any(|(_, _, c2)| removes(c2) == Some(family(c)))
        {
            continue;
        }
        found.push((ch.command_span(*ins, *origin, c), tools));
    }
    for (span, tools) in found {
        let list: Vec<String> = tools.iter().take(4).map(|t| format!("`{t}`")).collect();
        let more = if tools.len() > 4 {
            format!(" and {} more", tools.len() - 4)
        } else {
            String::new()
        };
        let d = ch.report(
            rule,
            span,
            format!("final stage installs build tools {}{more}", list.join(", ")),
        );
        d.help =
            Some("build in a separate stage and copy only the artifact into the final one".into());
    }
}
