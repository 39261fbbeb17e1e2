//! What the gate does not know, and the policy's explicit acceptance of it.
//!
//! "Not knowing never passes": each kind of unknown either makes the gate
//! `incomplete` (exit 2) or is read the safer way (a layer of unknown
//! origin is treated as the app's, an unknown reachability as reachable:
//! see [`crate::Rule::matches`]), unless `pare.toml` accepts it with a
//! reason and an expiry:
//!
//! ```toml
//! [[unknowns.accept]]
//! kind = "unowned-files"
//! reason = "the app's own binaries are scanned by the Go cataloger"
//! expires = 2027-06-30
//! ```

use pare_findings::Date;
use serde::Serialize;
use std::fmt;

/// A kind of unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownKind {
    /// The image holds no operating system, no package and no executable:
    /// nothing was scanned (an empty directory, a folder of documents).
    NoImageContent,
    /// The OS release names a distribution with a package database, and
    /// none was found (`mmdebstrap --variant=extract`, a database deleted
    /// to hide packages).
    NoPackageDb,
    /// The database holds no advisories for an ecosystem the image has.
    NoAdvisories,
    /// Executables or shared libraries that no package database lists and
    /// no binary cataloger recognised: their vulnerabilities are invisible.
    UnownedFiles,
    /// Which layers are the base's could not be established (a squashed
    /// image, a history without a base boundary): findings are read as the
    /// app's.
    UnknownLayerOrigin,
    /// Text files the secrets scan wanted were not read (over an
    /// analysis's per-file cap, when it cannot stream them): a credential
    /// in one is not seen.
    UnscannedFiles,
}

impl UnknownKind {
    /// Every kind.
    pub const ALL: [UnknownKind; 6] = [
        UnknownKind::NoImageContent,
        UnknownKind::NoPackageDb,
        UnknownKind::NoAdvisories,
        UnknownKind::UnownedFiles,
        UnknownKind::UnknownLayerOrigin,
        UnknownKind::UnscannedFiles,
    ];

    /// Name as written in `pare.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownKind::NoImageContent => "no-image-content",
            UnknownKind::NoPackageDb => "no-package-db",
            UnknownKind::NoAdvisories => "no-advisories",
            UnknownKind::UnownedFiles => "unowned-files",
            UnknownKind::UnknownLayerOrigin => "unknown-layer-origin",
            UnknownKind::UnscannedFiles => "unscanned-files",
        }
    }

    /// Whether, unaccepted, it makes the gate incomplete (exit 2). The
    /// others are read the safer way instead.
    #[must_use]
    pub fn blocks(self) -> bool {
        !matches!(self, UnknownKind::UnknownLayerOrigin)
    }
}

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the gate does not know.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unknown {
    /// What kind.
    pub kind: UnknownKind,
    /// One line, for people.
    pub message: String,
    /// The entry that accepted it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
}

impl Unknown {
    /// A new, unaccepted unknown.
    pub fn new(kind: UnknownKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            accepted_by: None,
        }
    }

    /// Whether it keeps the gate from passing.
    #[must_use]
    pub fn blocks(&self) -> bool {
        self.kind.blocks() && self.accepted_by.is_none()
    }
}

/// `[[unknowns.accept]]`: an unknown the team accepts, with a reason and
/// an expiry, as ignore entries have.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptUnknown {
    /// What is accepted.
    pub kind: UnknownKind,
    /// Why.
    pub reason: String,
    /// The last day it applies.
    pub expires: Date,
    /// `pare.toml:12`.
    pub origin: String,
}

/// Mark the unknowns the policy accepts (entries not expired as of
/// `today`); returns the expired entries' messages, which the caller
/// reports.
pub fn accept(unknowns: &mut [Unknown], entries: &[AcceptUnknown], today: Date) -> Vec<String> {
    let mut expired = Vec::new();
    for e in entries {
        if today > e.expires {
            expired.push(format!(
                "{}: the acceptance of `{}` expired on {}",
                e.origin, e.kind, e.expires
            ));
            continue;
        }
        for u in unknowns.iter_mut().filter(|u| u.kind == e.kind) {
            u.accepted_by
                .get_or_insert_with(|| format!("{} ({})", e.origin, e.reason));
        }
    }
    expired
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptance_needs_a_live_entry_of_the_same_kind() {
        let mut u = vec![
            Unknown::new(UnknownKind::NoPackageDb, "no dpkg database"),
            Unknown::new(UnknownKind::UnknownLayerOrigin, "squashed"),
        ];
        assert!(u[0].blocks());
        assert!(!u[1].blocks(), "read the safer way, never blocking");
        let entry = |kind, expires: &str| AcceptUnknown {
            kind,
            reason: "extract-variant base, scanned upstream".into(),
            expires: Date::parse(expires).unwrap(),
            origin: "pare.toml:3".into(),
        };
        let today = Date::parse("2026-12-06").unwrap();
        let expired = accept(
            &mut u,
            &[entry(UnknownKind::NoPackageDb, "2026-12-01")],
            today,
        );
        assert_eq!(expired.len(), 1);
        assert!(u[0].blocks(), "an expired acceptance accepts nothing");
        let expired = accept(
            &mut u,
            &[entry(UnknownKind::NoPackageDb, "2027-01-01")],
            today,
        );
        assert!(expired.is_empty());
        assert!(!u[0].blocks());
        assert!(u[0].accepted_by.as_deref().unwrap().contains("pare.toml:3"));
        let names: Vec<&str> = UnknownKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "no-image-content",
                "no-package-db",
                "no-advisories",
                "unowned-files",
                "unknown-layer-origin",
                "unscanned-files"
            ]
        );
    }
}
