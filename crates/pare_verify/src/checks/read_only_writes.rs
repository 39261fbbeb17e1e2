//! VFY010 read-only-writes.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::Kind;

/// VFY010
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY010",
        name: "read-only-writes",
        summary:
            "Under a read-only root filesystem, a directory the software writes is not a volume",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::Sometimes,
        doc: r#"## What it does
Only with `--read-only-rootfs` (or a Kubernetes manifest, `--manifest`,
whose container sets `readOnlyRootFilesystem: true`): lists the
directories the image's software is known to write and flags each one
not covered by a volume (the config's `Volumes`, the manifest's
`volumeMounts`):
- the temporary directory (`$TMPDIR`, else `/tmp`; Python's `tempfile`,
  Node's `os.tmpdir()`, most C programs) and `/var/tmp`;
- when the container runs nginx: the directories of its pid file and
  logs and its temporary directories, from its configuration
  (`nginx.conf` and its includes, `-g` on the command line) and, where
  that is silent, the defaults compiled into the binary (`/run`,
  `/var/lib/nginx`, `/var/log/nginx` for Debian's);
- directories owned by and writable by the container's (non-root) user,
  outside its home: an image prepares them for its app to write (caches,
  uploads, pid files: `/var/cache/app`).

## Why is this bad?
Every write fails with `EROFS` (`Read-only file system`): a service that
starts fine in development crashes, or worse degrades silently, once the
cluster enforces a read-only root.

## Example
An app writing `/var/cache/app/index.db`, deployed with
`readOnlyRootFilesystem: true` and no volume at `/var/cache/app`.

Use instead: mount an `emptyDir` at each such path: `pare fix --unsafe
--image IMAGE deploy.yaml` adds them to the containers that set
`readOnlyRootFilesystem: true`.

## Fix safety
A fix on the manifest adds volumes; it does not change what the image
writes.

## References
- Kubernetes, `readOnlyRootFilesystem`: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    if !input.options.read_only_rootfs {
        return Vec::new();
    }
    let mounts = input.options.volumes(input.config);
    let covered = |p: &str| {
        mounts.iter().any(|m| {
            let m = m.trim_end_matches('/');
            m.is_empty() || p == m || p.starts_with(&format!("{m}/"))
        })
    };
    written_dirs(input.config, input.idx, input.closure)
        .into_iter()
        .filter(|(p, _)| !covered(p))
        .map(|(p, why)| {
            finding(
                &CHECK.meta,
                format!("`{p}` is written at run time ({why}) but the root filesystem is read-only and no volume covers it"),
                vec![format!("mount an emptyDir at {p}")],
            )
        })
        .collect()
}

/// The directories the image's software is known to write at run time,
/// each with why: the temporary directory (`$TMPDIR`, else `/tmp`),
/// `/var/tmp`, what the programs' configuration says they write
/// (`closure`'s [`writes`](pare_reach::closure::Closure::writes): nginx's
/// pid file, temporary directories and logs), and directories owned by
/// and writable by the container's non-root user outside its home. What
/// `pare fix --image` mounts an `emptyDir` at, and what `slim` keeps.
#[must_use]
pub fn written_dirs(
    config: Option<&pare_image::ConfigFile>,
    idx: &pare_fsindex::FsIndex,
    closure: &pare_reach::closure::Closure,
) -> Vec<(String, String)> {
    let env_tmp = config.and_then(|c| {
        c.config
            .env
            .iter()
            .find_map(|e| e.strip_prefix("TMPDIR=").map(str::to_string))
    });
    let user = config.map(|c| crate::user::resolve(idx, c.config.user.as_deref()));
    let uid = user.as_ref().and_then(|u| u.uid).unwrap_or(0);
    let home = user.as_ref().and_then(|u| u.home.clone());
    let mut found: Vec<(String, String)> = Vec::new();
    let tmp = env_tmp.unwrap_or_else(|| "/tmp".to_string());
    found.push((
        tmp.clone(),
        "the temporary directory (Python `tempfile`, Node `os.tmpdir()`, `mkstemp`)".into(),
    ));
    if idx.get("/var/tmp").is_some() {
        found.push((
            "/var/tmp".into(),
            "the persistent temporary directory".into(),
        ));
    }
    // What the programs' configuration says they write.
    for (p, why) in &closure.writes {
        if !found
            .iter()
            .any(|(f, _)| p == f || p.starts_with(&format!("{f}/")))
        {
            found.push((p.clone(), why.clone()));
        }
    }
    for (p, e) in idx.iter() {
        if e.kind != Kind::Dir
            || ["/proc", "/sys", "/dev"]
                .iter()
                .any(|s| p == *s || p.starts_with(&format!("{s}/")))
        {
            continue;
        }
        if found
            .iter()
            .any(|(f, _)| p == f || p.starts_with(&format!("{f}/")))
        {
            continue;
        }
        if uid != 0
            && e.uid == uid
            && e.mode & 0o200 != 0
            && !home
                .as_deref()
                .is_some_and(|h| h != "/" && (p == h || p.starts_with(&format!("{h}/"))))
        {
            found.push((
                p.to_string(),
                format!("owned and writable by the container's user (uid {uid})"),
            ));
        }
    }
    found
}
