//! `pare verify`: will the image still run?
//!
//! ## Inputs
//! The image config, the [`FsIndex`] built with reachability's capture
//! globs and probes ([`pare_reach::CAPTURE_GLOBS`], [`pare_reach::probes`])
//! and the user database ([`pare_hygiene::CAPTURE_GLOBS`]), and the
//! container's [`Closure`] ([`pare_reach::closure::closure`]): the same
//! closure the gate's reachability and `pare slim` use, so a file `slim`
//! keeps is a file the gate calls reachable and `verify` checks.
//!
//! ## Output
//! One [`VerifyFinding`] per problem, each from a check with a stable code
//! (`VFY001`...) registered in [`checks::CHECKS`], with its evidence (the
//! paths and the chain that fails). A finding of severity `high` or above
//! means the container will not start or will fail at once: `pare verify`
//! exits 1.
//!
//! ## Limits
//! Static: what a program opens by a computed name, or runs from its own
//! code (`subprocess`, `child_process`), is not seen (see
//! `shared/SLIM.md`); `pare verify --run` starts the entrypoint in a
//! sandbox to catch the rest.
#![deny(missing_docs)]

pub mod checks;
pub mod user;

use pare_findings::Severity;
use pare_fsindex::FsIndex;
use pare_image::ConfigFile;
use pare_reach::closure::Closure;
use serde::Serialize;

pub use checks::read_only_writes::written_dirs;
pub use checks::{Check, CHECKS};

/// Globs of the files the checks read, for the index pass (on top of
/// reachability's and the user database's).
pub const CAPTURE_GLOBS: &[&str] = &["etc/passwd", "etc/group"];

/// Options of a verification.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The root filesystem is mounted read-only (`--read-only-rootfs`, or
    /// a Kubernetes manifest that sets `readOnlyRootFilesystem`).
    pub read_only_rootfs: bool,
    /// Paths a writable volume is mounted at (the config's `Volumes`, the
    /// manifest's `volumeMounts`).
    pub writable_mounts: Vec<String>,
}

impl Options {
    /// Every directory a writable volume is mounted at: the manifest's
    /// `volumeMounts` and the image config's `Volumes` (the writes check
    /// and `--run`'s sandbox both go by it).
    #[must_use]
    pub fn volumes(&self, config: Option<&ConfigFile>) -> Vec<String> {
        let image = config.into_iter().flat_map(|c| c.config.volumes.keys());
        self.writable_mounts.iter().chain(image).cloned().collect()
    }
}

/// What the checks see.
pub struct Input<'a> {
    /// The image config (None for a rootfs directory).
    pub config: Option<&'a ConfigFile>,
    /// The filesystem index.
    pub idx: &'a FsIndex,
    /// The container's closure.
    pub closure: &'a Closure,
    /// Options.
    pub options: &'a Options,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyFinding {
    /// Check code (`VFY001`).
    pub code: &'static str,
    /// Check name (`entrypoint-missing`).
    pub name: &'static str,
    /// Severity: `high` and above fail.
    pub severity: Severity,
    /// What fails.
    pub message: String,
    /// The paths and steps that show it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl VerifyFinding {
    /// Whether this finding fails verification (the container will not
    /// start or fails at once).
    #[must_use]
    pub fn fails(&self) -> bool {
        self.severity >= Severity::High
    }
}

/// Run every check, findings sorted by code then message.
#[must_use]
pub fn verify(input: &Input<'_>) -> Vec<VerifyFinding> {
    let mut out: Vec<VerifyFinding> = CHECKS.iter().flat_map(|c| (c.run)(input)).collect();
    out.sort_by(|a, b| (a.code, &a.message).cmp(&(b.code, &b.message)));
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
