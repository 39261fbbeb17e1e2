//! Secrets in images: credentials in every file of every layer — files a
//! later layer deleted or overwrote included — and in the image config
//! (env values, `history[].created_by`, labels).
//!
//! **Contract.** Inputs: the regular files of each layer as the single
//! streaming pass of `pare_fsindex` reads them (a [`Scanner`] is a
//! [`pare_fsindex::Visitor`]: no layer is read twice), and the image
//! config. Output: [`Finding`]s, each with a stable code (`SEC001`…), the
//! layer and path (or the config field), the line, and a **redacted**
//! excerpt. A secret's bytes never leave the function that found it:
//! [`Scanner::visit`] redacts before it returns, so no report, renderer or
//! cache ever holds one ([`redact`]).
//!
//! **Speed.** One case-sensitive Aho-Corasick pass (SIMD-accelerated) over
//! each file finds the rules' keywords ([`rules::Rule::keywords`]); a rule's regex runs
//! only on a window around a keyword hit. Files whose name says what they
//! are (`.npmrc`, `.netrc`, `.docker/config.json`…) are read line by line
//! by their rule. Binary files (a NUL byte in the first 8 KiB, or a known
//! binary extension) are not read; text files over 10 MiB are read as a
//! stream, in overlapping 8 MiB windows (memory stays flat).
//!
//! **False positives.** Formats with a random part need a minimum Shannon
//! entropy there ([`entropy`]); the allow-list ([`allow`]) drops
//! documentation examples (`AKIAIOSFODNN7EXAMPLE`), placeholders and the
//! test fixtures Debian, Python and Node packages ship. What it dropped is
//! counted in the report, by reason, never silently.
#![deny(missing_docs)]

pub mod allow;
mod config;
pub mod entropy;
mod redact;
pub mod rules;
mod scan;

pub use config::{redact_label, scan_config};
pub use redact::{redact, redact_text};
pub use scan::{Scanner, VISITOR};

use pare_findings::{RuleMeta, Severity};
use pare_fsindex::FsIndex;
use pare_image::ConfigFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Every secrets rule, in code order (`pare rules`, `pare explain`).
#[must_use]
pub fn rules() -> Vec<&'static RuleMeta> {
    rules::ALL
        .iter()
        .map(|r| &r.meta)
        .chain(config::RULES.iter().copied())
        .collect()
}

/// The rule with this code.
#[must_use]
pub fn rule(code: &str) -> Option<&'static RuleMeta> {
    rules().into_iter().find(|r| r.code == code)
}

/// Whether a file that held a secret is still in the final filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// The layer's copy is the one a container sees.
    Present,
    /// A later layer wrote the path again: the secret is still in this
    /// layer's blob.
    Overwritten,
    /// A later layer deleted the path (whiteout): the secret is still in
    /// this layer's blob.
    Deleted,
}

impl FileStatus {
    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Present => "present",
            FileStatus::Overwritten => "overwritten",
            FileStatus::Deleted => "deleted",
        }
    }
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// A config `Env` entry.
    Env {
        /// Variable name.
        name: String,
    },
    /// A `history[]` entry's `created_by`.
    History {
        /// Index in `history`.
        index: usize,
        /// The layer it made, when it made one.
        #[serde(skip_serializing_if = "Option::is_none")]
        layer: Option<usize>,
    },
    /// A config label.
    Label {
        /// Label key.
        name: String,
    },
    /// A regular file in a layer.
    File {
        /// Layer index (base first).
        layer: usize,
        /// Absolute path.
        path: String,
        /// 1-based line.
        line: usize,
        /// Whether the file is still there.
        status: FileStatus,
    },
}

impl Location {
    /// The path for a file, the config field otherwise (`env:NAME`,
    /// `history[3]`, `label:NAME`): what ignore entries' `path` globs
    /// match.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Location::Env { name } => format!("env:{name}"),
            Location::History { index, .. } => format!("history[{index}]"),
            Location::Label { name } => format!("label:{name}"),
            Location::File { path, .. } => path.clone(),
        }
    }

    /// The layer, when known.
    #[must_use]
    pub fn layer(&self) -> Option<usize> {
        match self {
            Location::History { layer, .. } => *layer,
            Location::File { layer, .. } => Some(*layer),
            _ => None,
        }
    }

    /// 1-based line, for files.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        match self {
            Location::File { line, .. } => Some(*line),
            _ => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Env { name } => write!(f, "config env `{name}`"),
            Location::History { index, layer } => match layer {
                Some(l) => write!(f, "history[{index}] (layer {l})"),
                None => write!(f, "history[{index}]"),
            },
            Location::Label { name } => write!(f, "config label `{name}`"),
            Location::File {
                layer,
                path,
                line,
                status,
            } => {
                write!(f, "layer {layer} {path}:{line}")?;
                match status {
                    FileStatus::Present => Ok(()),
                    s => write!(f, " ({} by a later layer)", s.as_str()),
                }
            }
        }
    }
}

/// One secret found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule code (`SEC002`).
    pub code: &'static str,
    /// Rule name (`aws-access-key-id`).
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What it is, for people (`AWS access key ID`).
    pub title: &'static str,
    /// Where.
    pub location: Location,
    /// The line (or value) with every secret on it redacted.
    pub excerpt: String,
}

impl Finding {
    /// One line for people: `SEC002 AWS access key ID in layer 2 /app/.env:3`.
    #[must_use]
    pub fn message(&self) -> String {
        format!("{} in {}: {}", self.title, self.location, self.excerpt)
    }
}

/// Findings the allow-list dropped, by reason.
#[derive(Debug, Clone, Serialize)]
pub struct Allowed {
    /// Why (`documentation example`, `test fixture in a package`).
    pub reason: String,
    /// How many.
    pub count: usize,
}

/// Everything the secrets analysis found in one image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    /// Findings: config first (env, history, labels), then files by layer,
    /// path and line.
    pub findings: Vec<Finding>,
    /// What the allow-list dropped.
    pub allowed: Vec<Allowed>,
    /// Text files not scanned, being over the per-file cap (10 MiB): the
    /// scan is incomplete when any (the gate's `unscanned-files`).
    pub unscanned: Vec<Unscanned>,
}

/// A text file the scan did not read, being too large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unscanned {
    /// The layer that wrote it (0-based).
    pub layer: usize,
    /// Its path.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What the [`Scanner`] keeps per file (already redacted).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct FileHits {
    pub(crate) hits: Vec<FileHit>,
    pub(crate) allowed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileHit {
    pub(crate) code: String,
    pub(crate) line: usize,
    pub(crate) excerpt: String,
}

/// The secrets of an image indexed with a [`Scanner`] among its
/// visitors, and of its config.
#[must_use]
pub fn collect(idx: &FsIndex, config: Option<&ConfigFile>) -> Secrets {
    let mut findings = config.map(scan_config).unwrap_or_default();
    let mut allowed: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: Vec<Finding> = Vec::new();
    for (layer, path, data) in idx.visits(VISITOR) {
        let Ok(h) = serde_json::from_slice::<FileHits>(data) else {
            continue;
        };
        for a in h.allowed {
            *allowed.entry(a).or_default() += 1;
        }
        let status = match idx.get(path) {
            Some(e) if e.layer == layer => FileStatus::Present,
            Some(_) => FileStatus::Overwritten,
            None => FileStatus::Deleted,
        };
        for hit in h.hits {
            let Some(r) = rules::ALL.iter().find(|r| r.meta.code == hit.code) else {
                continue;
            };
            files.push(Finding {
                code: r.meta.code,
                name: r.meta.name,
                severity: r.meta.severity,
                title: r.title,
                location: Location::File {
                    layer,
                    path: path.to_string(),
                    line: hit.line,
                    status,
                },
                excerpt: hit.excerpt,
            });
        }
    }
    files.sort_by(|a, b| a.location.cmp(&b.location).then(a.code.cmp(b.code)));
    findings.extend(files);
    Secrets {
        findings,
        allowed: allowed
            .into_iter()
            .map(|(reason, count)| Allowed { reason, count })
            .collect(),
        unscanned: idx
            .unvisited(VISITOR)
            .map(|(layer, path, size)| Unscanned {
                layer,
                path: path.to_string(),
                size,
            })
            .collect(),
    }
}
