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
        doc: r#"## What it does
Flags regular files writable by every user, and world-writable
directories without the sticky bit (`/tmp` is `1777`, which is fine).

## Why is this bad?
Any process in the container, whatever its user, can replace a
world-writable file: a script or library the application later runs
becomes a way in. A world-writable directory without the sticky bit lets
one user delete or rename another's files in it.

## Example
`-rwxrwxrwx /app/start.sh`, or `drwxrwxrwx /srv/uploads` (no `t`).

Use instead: `RUN chmod o-w /app/start.sh`, and `chmod 1777` (or better,
ownership by the app's user and `0750`) for shared directories.

## Fix safety
No automatic fix: the Dockerfile that builds the image is what changes.

## References
- CIS Docker Benchmark 4.8 (setuid and world-writable files)
"#,
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
