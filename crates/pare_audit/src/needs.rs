//! What an image needs to run: its runtime and version, whether it needs
//! a shell, and the programs its commands and health check run.
//!
//! Read from the reachability analysis ([`pare_reach::Reachability`]'s
//! `programs`, every program the entrypoint and health check run through
//! launchers, shells and `#!` lines), the ELF facts gathered in the index
//! pass, and the catalogued packages (versions of `nodejs`, Go's `stdlib`).
//!
//! The runtime is decided by the first program that is not a launcher
//! (`env`, `tini`, …) nor a shell: `python3.11` → `python 3.11`; `node`
//! → `node` with the `nodejs` package's (or `node` binary's) version;
//! `java` → `java 17` from the JDK directory; a Go binary (a Go `stdlib`
//! package located at it) → `go 1.19 static binary`; another ELF program
//! → `static binary`, `glibc-dynamic binary` or `musl-dynamic binary` by
//! its program interpreter. A shell script run by nothing else is
//! `shell script`.

use crate::model::Needs;
use pare_elf::ElfInfo;
use pare_findings::{Ecosystem, Package};
use pare_fsindex::FsIndex;
use pare_reach::Reachability;

const LAUNCHERS: &[&str] = &[
    "env",
    "tini",
    "tini-static",
    "dumb-init",
    "catatonit",
    "nice",
    "nohup",
    "stdbuf",
    "setsid",
    "gosu",
    "su-exec",
];

/// Shell names. `busybox` is not one by name: it is a shell only when
/// run as `sh` (its applet argument, or a `#!/bin/sh` line).
#[must_use]
pub fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh"
    )
}

/// The interpreter a `#!` script names (`/usr/bin/env bash` → `bash`),
/// from the script probe's result.
fn shebang_of(idx: &FsIndex, path: &str) -> Option<String> {
    let (_, b) = idx
        .probe_results(pare_reach::probe::SCRIPT_PROBE)
        .find(|(p, _)| *p == path)?;
    let line = std::str::from_utf8(b)
        .ok()?
        .lines()
        .next()?
        .strip_prefix("#!")?;
    let (interp, arg) = line.split_once('\t').unwrap_or((line, ""));
    let name = file_name(interp);
    if name == "env" {
        return arg
            .split_whitespace()
            .find(|w| !w.starts_with('-') && !w.contains('='))
            .map(str::to_string);
    }
    Some(name.to_string())
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// `18.19.0+dfsg-6~deb12u2` → `18.19`.
fn major_minor(v: &str) -> String {
    let v = v.split(':').next_back().unwrap_or(v);
    let v = v.trim_start_matches(['v', 'g', 'o']);
    let parts: Vec<&str> = v
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .filter(|s| !s.is_empty())
        .collect();
    parts.join(".")
}

fn elf_of(idx: &FsIndex, path: &str) -> Option<ElfInfo> {
    idx.probe_results(pare_reach::probe::ELF_PROBE)
        .find(|(p, _)| *p == path)
        .and_then(|(_, b)| ElfInfo::decode(b))
}

fn linkage(elf: &ElfInfo) -> &'static str {
    match elf.interp.as_deref() {
        None if elf.needed.is_empty() => "static binary",
        None => "dynamic library",
        Some(i) if i.contains("musl") => "musl-dynamic binary",
        Some(_) => "glibc-dynamic binary",
    }
}

/// What the image needs to run.
#[must_use]
pub fn needs(
    config: Option<&pare_image::ConfigFile>,
    idx: &FsIndex,
    packages: &[Package],
    reach: &Reachability,
) -> Needs {
    let mut tools: Vec<String> = Vec::new();
    for p in &reach.programs {
        let n = file_name(p).to_string();
        if !tools.contains(&n) {
            tools.push(n);
        }
    }
    let health_shell = config
        .and_then(|c| c.config.healthcheck.as_ref())
        .and_then(|h| h.test.first())
        .is_some_and(|t| t == "CMD-SHELL");
    let runs_shell = |argv: &[String]| match argv {
        [a, rest @ ..] if file_name(a) == "busybox" => {
            rest.first().is_some_and(|b| is_shell(file_name(b)))
        }
        [a, ..] => is_shell(file_name(a)),
        [] => false,
    };
    let health_argv = config.and_then(pare_reach::entry::healthcheck);
    let needs_shell = health_shell
        || runs_shell(&reach.entrypoint)
        || health_argv.as_deref().is_some_and(runs_shell)
        || reach
            .programs
            .iter()
            .any(|p| is_shell(file_name(p)) || shebang_of(idx, p).is_some_and(|i| is_shell(&i)));
    let unknown = if reach.entrypoint.is_empty() {
        Some("the image has no entrypoint or command".to_string())
    } else if reach.roots.is_empty() {
        Some(
            reach
                .packages
                .first()
                .map_or("the entrypoint could not be resolved", |p| {
                    p.reason.as_str()
                })
                .to_string(),
        )
    } else {
        None
    };
    let runtime = runtime(idx, packages, reach);
    Needs {
        entrypoint: reach.entrypoint.clone(),
        runtime,
        needs_shell,
        tools,
        unknown,
    }
}

fn runtime(idx: &FsIndex, packages: &[Package], reach: &Reachability) -> String {
    let main = reach.programs.iter().find(|p| {
        let n = file_name(p);
        !LAUNCHERS.contains(&n) && !is_shell(n) && elf_of(idx, p).is_some()
    });
    let Some(main) = main else {
        let script = reach.programs.iter().find_map(|p| shebang_of(idx, p));
        return match (reach.programs.first(), script) {
            (_, Some(i)) if is_shell(&i) => "shell script".to_string(),
            (Some(p), _) if is_shell(file_name(p)) => "shell script".to_string(),
            (Some(_), Some(i)) => format!("{i} script"),
            (Some(_), None) => "script".to_string(),
            (None, _) => "unknown".to_string(),
        };
    };
    let name = file_name(main);
    if let Some(v) = name.strip_prefix("python") {
        let v = major_minor(v);
        let v = if v.contains('.') {
            v
        } else {
            packages
                .iter()
                .find(|p| p.ecosystem == Ecosystem::Deb && p.name.starts_with("python3."))
                .map_or(v, |p| p.name.trim_start_matches("python").to_string())
        };
        return format!("python {v}").trim_end().to_string();
    }
    if name == "node" || name == "nodejs" {
        let v = packages
            .iter()
            .find(|p| p.name == "nodejs" && p.ecosystem != Ecosystem::Npm)
            .map(|p| major_minor(&p.version))
            .unwrap_or_default();
        return format!("node {v}").trim_end().to_string();
    }
    if name == "java" {
        // /usr/lib/jvm/java-17-openjdk-amd64/bin/java
        let v = main
            .split('/')
            .find_map(|c| c.strip_prefix("java-").or_else(|| c.strip_prefix("jdk-")))
            .map(major_minor)
            .unwrap_or_default();
        return format!("java {v}").trim_end().to_string();
    }
    let elf = elf_of(idx, main);
    let link = elf.as_ref().map_or("binary", linkage);
    let in_binary = |eco: Ecosystem| {
        packages
            .iter()
            .find(|p| p.ecosystem == eco && p.locations.iter().any(|l| l == main))
    };
    if in_binary(Ecosystem::Go).is_some() {
        let v = packages
            .iter()
            .find(|p| {
                p.ecosystem == Ecosystem::Go
                    && p.name == "stdlib"
                    && p.locations.iter().any(|l| l == main)
            })
            .map(|p| major_minor(&p.version))
            .unwrap_or_default();
        return format!("go {v} {link}").replace("  ", " ");
    }
    if in_binary(Ecosystem::Cargo).is_some() {
        return format!("rust {link}");
    }
    link.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_cut_to_major_minor() {
        assert_eq!(major_minor("18.19.0+dfsg-6~deb12u2"), "18.19");
        assert_eq!(major_minor("go1.19.8"), "1.19");
        assert_eq!(major_minor("3.11"), "3.11");
        assert_eq!(major_minor("17-openjdk-amd64"), "17");
        assert_eq!(major_minor("1:2.3"), "2.3");
        assert_eq!(major_minor(""), "");
    }

    #[test]
    fn linkage_from_the_program_interpreter() {
        let mut e = ElfInfo::default();
        assert_eq!(linkage(&e), "static binary");
        e.interp = Some("/lib64/ld-linux-x86-64.so.2".into());
        assert_eq!(linkage(&e), "glibc-dynamic binary");
        e.interp = Some("/lib/ld-musl-x86_64.so.1".into());
        assert_eq!(linkage(&e), "musl-dynamic binary");
    }
}
