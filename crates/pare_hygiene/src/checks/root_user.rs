//! IMG001 root-user.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// ## What it does
/// Flags images whose default user is root (no `USER`, `USER root`, or a
/// uid of 0), or names a user missing from `/etc/passwd`.
///
/// ## Why is this bad?
/// A process running as root in a container is one kernel bug or one
/// misconfigured mount away from root on the node.
///
/// ## Example
/// `{"User": ""}` in the image config.
///
/// Use instead: `USER 65532:65532` (distroless `nonroot`) in the Dockerfile.
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG001",
        name: "root-user",
        summary: "The image runs as root",
        severity: Severity::High,
        peers: &["dockle:CIS-DI-0001", "hadolint:DL3002"],
        fix: FixAvailability::None,
        doc: "Set a non-root USER (e.g. `USER 65532:65532`) in the final stage.",
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
