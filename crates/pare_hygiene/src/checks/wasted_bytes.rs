//! IMG006 wasted-bytes.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// Waste above this many bytes is reported (dive's CI default is 1 MB of
/// `highestWastedBytes`; pare is less noisy on base-image churn).
const THRESHOLD: u64 = 10 * 1024 * 1024;

/// IMG006
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG006",
        name: "wasted-bytes",
        summary: "Bytes overwritten or deleted in later layers",
        severity: Severity::Low,
        peers: &["dive:highestWastedBytes"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reports bytes written in one layer and overwritten or deleted in a
later one (dive's wasted bytes), when above 10 MiB.

## Why is this bad?
Deleting a file in a later layer does not shrink the image: every node
still pulls the bytes.

## Example
`RUN curl -o /tmp/x.tgz ... && tar xf /tmp/x.tgz` then `RUN rm /tmp/x.tgz`.

Use instead: download, use and delete in the same `RUN`, or a
multi-stage build.

## Fix safety
No automatic fix: pare reports what the image holds; the Dockerfile that
builds it is what changes (`pare lint` and `pare fix` work there).

## References
- dive: https://github.com/wagoodman/dive
"#,
    },
    run,
};

fn run(_h: &Hygiene, idx: &FsIndex) -> Option<ImageFinding> {
    let e = idx.efficiency();
    (e.wasted_bytes > THRESHOLD).then(|| {
        finding(
            &CHECK.meta,
            format!(
                "{} bytes wasted in {} paths (efficiency {:.2}%)",
                e.wasted_bytes,
                e.inefficient_paths,
                e.score * 100.0
            ),
            e.top.iter().take(10).map(|i| i.path.clone()).collect(),
        )
    })
}
