//! VFY007 user-missing.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// VFY007
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY007",
        name: "user-missing",
        summary: "The configured USER (or group) is not in the image's user database",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Resolves the config's `User` (`name`, `uid`, `name:group`, `uid:gid`)
as runc does: a name must be in `/etc/passwd` (a group name in
`/etc/group`); a numeric uid needs no entry. A numeric uid without an
entry is reported as `low`: the container starts, with `HOME=/` and no
user name (`getpwuid` fails, which breaks some programs: `whoami`,
Python's `getpass.getuser()`, ssh).

## Why is this bad?
The container does not start: `unable to find user app: no matching
entries in passwd file`. Common after moving to a distroless base, whose
`/etc/passwd` has only `root`, `nobody` and `nonroot`.

## Example
`USER app` on `gcr.io/distroless/base` (which has no `app` user).

Use instead: a numeric `USER 65532:65532`, or add the user to
`/etc/passwd` in the image.

## Fix safety
No automatic fix.

## References
- runc, user lookup: https://github.com/opencontainers/runc/blob/main/libcontainer/user/lookup_unix.go
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    let Some(config) = input.config else {
        return Vec::new();
    };
    let u = crate::user::resolve(input.idx, config.config.user.as_deref());
    let mut out: Vec<VerifyFinding> = u
        .errors
        .iter()
        .map(|e| {
            finding(
                &CHECK.meta,
                format!("{e}: the container will not start"),
                vec![format!("USER {}", u.configured)],
            )
        })
        .collect();
    if u.unnamed {
        let mut f = finding(
            &CHECK.meta,
            format!(
                "uid {} has no `/etc/passwd` entry: the container starts with `HOME=/` and no user name",
                u.uid.unwrap_or_default()
            ),
            vec![format!("USER {}", u.configured)],
        );
        f.severity = Severity::Low;
        out.push(f);
    }
    out
}
