//! IMG002 shell-present.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// IMG002
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG002",
        name: "shell-present",
        summary: "The image contains a shell",
        severity: Severity::Low,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Flags images that contain a shell (`/bin/sh`, bash, dash, ash, busybox).

## Why is this bad?
A shell turns any command-injection or RCE bug into an interactive
foothold, and it is what most post-exploitation tooling expects.

## Example
A `node:18` final stage ships `/bin/bash` and `/bin/sh`.

Use instead: a distroless or `scratch`-based final stage; health checks
in exec form calling the app itself.

## Fix safety
No automatic fix: pare reports what the image holds; the Dockerfile that
builds it is what changes (`pare lint` and `pare fix` work there).

## References
- distroless: https://github.com/GoogleContainerTools/distroless
"#,
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
