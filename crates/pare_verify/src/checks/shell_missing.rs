//! VFY003 shell-missing.

use super::{finding, is_form_shell, origin_name, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::{Problem, Via};

/// VFY003
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY003",
        name: "shell-missing",
        summary: "A shell-form command needs `/bin/sh`, which is not in the image",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
A shell-form `CMD`, `ENTRYPOINT` (`CMD app --port $PORT`) or a
`HEALTHCHECK CMD-SHELL` is stored as `/bin/sh -c "…"`. Flags such a
command when the image has no `/bin/sh`.

## Why is this bad?
On a distroless or scratch base the container (or every health check)
fails with `exec: "/bin/sh": stat /bin/sh: no such file or directory`;
a failing health check restarts the container forever.

## Example
`HEALTHCHECK CMD curl -f http://localhost/ || exit 1` on
`gcr.io/distroless/base`.

Use instead: the exec form (`HEALTHCHECK CMD ["/app/healthcheck"]`) with
a program that is in the image.

## Fix safety
No automatic fix.

## References
- Dockerfile reference, shell and exec form: https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
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
                via: Via::Entrypoint | Via::Launcher { .. },
                origin,
            } if is_form_shell(word) => Some(finding(
                &CHECK.meta,
                format!(
                    "{} is a shell-form command: it needs `/bin/sh`, which is not in the image",
                    origin_name(*origin)
                ),
                vec![match origin {
                    pare_reach::closure::Origin::Healthcheck => format!(
                        "healthcheck: {}",
                        input
                            .closure
                            .healthcheck
                            .as_deref()
                            .unwrap_or(&[])
                            .join(" ")
                    ),
                    pare_reach::closure::Origin::Entrypoint => {
                        format!("argv: {}", input.closure.argv.join(" "))
                    }
                }],
            )),
            _ => None,
        })
        .collect()
}
