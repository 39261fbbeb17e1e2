//! IMG004 setuid-files.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// IMG004
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG004",
        name: "setuid-files",
        summary: "The image contains setuid/setgid files",
        severity: Severity::Medium,
        peers: &["dockle:CIS-DI-0008"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Lists setuid and setgid files.

## Why is this bad?
setuid binaries are the classic privilege-escalation path from a
non-root user back to root. Few containers need any.

## Example
`/usr/bin/passwd` (`-rwsr-xr-x`) in a runtime image.

Use instead: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`
in the final stage, or a distroless base that has none.

## Fix safety
No automatic fix: pare reports what the image holds; the Dockerfile that
builds it is what changes (`pare lint` and `pare fix` work there).

## References
- CIS Docker Benchmark 4.8; Dockle CIS-DI-0008
"#,
    },
    run,
};

fn run(h: &Hygiene, _idx: &FsIndex) -> Option<ImageFinding> {
    let mut paths: Vec<String> = h
        .setuid
        .iter()
        .chain(&h.setgid)
        .map(|f| f.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    (!paths.is_empty()).then(|| {
        finding(
            &CHECK.meta,
            format!(
                "{} setuid and {} setgid files",
                h.setuid.len(),
                h.setgid.len()
            ),
            paths,
        )
    })
}
