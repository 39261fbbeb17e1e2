//! Packages found in an image: what catalogers produce, what the SBOM
//! renders and what the vulnerability matchers read.

use serde::Serialize;
use std::fmt;

/// A package ecosystem. Names follow OSV's ecosystem strings where OSV has
/// one, so matchers can key on [`Ecosystem::osv_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    /// Debian/Ubuntu packages (dpkg).
    Deb,
    /// Alpine packages (apk).
    Apk,
    /// RPM packages (RHEL, Fedora, SUSE, ...).
    Rpm,
    /// Python distributions.
    Pypi,
    /// npm packages.
    Npm,
    /// Go modules (and the `stdlib` pseudo-module).
    Go,
    /// Rust crates.
    Cargo,
    /// Java/Maven artifacts.
    Maven,
}

impl Ecosystem {
    /// OSV ecosystem name (`Debian`, `Alpine`, `PyPI`, `npm`, `Go`,
    /// `crates.io`, `Maven`); distro ecosystems get a `:release` suffix
    /// from the image's distro when matching.
    #[must_use]
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Deb => "Debian",
            Ecosystem::Apk => "Alpine",
            Ecosystem::Rpm => "Red Hat",
            Ecosystem::Pypi => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
            Ecosystem::Cargo => "crates.io",
            Ecosystem::Maven => "Maven",
        }
    }

    /// PURL type (`deb`, `apk`, `rpm`, `pypi`, `npm`, `golang`, `cargo`,
    /// `maven`).
    #[must_use]
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "golang",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
        }
    }

    /// Short name as printed and accepted on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "go",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The image's operating system, from `/etc/os-release`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Distro {
    /// `ID` (`debian`, `alpine`, `ubuntu`).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.19.1`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

/// The layer a package (or file) came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerRef {
    /// 0-based index in the manifest's layer list.
    pub index: usize,
    /// The layer's diff_id (digest of the uncompressed tar), `sha256:...`.
    pub diff_id: String,
}

/// One package found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Name as the ecosystem spells it (PEP 503-normalised for PyPI).
    pub name: String,
    /// Version as recorded by the package database.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Package URL with qualifiers (`arch`, `distro`).
    pub purl: String,
    /// Source package (Debian `Source:`, Alpine `origin`, RPM source rpm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source package version when it differs from `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Architecture, where recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Declared licenses (SPDX expressions where the ecosystem gives them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// The layer that introduced the package (its metadata file's layer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// Where the package was found: database or metadata file, or binary.
    pub locations: Vec<String>,
    /// Files the package owns, when its database lists them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// npm: only a development dependency (not needed at runtime).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// The cataloger that found it (`dpkg-db`, `python-dist-info`, ...).
    pub cataloger: &'static str,
}

impl Package {
    /// Sort key for deterministic output: ecosystem, name, version, location.
    #[must_use]
    pub fn sort_key(&self) -> (Ecosystem, &str, &str, Option<&String>) {
        (
            self.ecosystem,
            &self.name,
            &self.version,
            self.locations.first(),
        )
    }
}

/// PEP 503 normalisation of a Python distribution name: lower case, every
/// run of `-`, `_` and `.` one `-` (`Flask_SQLAlchemy` -> `flask-sqlalchemy`).
/// The one normaliser the catalogers, the advisory database and the
/// reachability analysis share.
#[must_use]
pub fn pep503_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod pep503_tests {
    use super::pep503_normalize;

    #[test]
    fn pep503() {
        assert_eq!(pep503_normalize("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(pep503_normalize("zope.interface"), "zope-interface");
        assert_eq!(pep503_normalize("a--_.B"), "a-b");
        assert_eq!(pep503_normalize("psycopg2-binary"), "psycopg2-binary");
        assert_eq!(pep503_normalize("_x"), "x");
    }
}
