//! IMG001 runs-as-root.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// IMG001
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG001",
        name: "runs-as-root",
        summary: "The image runs as root",
        severity: Severity::High,
        peers: &["dockle:CIS-DI-0001", "hadolint:DL3002"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Flags images whose default user is root (no `USER`, `USER root`, or a
uid of 0), or names a user missing from `/etc/passwd`.

## Why is this bad?
A process running as root in a container is one kernel bug or one
misconfigured mount away from root on the node.

## Example
`{"User": ""}` in the image config.

Use instead: `USER 65532:65532` (distroless `nonroot`) in the Dockerfile.

## Fix safety
No automatic fix: pare reports what the image holds; the Dockerfile that
builds it is what changes (`pare lint` and `pare fix` work there).

## References
- Docker, best practices: https://docs.docker.com/build/building/best-practices/#user
- CIS Docker Benchmark 4.1; Dockle CIS-DI-0001
"#,
    },
    run,
};

fn run(h: &Hygiene, _idx: &FsIndex) -> Option<ImageFinding> {
    if let Some(note) = &h.user.note {
        return Some(finding(&CHECK.meta, note.clone(), Vec::new()));
    }
    h.user.is_root.then(|| {
        let how = if h.user.configured.is_empty() {
            "no USER is set".to_string()
        } else {
            format!("USER is `{}`", h.user.configured)
        };
        finding(
            &CHECK.meta,
            format!("the container runs as root ({how})"),
            Vec::new(),
        )
    })
}
