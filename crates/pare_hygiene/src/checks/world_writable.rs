//! IMG005 world-writable.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// IMG005
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG005",
        name: "world-writable",
        summary: "World-writable files or non-sticky directories",
        severity: Severity::Medium,
        peers: &[],
        fix: FixAvailability::None,
        doc:
            "Remove the world-write bit (`chmod o-w`), or set the sticky bit on shared directories.",
    },
    run,
};

fn run(h: &Hygiene, _idx: &FsIndex) -> Option<ImageFinding> {
    (!h.world_writable.is_empty()).then(|| {
        finding(
            &CHECK.meta,
            format!("{} world-writable paths", h.world_writable.len()),
            h.world_writable.iter().map(|f| f.path.clone()).collect(),
        )
    })
}
