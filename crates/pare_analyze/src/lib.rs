//! Analyzers over the filesystem index.
//!
//! Analyzers never touch the disk or the layers: they read the
//! [`pare_fsindex::FsIndex`] and the files it captured. Each declares the
//! globs it needs *before* the pass ([`capture_globs`]), so one streaming
//! pass over the layers feeds all of them.
//!
//! Hygiene checks live one per file under `checks/`, registered in the
//! static [`checks::CHECKS`] slice.
#![deny(missing_docs)]

pub mod attribution;
pub mod catalogers;
pub mod checks;
pub mod os_release;
pub mod passwd;
pub mod reach;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Globs of the files the analyzers in this crate read, for
/// [`pare_fsindex::IndexOptions::capture`].
pub const CAPTURE_GLOBS: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/passwd",
    "etc/group",
];

/// Build a glob set from patterns (used by the CLI to combine the globs of
/// every analyzer).
///
/// # Panics
/// Only if a pattern in this crate's static lists is invalid, which a test
/// rules out.
#[must_use]
pub fn capture_globs(extra: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in CAPTURE_GLOBS.iter().chain(extra) {
        b.add(Glob::new(g).expect("static glob is valid"));
    }
    b.build().expect("static globs are valid")
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs_compile_and_match() {
        let g = super::capture_globs(&[]);
        assert!(g.is_match("etc/os-release"));
        assert!(!g.is_match("etc/shadow"));
    }
}
