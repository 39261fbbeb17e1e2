//! VFY012 run-read-only-write.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// VFY012
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY012",
        name: "run-read-only-write",
        summary:
            "The entrypoint, run in a sandbox, tried to write to the read-only root filesystem",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::Sometimes,
        doc: r#"## What it does
Only with `pare verify --run`: the sandbox's root filesystem is read-only
(only `/tmp` is a fresh writable directory, and not even that with
`--read-only-rootfs`, and so is each volume the deployment mounts: a
manifest's `volumeMounts`, the config's `Volumes`), so every write the
program tries elsewhere fails with `EROFS`. The lines of its output that say so (`Read-only file
system`, `EROFS`) are this finding, whether the program then died
(`VFY011` too) or carried on.

Its severity follows the deployment: high (the check fails) when the root
will be read-only there too (`--read-only-rootfs`, or a manifest given
with `--manifest` whose container sets `readOnlyRootFilesystem: true`),
medium otherwise: those writes succeed on a writable root, and fail the
day the cluster enforces a read-only one.

## Why is this bad?
A program that swallows the error keeps running without its cache, its
pid file or its uploads: nothing crashes, and the static check
(`VFY010`) cannot see a write to a path it computes.

## Example
A Python service that logs `[Errno 30] Read-only file system:
'/var/cache/app/index.db'` and serves without its index.

Use instead: mount a volume (an `emptyDir`) at the directory it writes:
`pare fix --unsafe --image IMAGE deploy.yaml` adds one for each directory
`VFY010` lists; or make the program write under its volume or `/tmp`.

## Fix safety
A fix on the manifest adds volumes; it does not change what the image
writes.

## References
- Kubernetes, `readOnlyRootFilesystem`: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
"#,
    },
    run,
};

fn run(_input: &Input<'_>) -> Vec<VerifyFinding> {
    Vec::new()
}

/// The finding for writes the sandbox refused (`lines`: the program's
/// output that says so); `read_only_deployment` when the root is
/// read-only where the image is deployed too.
#[must_use]
pub fn refused(lines: Vec<String>, read_only_deployment: bool) -> VerifyFinding {
    let (severity, then) = if read_only_deployment {
        (Severity::High, "as they will be where it is deployed")
    } else {
        (
            Severity::Medium,
            "they succeed on a writable root, and fail once `readOnlyRootFilesystem` is set",
        )
    };
    let message = format!(
        "the entrypoint tried to write to the read-only root filesystem while it ran in the sandbox ({} line{} of its output say so): {then}",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    );
    let mut f = finding(&CHECK.meta, message, lines);
    f.severity = severity;
    f
}
