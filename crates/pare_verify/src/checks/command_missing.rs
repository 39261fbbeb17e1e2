//! VFY004 command-missing.

use super::{finding, is_form_shell, origin_name, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::{Origin, Problem, Via};

/// VFY004
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY004",
        name: "command-missing",
        summary: "A program a health check or shell command runs is not in the image",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Follows the commands of the health check and of every shell string and
shell script the container runs (`sh -c "curl -f … || exit 1"`,
`docker-entrypoint.sh`), and flags each program that is not in the
image. A program missing from a shell string or the health check is
`high`; one missing from a script file is `medium` (the script may
define it as a function or run it only on some branch).

## Why is this bad?
A health check that calls `curl` on an image without `curl` fails every
time: the orchestrator marks the container unhealthy and restarts it.
This is how a move to distroless breaks a service that otherwise runs.

## Example
`HEALTHCHECK CMD ["curl", "-f", "http://localhost:8080/"]` on a
distroless base.

Use instead: a health check built into the program
(`["/app/server", "--health"]`), or a static probe binary copied in.

## Fix safety
No automatic fix.

## References
- Dockerfile reference, HEALTHCHECK: https://docs.docker.com/reference/dockerfile/#healthcheck
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    let mut out = Vec::new();
    for p in &input.closure.problems {
        let (what, via, origin) = match p {
            Problem::NotFound { word, via, origin } => (word, via, *origin),
            Problem::NotRunnable { path, via, origin } => (path, via, *origin),
            _ => continue,
        };
        let (severity, place) = match via {
            Via::ShellString => (Severity::High, "a shell command".to_string()),
            Via::ShellScript { script } => (Severity::Medium, format!("the script `{script}`")),
            Via::Entrypoint | Via::Launcher { .. }
                if origin == Origin::Healthcheck && !is_form_shell(what) =>
            {
                (Severity::High, "the health check".to_string())
            }
            _ => continue,
        };
        let mut f = finding(
            &CHECK.meta,
            format!(
                "`{what}`, run by {place} of {}, is not in the image",
                origin_name(origin)
            ),
            match origin {
                Origin::Healthcheck => vec![format!(
                    "healthcheck: {}",
                    input
                        .closure
                        .healthcheck
                        .as_deref()
                        .unwrap_or(&[])
                        .join(" ")
                )],
                Origin::Entrypoint => vec![format!("argv: {}", input.closure.argv.join(" "))],
            },
        );
        f.severity = severity;
        out.push(f);
    }
    out
}
