//! Image hygiene: who the container runs as, shells, package managers,
//! setuid/setgid and world-writable files, wasted bytes and the largest
//! files ([`checks::Hygiene`]), and one check per file turning those facts
//! into `IMG` findings ([`checks::CHECKS`]).
//!
//! Like every analyzer, it reads only the [`pare_fsindex::FsIndex`] and the
//! files captured in its single pass ([`CAPTURE_GLOBS`]).
#![deny(missing_docs)]

pub mod checks;
pub mod passwd;

/// Globs of the files the hygiene facts read (the user database), for
/// [`pare_fsindex::IndexOptions::capture`].
pub const CAPTURE_GLOBS: &[&str] = &["etc/passwd", "etc/group"];

#[cfg(test)]
mod tests {
    #[test]
    fn globs_compile_and_match() {
        let g = pare_fsindex::glob_set(super::CAPTURE_GLOBS);
        assert!(g.is_match("etc/passwd"));
        assert!(!g.is_match("etc/shadow"));
    }
}
