//! VFY008 not-executable.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::Kind;

/// VFY008
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY008",
        name: "not-executable",
        summary:
            "The entrypoint is not executable (or a script not readable) by the container's user",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Checks the permission bits and owner of the entrypoint's program against
the container's uid and groups (from `USER`, `/etc/passwd` and
`/etc/group`): it must be executable by that user, and a `#!` script
must also be readable (the interpreter opens it). uid 0 needs any
execute bit.

## Why is this bad?
`exec /app/start.sh: permission denied`: a script copied without `+x`,
or a binary owned by root with mode `0700` run as a non-root user.

## Example
`COPY start.sh /app/` (mode 0644) with `ENTRYPOINT ["/app/start.sh"]`.

Use instead: `COPY --chmod=0755 start.sh /app/`.

## Fix safety
No automatic fix.

## References
- execve(2), `EACCES`: https://man7.org/linux/man-pages/man2/execve.2.html
"#,
    },
    run,
};

/// Whether `bits` (`r=4`, `x=1`) are granted to uid/gids on `e`.
fn allowed(e: &pare_fsindex::Entry, uid: u64, gids: &[u64], bits: u32) -> bool {
    if uid == 0 {
        // root: read always; execute when any x bit is set
        return bits & 1 == 0 || e.mode & 0o111 != 0;
    }
    let class = if e.uid == uid {
        (e.mode >> 6) & 7
    } else if gids.contains(&e.gid) {
        (e.mode >> 3) & 7
    } else {
        e.mode & 7
    };
    class & bits == bits
}

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    let Some(config) = input.config else {
        return Vec::new();
    };
    let Some(word) = input.closure.argv.first() else {
        return Vec::new();
    };
    let u = crate::user::resolve(input.idx, config.config.user.as_deref());
    let (Some(uid), true) = (u.uid, u.errors.is_empty()) else {
        return Vec::new();
    };
    let mut gids: Vec<u64> = u.groups.clone();
    gids.extend(u.gid);
    let path_env = config
        .config
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(pare_reach::entry::DEFAULT_PATH);
    let cwd = config.config.working_dir.as_deref().unwrap_or("/");
    let candidates: Vec<String> = if word.contains('/') {
        vec![if word.starts_with('/') {
            word.clone()
        } else {
            format!("{}/{word}", cwd.trim_end_matches('/'))
        }]
    } else {
        path_env
            .split(':')
            .filter(|d| d.starts_with('/'))
            .map(|d| format!("{}/{word}", d.trim_end_matches('/')))
            .collect()
    };
    let Some((canon, e)) = candidates
        .iter()
        .find_map(|c| input.idx.resolve_entry(c).ok().filter(|(_, e)| e.is_file()))
    else {
        return Vec::new(); // VFY001's
    };
    let e = if e.kind == Kind::Hardlink {
        e.link
            .as_deref()
            .and_then(|t| input.idx.get(t))
            .unwrap_or(e)
    } else {
        e
    };
    let is_elf = input
        .idx
        .probe_results(pare_reach::probe::ELF_PROBE)
        .any(|(p, _)| p == canon);
    let mut missing = Vec::new();
    if !allowed(e, uid, &gids, 1) {
        missing.push("execute");
    }
    if !is_elf && !allowed(e, uid, &gids, 4) {
        missing.push("read");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    vec![finding(
        &CHECK.meta,
        format!(
            "`{canon}` is not {} by uid {uid}: the container will not start",
            missing
                .iter()
                .map(|m| format!("{m}able"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        vec![format!(
            "{canon}: mode {:04o}, owner {}:{}; USER {}",
            e.mode, e.uid, e.gid, u.configured
        )],
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: u32, uid: u64, gid: u64) -> pare_fsindex::Entry {
        pare_fsindex::Entry {
            kind: Kind::File,
            mode,
            uid,
            gid,
            size: 1,
            link: None,
            layer: 0,
        }
    }

    #[test]
    fn permission_classes() {
        assert!(allowed(&entry(0o755, 0, 0), 1000, &[1000], 1));
        assert!(!allowed(&entry(0o744, 0, 0), 1000, &[1000], 1));
        assert!(allowed(&entry(0o744, 1000, 0), 1000, &[], 1));
        assert!(allowed(&entry(0o710, 0, 50), 1000, &[50], 1));
        assert!(!allowed(&entry(0o644, 0, 0), 0, &[], 1));
        assert!(allowed(&entry(0o100, 5, 5), 0, &[], 1));
        assert!(!allowed(&entry(0o711, 0, 0), 1000, &[], 4));
    }
}
