//! The one SARIF 2.1.0 writer, for lint, scan and gate.
//!
//! Typed structures that borrow from the findings (a SARIF log of 1,400
//! manifests' lint stays small) and a [`Builder`] that keeps the rule
//! table and results consistent. What GitHub code scanning reads is always
//! filled in:
//!
//! - every rule has a `help` text and `properties.tags` including
//!   `security`, and `properties.security-severity` as a number (the CVSS
//!   score of a vulnerability, else the middle of its severity's band; a
//!   lint rule's severity mapped the same way), never `null`;
//! - every result has `partialFingerprints` (`pare/v1`), stable across
//!   line moves;
//! - `tool.driver` has `version` and `informationUri`;
//! - artifact URIs are relative to the repository root (the working
//!   directory): `Dockerfile`, never `./Dockerfile`; an absolute input
//!   outside it is written relative to a `uriBaseId` declared in
//!   `originalUriBaseIds`.

use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

/// The SARIF schema URL.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A short text.
#[derive(Debug, Clone, Serialize)]
pub struct Text<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The same as Markdown, when there is a richer form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<Cow<'a, str>>,
}

impl<'a> Text<'a> {
    /// Plain text.
    pub fn plain(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            markdown: None,
        }
    }
}

/// `defaultConfiguration`.
#[derive(Debug, Clone, Serialize)]
pub struct Configuration {
    /// `error`, `warning` or `note`.
    pub level: &'static str,
}

/// A rule's properties: GitHub's tags and security severity, and any
/// extra pare keys.
#[derive(Debug, Clone, Serialize)]
pub struct RuleProperties<'a> {
    /// Always includes `security`.
    pub tags: Vec<Cow<'a, str>>,
    /// GitHub's 0.0–10.0 score.
    #[serde(rename = "security-severity")]
    pub security_severity: SecuritySeverity,
    /// pare's own keys (peers, severity).
    #[serde(flatten)]
    pub extra: BTreeMap<&'static str, Value>,
}

/// A number printed with one decimal (`9.8`, `5.5`), as GitHub's own
/// tools write it.
#[derive(Debug, Clone, Copy)]
pub struct SecuritySeverity(pub f64);

impl Serialize for SecuritySeverity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rounded = (self.0.clamp(0.0, 10.0) * 10.0).round() / 10.0;
        s.serialize_f64(rounded)
    }
}

/// One `reportingDescriptor`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule<'a> {
    /// The rule's code (`DF001`, `CVE-2024-1234`).
    pub id: Cow<'a, str>,
    /// Its kebab-case name.
    pub name: Cow<'a, str>,
    /// One line.
    pub short_description: Text<'a>,
    /// Longer, when there is more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_description: Option<Text<'a>>,
    /// A link to the advisory or documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<Cow<'a, str>>,
    /// What to do.
    pub help: Text<'a>,
    /// Level.
    pub default_configuration: Configuration,
    /// Tags and security severity.
    pub properties: RuleProperties<'a>,
}

/// A file and its base.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    /// Relative to `uri_base_id` (or the repository root).
    pub uri: String,
    /// A key of `originalUriBaseIds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

/// A 1-based text region.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// First line.
    pub start_line: usize,
    /// First column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<usize>,
    /// Last line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    /// Column after the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<usize>,
}

impl Region {
    /// A whole line.
    #[must_use]
    pub fn line(line: usize) -> Self {
        Self {
            start_line: line.max(1),
            start_column: None,
            end_line: None,
            end_column: None,
        }
    }
}

/// `physicalLocation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// Where in it.
    pub region: Region,
}

/// `location`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The only kind pare writes.
    pub physical_location: PhysicalLocation,
}

/// A byte range replaced by a fix.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement<'a> {
    /// The bytes removed.
    pub deleted_region: ByteRegion,
    /// The text inserted.
    pub inserted_content: Text<'a>,
}

/// A byte region.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteRegion {
    /// Offset.
    pub byte_offset: usize,
    /// Length.
    pub byte_length: usize,
}

/// The edits of a fix to one file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange<'a> {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// Its edits.
    pub replacements: Vec<Replacement<'a>>,
}

/// A fix.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix<'a> {
    /// What it does.
    pub description: Text<'a>,
    /// Its edits.
    pub artifact_changes: Vec<ArtifactChange<'a>>,
}

/// A suppression (an ignore entry or VEX statement that applied).
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    /// `external`: the reason is outside the source.
    pub kind: &'static str,
    /// `accepted`.
    pub status: &'static str,
    /// Why.
    pub justification: String,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    /// The rule's id.
    pub rule_id: Cow<'a, str>,
    /// Its index in the rule table (set by the builder).
    pub rule_index: usize,
    /// `error`, `warning`, `note`.
    pub level: &'static str,
    /// What is wrong.
    pub message: Text<'a>,
    /// Where.
    pub locations: Vec<Location>,
    /// Stable identity across runs.
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    /// Fixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix<'a>>,
    /// Suppressions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    /// pare's own keys.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub properties: serde_json::Map<String, Value>,
}

/// Builds one SARIF log: rules are added once by id, results refer to
/// them, artifact paths are made relative to the repository root.
pub struct Builder<'a> {
    rules: Vec<Rule<'a>>,
    index: HashMap<String, usize>,
    results: Vec<SarifResult<'a>>,
    root: Option<PathBuf>,
    bases: BTreeMap<&'static str, String>,
}

/// The `%SRCROOT%` base: the repository root (the working directory).
pub const SRCROOT: &str = "%SRCROOT%";
/// The base for absolute paths outside the repository root.
pub const ROOTPATH: &str = "ROOTPATH";

impl Default for Builder<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Builder<'a> {
    /// A builder whose repository root is the working directory.
    #[must_use]
    pub fn new() -> Self {
        Self::with_root(std::env::current_dir().ok())
    }

    /// A builder with an explicit repository root (tests).
    #[must_use]
    pub fn with_root(root: Option<PathBuf>) -> Self {
        Self {
            rules: Vec::new(),
            index: HashMap::new(),
            results: Vec::new(),
            root,
            bases: BTreeMap::new(),
        }
    }

    /// The index of rule `id`, adding `make()` when it is new.
    pub fn rule(&mut self, id: &str, make: impl FnOnce() -> Rule<'a>) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.rules.len();
        self.rules.push(make());
        self.index.insert(id.to_string(), i);
        i
    }

    /// Add a result (its `rule_index` is taken from the rule table; the
    /// rule must have been added).
    pub fn result(&mut self, mut r: SarifResult<'a>) {
        r.rule_index = self.index.get(r.rule_id.as_ref()).copied().unwrap_or(0);
        self.results.push(r);
    }

    /// An artifact location for a path as the user gave it: relative
    /// paths are normalised (`./Dockerfile` → `Dockerfile`); absolute ones
    /// under the repository root become relative to `%SRCROOT%`, others
    /// relative to `ROOTPATH` (`/`).
    pub fn artifact(&mut self, path: &str) -> ArtifactLocation {
        let p = Path::new(path);
        if p.is_absolute() {
            if let Some(rel) = self
                .root
                .as_deref()
                .and_then(|r| p.strip_prefix(r).ok())
                .map(normalise)
            {
                let root = self.root.clone().unwrap_or_default();
                self.bases.insert(SRCROOT, dir_uri(&root));
                return ArtifactLocation {
                    uri: rel,
                    uri_base_id: Some(SRCROOT),
                };
            }
            self.bases.insert(ROOTPATH, "file:///".to_string());
            return ArtifactLocation {
                uri: normalise(p.strip_prefix("/").unwrap_or(p)),
                uri_base_id: Some(ROOTPATH),
            };
        }
        ArtifactLocation {
            uri: normalise(p),
            uri_base_id: None,
        }
    }

    /// An artifact location for a path inside an image (no base: it is
    /// not a file of the repository).
    #[must_use]
    pub fn image_artifact(path: &str) -> ArtifactLocation {
        ArtifactLocation {
            uri: path.trim_start_matches('/').to_string(),
            uri_base_id: None,
        }
    }

    /// The log as pretty JSON, with a trailing newline. `properties` go on
    /// the run.
    #[must_use]
    pub fn finish(self, properties: Option<Value>) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Driver<'a> {
            name: &'static str,
            version: &'static str,
            information_uri: &'static str,
            rules: Vec<Rule<'a>>,
        }
        #[derive(Serialize)]
        struct Tool<'a> {
            driver: Driver<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Run<'a> {
            tool: Tool<'a>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
            results: Vec<SarifResult<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            properties: Option<Value>,
        }
        #[derive(Serialize)]
        struct BaseUri {
            uri: String,
        }
        #[derive(Serialize)]
        struct Log<'a> {
            #[serde(rename = "$schema")]
            schema: &'static str,
            version: &'static str,
            runs: [Run<'a>; 1],
        }
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "pare",
                        version: env!("CARGO_PKG_VERSION"),
                        information_uri: INFORMATION_URI,
                        rules: self.rules,
                    },
                },
                original_uri_base_ids: self
                    .bases
                    .into_iter()
                    .map(|(k, uri)| (k, BaseUri { uri }))
                    .collect(),
                results: self.results,
                properties,
            }],
        };
        let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Where pare's documentation lives (the workspace's `repository`).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// `a/./b/../c` → `a/c`, with `/` separators.
fn normalise(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

fn dir_uri(p: &Path) -> String {
    let mut s = format!("file://{}", p.display());
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// A short stable hash (FNV-1a, 64-bit) for fingerprints: pare's
/// fingerprints must not change between runs or builds, which `std`'s
/// hasher does not promise.
#[must_use]
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// GitHub's `security-severity` of a lint or hygiene severity: the middle
/// of the CVSS band GitHub shows it as.
#[must_use]
pub fn rule_security_severity(s: pare_findings::Severity) -> SecuritySeverity {
    use pare_findings::Severity;
    SecuritySeverity(match s {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        Severity::Info => 0.1,
    })
}

/// A lint or hygiene rule as a SARIF rule.
#[must_use]
pub fn lint_rule(r: &'static pare_findings::RuleMeta, tags: &[&'static str]) -> Rule<'static> {
    let mut all: Vec<Cow<'static, str>> = vec![Cow::Borrowed("security")];
    all.extend(tags.iter().map(|t| Cow::Borrowed(*t)));
    let mut extra = BTreeMap::new();
    extra.insert("peers", serde_json::json!(r.peers));
    extra.insert("severity", serde_json::json!(r.severity));
    Rule {
        id: Cow::Borrowed(r.code),
        name: Cow::Borrowed(r.name),
        short_description: Text::plain(r.summary),
        full_description: Some(Text::plain(r.summary)),
        help_uri: None,
        help: Text {
            text: Cow::Borrowed(r.summary),
            markdown: Some(Cow::Borrowed(r.doc)),
        },
        default_configuration: Configuration {
            level: r.severity.sarif_level(),
        },
        properties: RuleProperties {
            tags: all,
            security_severity: rule_security_severity(r.severity),
            extra,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_paths_are_relative_to_the_root() {
        let mut b = Builder::with_root(Some(PathBuf::from("/repo")));
        assert_eq!(b.artifact("./Dockerfile").uri, "Dockerfile");
        assert_eq!(b.artifact("k8s/../k8s/./d.yaml").uri, "k8s/d.yaml");
        let a = b.artifact("/repo/app/Dockerfile");
        assert_eq!(
            (a.uri.as_str(), a.uri_base_id),
            ("app/Dockerfile", Some(SRCROOT))
        );
        let a = b.artifact("/elsewhere/Dockerfile");
        assert_eq!(
            (a.uri.as_str(), a.uri_base_id),
            ("elsewhere/Dockerfile", Some(ROOTPATH))
        );
        let out = b.finish(None);
        let v: Value = serde_json::from_str(&out).unwrap();
        let bases = &v["runs"][0]["originalUriBaseIds"];
        assert_eq!(bases[SRCROOT]["uri"], "file:///repo/");
        assert_eq!(bases[ROOTPATH]["uri"], "file:///");
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["version"],
            env!("CARGO_PKG_VERSION")
        );
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }

    #[test]
    fn security_severity_is_a_number_with_one_decimal() {
        let v = serde_json::to_value(SecuritySeverity(7.456)).unwrap();
        assert_eq!(v, serde_json::json!(7.5));
        let v = serde_json::to_value(SecuritySeverity(12.0)).unwrap();
        assert_eq!(v, serde_json::json!(10.0));
    }
}
