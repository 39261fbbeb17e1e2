//! IMG002 shell-present.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// ## What it does
/// Flags images that contain a shell (`/bin/sh`, bash, dash, ash, busybox).
///
/// ## Why is this bad?
/// A shell turns any command-injection or RCE bug into an interactive
/// foothold, and it is what most post-exploitation tooling expects.
///
/// ## Example
/// A `node:18` final stage ships `/bin/bash` and `/bin/sh`.
///
/// Use instead: a distroless or `scratch`-based final stage; health checks
/// in exec form calling the app itself.
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG002",
        name: "shell-present",
        summary: "The image contains a shell",
        severity: Severity::Low,
        peers: &[],
        fix: FixAvailability::None,
        doc: "Use a distroless final stage; keep shells in build stages only.",
    },
    run,
};

fn run(h: &Hygiene, _idx: &FsIndex) -> Option<ImageFinding> {
    (!h.shells.is_empty()).then(|| {
        finding(
            &CHECK.meta,
            format!("shell present: {}", h.shells.join(", ")),
            h.shells.clone(),
        )
    })
}
