//! VFY001 entrypoint-missing.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::{Origin, Problem, Via};

/// VFY001
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY001",
        name: "entrypoint-missing",
        summary: "The entrypoint or command does not resolve to a program in the image",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Resolves `ENTRYPOINT` + `CMD` as the runtime does: a word without a `/`
through the config's `PATH` (Docker's default when unset), a relative
path against `WORKDIR`, symlinks through the image, launchers (`env`,
`tini`, `gosu`...) to the program they run. Flags an image without any
entrypoint or command, a program that is not in the image, and a file
that is neither an ELF program nor a `#!` script.

## Why is this bad?
The container fails at start (`exec: "app": executable file not found
in $PATH`), typically after a base-image change or a multi-stage build
that forgot to copy the binary.

## Example
`ENTRYPOINT ["/app/server"]` in an image whose last stage copied the
binary to `/usr/local/bin/server`.

Use instead: copy the program to the path the entrypoint names, or fix
the entrypoint.

## Fix safety
No automatic fix.

## References
- OCI image spec, config `Entrypoint`/`Cmd`: https://github.com/opencontainers/image-spec/blob/main/config.md
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    let mut out = Vec::new();
    if input.config.is_some() && input.closure.argv.is_empty() {
        out.push(finding(
            &CHECK.meta,
            "the image has no entrypoint or command: the container has nothing to run".into(),
            Vec::new(),
        ));
    }
    let argv = input.closure.argv.join(" ");
    for p in &input.closure.problems {
        match p {
            Problem::NotFound {
                word,
                via,
                origin: Origin::Entrypoint,
            } if !super::is_form_shell(word)
                && matches!(via, Via::Entrypoint | Via::Launcher { .. }) =>
            {
                let how = match via {
                    Via::Launcher { program } => format!(" (run by `{program}`)"),
                    _ => String::new(),
                };
                out.push(finding(
                    &CHECK.meta,
                    format!("the entrypoint program `{word}`{how} is not in the image"),
                    vec![format!("argv: {argv}")],
                ));
            }
            Problem::NotRunnable {
                path,
                via: Via::Entrypoint | Via::Launcher { .. },
                origin: Origin::Entrypoint,
            } => out.push(finding(
                &CHECK.meta,
                format!("the entrypoint `{path}` is neither an ELF program nor a `#!` script"),
                vec![format!("argv: {argv}")],
            )),
            _ => {}
        }
    }
    out
}
