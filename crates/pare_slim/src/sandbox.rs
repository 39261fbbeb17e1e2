//! Running an image's entrypoint without a container engine: `bwrap`
//! (bubblewrap) over an unpacked root filesystem, read-only, with a fresh
//! `/dev` and `/proc`, no network (`--unshare-all`), as the image's user
//! (or 65532 when the image runs as root), with the image's environment
//! and working directory, for a limited time.
//!
//! The outcome ([`RunReport`]): whether the program started (bwrap could
//! `exec` it), whether it was still running at the time limit (a server),
//! or how it exited, the tail of its output, and the lines that mention a
//! read-only file system (`EROFS`) — the writes a read-only root breaks.

use serde::Serialize;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Time limit: a program still running then "stays up".
    pub timeout: Duration,
    /// No writable `/tmp` either (the root filesystem and nothing else).
    pub read_only_rootfs: bool,
    /// The `bwrap` program.
    pub bwrap: String,
    /// Extra environment (`KEY=VALUE`), after the image's.
    pub env: Vec<String>,
    /// Directories the deployment mounts writable (its volumes: a
    /// manifest's `volumeMounts`, the config's `Volumes`): each that the
    /// root filesystem has gets a fresh writable directory, as an
    /// `emptyDir` would, so that a write there is not taken for one the
    /// read-only root refuses.
    pub writable: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            read_only_rootfs: false,
            bwrap: "bwrap".into(),
            env: Vec::new(),
            writable: Vec::new(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// The argv run inside the sandbox.
    pub argv: Vec<String>,
    /// uid and gid it ran as.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// The program was executed.
    pub started: bool,
    /// Still running at the time limit (then stopped).
    pub stayed_up: bool,
    /// Exit status, when it exited.
    pub exit_code: Option<i32>,
    /// Seconds it ran.
    pub seconds: f64,
    /// Last lines of stdout.
    pub stdout: Vec<String>,
    /// Last lines of stderr.
    pub stderr: Vec<String>,
    /// Lines that mention a read-only file system.
    pub erofs: Vec<String>,
}

impl RunReport {
    /// Whether the run counts as a pass: it started and either stayed up
    /// or exited with 0.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.started && (self.stayed_up || self.exit_code == Some(0))
    }
}

/// Errors starting the sandbox (not the program's own failures).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// `bwrap` is missing or cannot start.
    #[error("cannot run `{bwrap}`")]
    Spawn {
        /// The program.
        bwrap: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The kernel refused the namespaces bwrap needs.
    #[error("the sandbox cannot start here (user namespaces refused?): {0}")]
    Refused(String),
    /// Nothing to run.
    #[error("the image has no entrypoint or command")]
    NoCommand,
}

/// The last `n` lines, each at most 400 characters, without terminal
/// escape sequences or other control characters (the program's output is
/// shown in pare's own report).
fn tail(b: &[u8], n: usize) -> Vec<String> {
    let t = String::from_utf8_lossy(b);
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| clean(l).chars().take(400).collect())
        .collect()
}

/// `l` without ANSI escape sequences (`ESC [ … letter`) and control
/// characters.
fn clean(l: &str) -> String {
    let mut out = String::with_capacity(l.len());
    let mut chars = l.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        if c == '\t' || !c.is_control() {
            out.push(c);
        }
    }
    out
}

/// The uid/gid to run as: the image's (numeric, or resolved by the
/// caller), else 65532 when the image runs as root.
#[must_use]
pub fn run_as(uid: Option<u64>, gid: Option<u64>) -> (u32, u32) {
    match uid.and_then(|u| u32::try_from(u).ok()) {
        Some(0) | None => (65532, 65532),
        Some(u) => (u, gid.and_then(|g| u32::try_from(g).ok()).unwrap_or(u)),
    }
}

/// Run `argv` (argv[0] an absolute path inside `root`) in a sandbox over
/// `root`.
///
/// # Errors
/// [`SandboxError`] when the sandbox itself cannot start.
pub fn run(
    root: &Path,
    argv: &[String],
    env: &[String],
    cwd: &str,
    (uid, gid): (u32, u32),
    opts: &RunOptions,
) -> Result<RunReport, SandboxError> {
    if argv.is_empty() {
        return Err(SandboxError::NoCommand);
    }
    let mut cmd = Command::new(&opts.bwrap);
    cmd.arg("--ro-bind")
        .arg(root)
        .arg("/")
        .args(["--dev", "/dev", "--proc", "/proc"]);
    if !opts.read_only_rootfs {
        cmd.args(["--tmpfs", "/tmp"]);
    }
    for d in &opts.writable {
        let rel = d.trim_start_matches('/');
        // A mount point must exist in the read-only root; `/` itself is
        // not a volume.
        let mounted = rel == "tmp" && !opts.read_only_rootfs;
        if !rel.is_empty() && !mounted && root.join(rel).is_dir() {
            cmd.args(["--tmpfs", d]);
        }
    }
    cmd.args(["--unshare-all", "--die-with-parent", "--new-session"])
        .args(["--uid", &uid.to_string(), "--gid", &gid.to_string()])
        .args(["--chdir", cwd, "--clearenv"]);
    for e in env.iter().chain(&opts.env) {
        if let Some((k, v)) = e.split_once('=') {
            cmd.args(["--setenv", k, v]);
        }
    }
    cmd.arg("--").args(argv);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|source| SandboxError::Spawn {
        bwrap: opts.bwrap.clone(),
        source,
    })?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let ro = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let re = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let mut stayed_up = false;
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if t0.elapsed() >= opts.timeout {
            stayed_up = true;
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = t0.elapsed().as_secs_f64();
    let stdout = ro.join().unwrap_or_default();
    let stderr = re.join().unwrap_or_default();
    let err_text = String::from_utf8_lossy(&stderr);
    if let Some(l) = err_text.lines().find(|l| {
        l.starts_with("bwrap:")
            && (l.contains("No permission")
                || l.contains("Operation not permitted")
                || l.contains("setting up uid map"))
    }) {
        return Err(SandboxError::Refused(l.to_string()));
    }
    // bwrap prints `bwrap: …` only when it fails before the program runs.
    let started = !err_text.lines().any(|l| l.starts_with("bwrap: "));
    // Only the program's: bwrap's own failures are not its writes.
    let erofs = if started {
        String::from_utf8_lossy(&stdout)
            .lines()
            .chain(err_text.lines())
            .filter(|l| l.contains("Read-only file system") || l.contains("EROFS"))
            .take(20)
            .map(|l| clean(l).chars().take(400).collect())
            .collect()
    } else {
        Vec::new()
    };
    Ok(RunReport {
        argv: argv.to_vec(),
        uid,
        gid,
        started,
        stayed_up: stayed_up && started,
        exit_code: status.and_then(|s| s.code()),
        seconds: (seconds * 100.0).round() / 100.0,
        stdout: tail(&stdout, 20),
        stderr: tail(&stderr, 20),
        erofs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_cleaned_and_cut() {
        let b = b"one\n\x1b[31m\x1b[1mWARNING\x1b[0m: dev\x07\nthree\n";
        assert_eq!(tail(b, 2), ["WARNING: dev", "three"]);
        assert_eq!(run_as(Some(0), Some(0)), (65532, 65532));
        assert_eq!(run_as(Some(1000), None), (1000, 1000));
        assert_eq!(run_as(None, None), (65532, 65532));
    }
}
