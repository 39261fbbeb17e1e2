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

/// A version parsed once under a scheme, for repeated comparisons.
///
/// `a.cmp(&b)` on two keys of the same scheme equals
/// `scheme.compare(a_str, b_str)`, fallbacks for invalid strings included
/// (checked by a unit test over every scheme); keys of different schemes
/// order by scheme.
#[derive(Debug, Clone)]
pub struct Key {
    scheme: VersionScheme,
    raw: Box<str>,
    parsed: Parsed,
}

#[derive(Debug, Clone)]
enum Parsed {
    Dpkg(Option<dpkg::Version>),
    Rpm(Option<rpm::Version>),
    Pep440(Option<pep440::Version>),
    SemVer(Option<semver::Version>),
    /// Semver form (a `go1.x` toolchain string converted).
    Go(Option<go::Version>),
    Maven(maven::Version),
    /// apk compares the strings token by token; nothing to parse.
    Apk,
}

impl Key {
    /// Parses `v` under `scheme`. Never fails: invalid strings keep the
    /// scheme's fallback order.
    #[must_use]
    pub fn new(scheme: VersionScheme, v: &str) -> Self {
        let parsed = match scheme {
            VersionScheme::Dpkg => Parsed::Dpkg(dpkg::Version::parse(v).ok()),
            VersionScheme::Rpm => Parsed::Rpm(rpm::Version::parse(v).ok()),
            VersionScheme::Pep440 => Parsed::Pep440(pep440::Version::parse(v).ok()),
            VersionScheme::SemVer => Parsed::SemVer(semver::Version::parse(v).ok()),
            VersionScheme::Go => Parsed::Go(go::parse_lenient(v)),
            VersionScheme::Maven => Parsed::Maven(maven::Version::parse(v)),
            VersionScheme::Apk => Parsed::Apk,
        };
        Key {
            scheme,
            raw: v.into(),
            parsed,
        }
    }

    /// The text parsed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> VersionScheme {
        self.scheme
    }
}

/// Invalid-before-valid order of two optional parses; two invalid strings
/// compare by `invalid`.
fn opt_cmp<T>(
    a: Option<&T>,
    b: Option<&T>,
    valid: impl Fn(&T, &T) -> Ordering,
    invalid: impl Fn() -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => valid(x, y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => invalid(),
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        let (ra, rb) = (&*self.raw, &*other.raw);
        match (&self.parsed, &other.parsed) {
            (Parsed::Dpkg(a), Parsed::Dpkg(b)) => {
                opt_cmp(a.as_ref(), b.as_ref(), Ord::cmp, || ra.cmp(rb))
            }
            (Parsed::Rpm(a), Parsed::Rpm(b)) => {
                opt_cmp(a.as_ref(), b.as_ref(), rpm::Version::compare, || {
                    Ordering::Equal
                })
            }
            (Parsed::Pep440(a), Parsed::Pep440(b)) => {
                opt_cmp(a.as_ref(), b.as_ref(), pep440::Version::compare, || {
                    ra.cmp(rb)
                })
            }
            (Parsed::SemVer(a), Parsed::SemVer(b)) => {
                opt_cmp(a.as_ref(), b.as_ref(), semver::Version::compare, || {
                    ra.cmp(rb)
                })
            }
            (Parsed::Go(a), Parsed::Go(b)) => {
                if ra.starts_with("go") && rb.starts_with("go") {
                    go::compare_toolchain(ra, rb)
                } else {
                    opt_cmp(a.as_ref(), b.as_ref(), go::Version::compare, || {
                        Ordering::Equal
                    })
                }
            }
            (Parsed::Maven(a), Parsed::Maven(b)) => a.cmp(b),
            (Parsed::Apk, Parsed::Apk) => apk::compare(ra, rb),
            _ => self.scheme.cmp(&other.scheme),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

impl fmt::Display for VersionScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fallback most schemes share: a string the scheme rejects sorts
/// before every valid one, and two rejected strings compare as raw bytes,
/// so that ordering stays total and never panics.
pub(crate) fn compare_or_fallback<T, E>(
    a: &str,
    b: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => cmp(&x, &y),
        (Err(_), Ok(_)) => Ordering::Less,
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
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
    fn keys_order_like_compare() {
        let samples: &[(VersionScheme, &[&str])] = &[
            (
                VersionScheme::Dpkg,
                &[
                    "1.0",
                    "1:0.1",
                    "2.36-9+deb12u3",
                    "3.0.15-1~deb12u1",
                    "",
                    ":1",
                    "a:1",
                    "0",
                ],
            ),
            (
                VersionScheme::Rpm,
                &["1.0", "1:1.0", "1.0-1", "1.0^git1", "", "0"],
            ),
            (
                VersionScheme::Pep440,
                &[
                    "1.0",
                    "1.0a1",
                    "1.0.post1",
                    "1!0.1",
                    "not a version",
                    "zzz",
                    "0",
                ],
            ),
            (
                VersionScheme::SemVer,
                &["1.0.0", "1.0.0-rc.1", "0.0.0-0", "1.0", "bad", "0"],
            ),
            (
                VersionScheme::Go,
                &[
                    "1.20.2",
                    "v1.20.2",
                    "go1.20.1",
                    "go1.21rc1",
                    "1.22.0-0",
                    "go1.21",
                    "bad",
                    "0",
                ],
            ),
            (
                VersionScheme::Maven,
                &["1.0", "1.0-SNAPSHOT", "1.0.RELEASE", "2", "0"],
            ),
            (
                VersionScheme::Apk,
                &["1.0-r0", "1.0_rc1-r0", "1.0a-r1", "x", "0"],
            ),
        ];
        for (scheme, vs) in samples {
            for a in *vs {
                for b in *vs {
                    assert_eq!(
                        Key::new(*scheme, a).cmp(&Key::new(*scheme, b)),
                        scheme.compare(a, b),
                        "{scheme}: {a:?} vs {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_unique() {
        let mut names: Vec<_> = VersionScheme::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VersionScheme::ALL.len());
    }
}
