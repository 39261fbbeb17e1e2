//! What the policy decides on: one finding, reduced to the attributes rules
//! can match.

use pare_findings::{Ecosystem, VulnSeverity};
pub use pare_findings::{LayerClass, Reach};
use serde::Serialize;
use std::fmt;

/// What kind of finding a [`Subject`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A vulnerable package.
    Vulnerability,
    /// An ignore entry past its `expires` date: it no longer applies.
    ExpiredIgnore,
    /// An ignore entry (still valid) that matched no finding.
    StaleIgnore,
    /// An image hygiene finding (`IMG001` root user, `IMG002` shell,
    /// `IMG003` package manager, …), by its code.
    Hygiene,
    /// An ignore entry that could not be read (a bad `exp:` date in a
    /// Trivy ignore file, with `--lenient-ignores`): it applies to nothing.
    InvalidIgnore,
    /// An OpenVEX statement that could not be read: it was skipped, the
    /// rest of its document applies.
    InvalidVex,
    /// A secret in the image (`SEC001` private key, `SEC002` AWS key ID,
    /// …), by its code; its paths are the file (or `env:NAME`,
    /// `history[N]`, `label:NAME`).
    Secret,
}

impl Kind {
    /// Every kind, for error messages.
    pub const ALL: [Kind; 7] = [
        Kind::Vulnerability,
        Kind::ExpiredIgnore,
        Kind::StaleIgnore,
        Kind::Hygiene,
        Kind::InvalidIgnore,
        Kind::InvalidVex,
        Kind::Secret,
    ];

    /// One line for people (rule help text).
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Kind::Vulnerability => "A package has a known vulnerability",
            Kind::ExpiredIgnore => "An ignore entry is past its expiry date",
            Kind::StaleIgnore => "An ignore entry matches no finding",
            Kind::Hygiene => "The image fails a hygiene check",
            Kind::InvalidIgnore => "An ignore entry could not be read and applies to nothing",
            Kind::InvalidVex => "An OpenVEX statement could not be read and was skipped",
            Kind::Secret => "A credential is in the image",
        }
    }

    /// Name as written in `pare.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::ExpiredIgnore => "expired-ignore",
            Kind::StaleIgnore => "stale-ignore",
            Kind::Hygiene => "hygiene",
            Kind::InvalidIgnore => "invalid-ignore",
            Kind::InvalidVex => "invalid-vex",
            Kind::Secret => "secret",
        }
    }
}

/// One finding as the policy sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// What it is.
    pub kind: Kind,
    /// Primary ID (`CVE-…`, or the ignore entry's ID for ignore findings).
    pub id: String,
    /// Every ID and alias (`GHSA-…`, `DSA-…`), for ignore matching.
    pub ids: Vec<String>,
    /// Severity (the advisory's label, else from its CVSS score).
    pub severity: VulnSeverity,
    /// A fixed version exists.
    pub fixed: bool,
    /// Base or app layer.
    pub layer: LayerClass,
    /// Reachability.
    pub reach: Reach,
    /// Ecosystem of the package, when there is one.
    pub ecosystem: Option<Ecosystem>,
    /// Package name (empty for ignore findings without a package scope).
    pub package: String,
    /// Package URL.
    pub purl: String,
    /// Files where the package was found.
    pub paths: Vec<String>,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.package.is_empty() {
            f.write_str(&self.id)
        } else {
            write!(f, "{} in {}", self.id, self.package)
        }
    }
}
