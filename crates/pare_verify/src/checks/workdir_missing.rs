//! VFY009 workdir-missing.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::Kind;

/// VFY009
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY009",
        name: "workdir-missing",
        summary: "The configured WORKDIR is not a directory in the image",
        severity: Severity::Medium,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Looks the config's `WorkingDir` up through the image's symlinks and
flags it when it is missing or is not a directory.

## Why is this bad?
Runtimes create a missing working directory as root before starting the
process, so the container usually starts, but in a directory the
image's (non-root) user cannot write and with relative paths pointing
nowhere; on a read-only root filesystem it fails. A file at that path
stops the container from starting.

## Example
`WORKDIR /app` in a build stage, but the final stage copies the app to
`/srv`.

Use instead: `WORKDIR` the directory the app is copied to.

## Fix safety
No automatic fix.

## References
- OCI image spec, config `WorkingDir`: https://github.com/opencontainers/image-spec/blob/main/config.md
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    let Some(w) = input
        .config
        .and_then(|c| c.config.working_dir.as_deref())
        .filter(|w| !w.is_empty() && *w != "/")
    else {
        return Vec::new();
    };
    let mut f = match input.idx.resolve_entry(w) {
        Ok((_, e)) if e.kind == Kind::Dir => return Vec::new(),
        Ok((canon, _)) => finding(
            &CHECK.meta,
            format!("WORKDIR `{w}` is not a directory (`{canon}`): the container will not start"),
            vec![format!("WORKDIR {w}")],
        ),
        Err(_) => finding(
            &CHECK.meta,
            format!(
                "WORKDIR `{w}` does not exist in the image: the runtime creates it, owned by root"
            ),
            vec![format!("WORKDIR {w}")],
        ),
    };
    if input.idx.resolve_entry(w).is_ok() {
        f.severity = Severity::Critical;
    }
    vec![f]
}
