//! OSV records (<https://ossf.github.io/osv-schema/>): the subset pare
//! stores and matches on. Unknown fields are ignored; `null` is accepted
//! wherever a list or object may be absent (RustSec writes
//! `"affected_functions": null`).
//!
//! YAML records (PyPA's advisory database) are read with every scalar kept
//! as text, so unquoted versions (`4.2.10`) and timestamps stay strings.

use serde::{Deserialize, Deserializer};

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One OSV record.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Record {
    /// `GHSA-...`, `PYSEC-...`, `CVE-...`, `DSA-...`
    pub id: String,
    /// RFC 3339 modification time.
    #[serde(default, deserialize_with = "null_default")]
    pub modified: String,
    /// Set when the record was withdrawn.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Other IDs for the same flaw.
    #[serde(default, deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    /// IDs of closely related flaws (not the same flaw).
    #[serde(default, deserialize_with = "null_default")]
    pub related: Vec<String>,
    /// IDs this record was derived from.
    #[serde(default, deserialize_with = "null_default")]
    pub upstream: Vec<String>,
    /// One-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Longer text.
    #[serde(default)]
    pub details: Option<String>,
    /// Severity vectors (`CVSS_V3`, `CVSS_V4`, `Ubuntu`...).
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<SeverityEntry>,
    /// Affected packages.
    #[serde(default, deserialize_with = "null_default")]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, deserialize_with = "null_default")]
    pub references: Vec<Reference>,
    /// Database-specific data (GHSA's `severity`).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity entry.
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityEntry {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (or a word, for `Ubuntu`).
    pub score: String,
}

/// A reference link.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `WEB`, ...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// URL.
    #[serde(default)]
    pub url: String,
}

/// One affected package.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Affected {
    /// The package; absent for pure `GIT` entries.
    #[serde(default)]
    pub package: Option<AffectedPackage>,
    /// Per-package severity.
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<SeverityEntry>,
    /// Version ranges.
    #[serde(default, deserialize_with = "null_default")]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(default, deserialize_with = "null_default")]
    pub versions: Vec<String>,
    /// Ecosystem data (Debian's `urgency`).
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Database data (GHSA's `last_known_affected_version_range`).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// Package identity in an affected entry.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AffectedPackage {
    /// `Debian:12`, `PyPI`, `Go`, ...
    #[serde(default)]
    pub ecosystem: String,
    /// Name as the ecosystem spells it.
    #[serde(default)]
    pub name: String,
    /// Package URL.
    #[serde(default)]
    pub purl: Option<String>,
}

/// A version range.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Events in the order given.
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<Event>,
}

/// A range event: exactly one field is set.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq, Default)]
pub struct Event {
    /// Start of an affected span (`0` = from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First unaffected version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last affected version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// Upper limit (exclusive) of the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// Parses one OSV record from JSON.
///
/// # Errors
/// The JSON error.
pub fn from_json(bytes: &[u8]) -> Result<Record, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Parses one OSV record from YAML.
///
/// # Errors
/// The YAML error.
pub fn from_yaml(text: &str) -> Result<Record, serde_yaml_ng::Error> {
    serde_yaml_ng::from_str(text)
}

/// Records from a JSON document: one record, a `{"vulns": [...]}` API
/// answer, or a JSON array of records.
///
/// # Errors
/// When the document is none of these.
pub fn many_from_json(bytes: &[u8]) -> Result<Vec<Record>, serde_json::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Doc {
        Api { vulns: Vec<Record> },
        List(Vec<Record>),
        One(Box<Record>),
    }
    Ok(match serde_json::from_slice::<Doc>(bytes)? {
        Doc::Api { vulns } => vulns,
        Doc::List(v) => v,
        Doc::One(r) => vec![*r],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_unquoted_scalars_as_text() {
        let y = "id: PYSEC-1\nmodified: 2024-08-07T17:22:10.804411Z\naffected:\n- package: {name: django, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 4.2.10\n  versions:\n  - 4.2\n  - 1.10\n";
        let r = from_yaml(y).unwrap();
        assert_eq!(r.modified, "2024-08-07T17:22:10.804411Z");
        assert_eq!(
            r.affected[0].ranges[0].events[1].fixed.as_deref(),
            Some("4.2.10")
        );
        assert_eq!(r.affected[0].versions, ["4.2", "1.10"]);
    }

    #[test]
    fn null_lists_are_empty() {
        let r = from_json(br#"{"id":"RUSTSEC-1","aliases":null,"affected":[{"package":{"ecosystem":"crates.io","name":"x"},"versions":null,"ranges":null}]}"#).unwrap();
        assert!(r.aliases.is_empty());
        assert!(r.affected[0].versions.is_empty());
    }
}
