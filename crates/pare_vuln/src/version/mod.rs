//! Version ordering, one module per scheme.
//!
//! Each module parses into a comparable value and offers a
//! `compare(a, b) -> Ordering` on strings that never panics: invalid
//! strings sort by a documented fallback (see each module). The
//! [`VersionScheme`] enum picks the module for an ecosystem.
//!
//! Each scheme is held to its reference implementation by the differential
//! tests in `tests/differential.rs` (dpkg: libdpkg; rpm: librpm; PEP 440:
//! `packaging`; npm: `semver`; Maven: `ComparableVersion`; Go:
//! `golang.org/x/mod/semver`; apk: apk-tools' algorithm via its Go port).

pub mod apk;
pub mod dpkg;
pub mod go;
pub mod maven;
pub mod pep440;
pub mod rpm;
pub mod semver;

use pare_findings::Ecosystem;
use std::cmp::Ordering;
use std::fmt;

/// A version string the scheme rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version `{version}`: {reason}")]
pub struct VersionError {
    /// Scheme name (`dpkg`, `pep440`, ...).
    pub scheme: &'static str,
    /// The rejected text.
    pub version: String,
    /// Why.
    pub reason: &'static str,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, reason: &'static str) -> Self {
        VersionError {
            scheme,
            version: version.chars().take(200).collect(),
            reason,
        }
    }
}

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VersionScheme {
    /// Debian and Ubuntu (`dpkg`).
    Dpkg,
    /// Alpine (`apk-tools`).
    Apk,
    /// RPM distributions.
    Rpm,
    /// Python (PEP 440).
    Pep440,
    /// npm and crates.io (SemVer 2.0 with npm's parsing).
    SemVer,
    /// Go modules and the Go toolchain.
    Go,
    /// Maven.
    Maven,
}

impl VersionScheme {
    /// All schemes.
    pub const ALL: [VersionScheme; 7] = [
        VersionScheme::Dpkg,
        VersionScheme::Apk,
        VersionScheme::Rpm,
        VersionScheme::Pep440,
        VersionScheme::SemVer,
        VersionScheme::Go,
        VersionScheme::Maven,
    ];

    /// The scheme of a package ecosystem.
    #[must_use]
    pub fn for_ecosystem(e: Ecosystem) -> Self {
        match e {
            Ecosystem::Deb => VersionScheme::Dpkg,
            Ecosystem::Apk => VersionScheme::Apk,
            Ecosystem::Rpm => VersionScheme::Rpm,
            Ecosystem::Pypi => VersionScheme::Pep440,
            Ecosystem::Npm | Ecosystem::Cargo => VersionScheme::SemVer,
            Ecosystem::Go => VersionScheme::Go,
            Ecosystem::Maven => VersionScheme::Maven,
        }
    }

    /// The scheme of an OSV ecosystem string (`Debian:12`, `Alpine:v3.19`,
    /// `PyPI`, ...), or `None` for ecosystems pare does not order.
    #[must_use]
    pub fn for_osv_ecosystem(eco: &str) -> Option<Self> {
        let base = eco.split(':').next().unwrap_or(eco);
        Some(match base {
            "Debian" | "Ubuntu" => VersionScheme::Dpkg,
            "Alpine" | "Chainguard" | "Wolfi" => VersionScheme::Apk,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "openSUSE" | "SUSE" | "Mageia"
            | "openEuler" => VersionScheme::Rpm,
            "PyPI" => VersionScheme::Pep440,
            "npm" | "crates.io" => VersionScheme::SemVer,
            "Go" => VersionScheme::Go,
            "Maven" => VersionScheme::Maven,
            _ => return None,
        })
    }

    /// Short name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VersionScheme::Dpkg => "dpkg",
            VersionScheme::Apk => "apk",
            VersionScheme::Rpm => "rpm",
            VersionScheme::Pep440 => "pep440",
            VersionScheme::SemVer => "semver",
            VersionScheme::Go => "go",
            VersionScheme::Maven => "maven",
        }
    }

    /// Compares two version strings under this scheme. Never panics;
    /// invalid strings follow each module's documented fallback.
    #[must_use]
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            VersionScheme::Dpkg => dpkg::compare(a, b),
            VersionScheme::Apk => apk::compare(a, b),
            VersionScheme::Rpm => rpm::compare(a, b),
            VersionScheme::Pep440 => pep440::compare(a, b),
            VersionScheme::SemVer => semver::compare(a, b),
            VersionScheme::Go => go::compare(a, b),
            VersionScheme::Maven => maven::compare(a, b),
        }
    }

    /// Checks that the scheme accepts `v`.
    ///
    /// # Errors
    /// The scheme's parse error.
    pub fn validate(self, v: &str) -> Result<(), VersionError> {
        match self {
            VersionScheme::Dpkg => dpkg::Version::parse(v).map(drop),
            VersionScheme::Apk => apk::Version::parse(v).map(drop),
            VersionScheme::Rpm => rpm::Version::parse(v).map(drop),
            VersionScheme::Pep440 => pep440::Version::parse(v).map(drop),
            VersionScheme::SemVer => semver::Version::parse(v).map(drop),
            VersionScheme::Go => {
                if v.starts_with("go") {
                    go::toolchain_to_semver(v)
                        .map(drop)
                        .ok_or_else(|| VersionError::new("go", v, "not a Go toolchain version"))
                } else {
                    go::Version::parse(v).map(drop)
                }
            }
            VersionScheme::Maven => Ok(()),
        }
    }
}

impl fmt::Display for VersionScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems() {
        assert_eq!(
            VersionScheme::for_osv_ecosystem("Debian:12"),
            Some(VersionScheme::Dpkg)
        );
        assert_eq!(
            VersionScheme::for_osv_ecosystem("Alpine:v3.19"),
            Some(VersionScheme::Apk)
        );
        assert_eq!(
            VersionScheme::for_osv_ecosystem("crates.io"),
            Some(VersionScheme::SemVer)
        );
        assert_eq!(
            VersionScheme::for_osv_ecosystem("Ubuntu:Pro:14.04:LTS"),
            Some(VersionScheme::Dpkg)
        );
        assert_eq!(VersionScheme::for_osv_ecosystem("GIT"), None);
    }

    #[test]
    fn names_unique() {
        let mut names: Vec<_> = VersionScheme::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VersionScheme::ALL.len());
    }
}
