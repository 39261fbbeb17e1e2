//! VFY011 run-failed.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// VFY011
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY011",
        name: "run-failed",
        summary: "The entrypoint, run in a sandbox, exited with an error or was killed",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Only with `pare verify --run`: unpacks the image's root filesystem and
runs the entrypoint under `bwrap` (bubblewrap) with the image's
environment and working directory, as the image's user (or 65532 when it
runs as root), on a read-only root with a fresh `/tmp` unless
`--read-only-rootfs` asks for none, no network, and a time limit. A
program that exits with status 0 or is still running at the time limit
passes; a non-zero exit or a signal is this finding, with the last lines
of its output and any `Read-only file system` errors seen.

## Why is this bad?
Whatever the static checks cannot see (a file opened by a computed name,
a `subprocess` call, a write to the root filesystem) shows up when the
program runs.

## Example
A Python service that exits with `ModuleNotFoundError` after slimming.

Use instead: keep what it needs (`pare slim --keep GLOB`), or fix the
image.

## Fix safety
No automatic fix.

## References
- bubblewrap: https://github.com/containers/bubblewrap
"#,
    },
    run,
};

fn run(_input: &Input<'_>) -> Vec<VerifyFinding> {
    Vec::new()
}

/// The finding for a sandbox run that failed: `message` says how, `tail`
/// holds the last lines of output.
#[must_use]
pub fn failed(message: String, tail: Vec<String>) -> VerifyFinding {
    finding(&CHECK.meta, message, tail)
}
