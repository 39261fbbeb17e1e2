//! VFY002 interpreter-missing.

use super::{finding, origin_name, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::{Problem, Via};

/// VFY002
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY002",
        name: "interpreter-missing",
        summary: "A script's `#!` interpreter is not in the image",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
For every script the container runs (the entrypoint, a script it starts,
the health check), reads its `#!` line and looks the interpreter up as
the kernel does (`/usr/bin/env NAME` through `PATH`). Flags an
interpreter that is not in the image.

## Why is this bad?
The kernel refuses to run the script (`no such file or directory`,
naming the script, not the interpreter): a confusing failure after
moving a Python or shell entrypoint to a distroless base.

## Example
`#!/bin/bash` at the top of `/docker-entrypoint.sh` on a base without
bash.

Use instead: `#!/bin/sh` when the script is POSIX, or install the
interpreter.

## Fix safety
No automatic fix.

## References
- execve(2), "Interpreter scripts": https://man7.org/linux/man-pages/man2/execve.2.html
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    input
        .closure
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::NotFound {
                word,
                via: Via::Shebang { script },
                origin,
            } => Some(finding(
                &CHECK.meta,
                format!(
                    "the interpreter `{word}` of `{script}` (run by {}) is not in the image",
                    origin_name(*origin)
                ),
                vec![format!("{script}: #!{word}")],
            )),
            _ => None,
        })
        .collect()
}
