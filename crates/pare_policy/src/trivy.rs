//! Trivy's ignore files, read so teams can migrate: `.trivyignore` (one ID
//! per line, optional `exp:YYYY-MM-DD`, the comment block above an entry is
//! its reason) and `.trivyignore.yaml` (`vulnerabilities:` entries with
//! `id`, `paths`, `purls`, `statement`, `expired_at`).
//!
//! Trivy does not require a reason or an expiry; entries without them are
//! accepted (their reason shows as "no reason given").
//!
//! The files are shared with Trivy's other scanners, whose IDs pare does not
//! report: misconfiguration checks (`AVD-DS-0002`, `DS002`, `KSV001`,
//! `AWS-0086`), secret rules (`aws-access-key-id`, `github-pat`: lowercase
//! kebab-case) and licenses (SPDX identifiers, `GPL-3.0`), and in
//! `.trivyignore.yaml` the `misconfigurations`, `secrets` and `licenses`
//! lists. Those entries are kept with their scanner ([`other_scanner`]) and
//! are never stale. Secret rule IDs suppress pare's secret findings of the
//! same name (pare's secret rules are named as Trivy's); the others never
//! match, and [`crate::Policy::notes`] says once per file that they were
//! skipped.
//!
//! A bad `exp:`/`expired_at` date is an error naming the line and column;
//! with `lenient`, the entry is kept as invalid instead (it matches nothing
//! and becomes an `invalid-ignore` finding), so a gate can go on.

use crate::config::ConfigError;
use crate::ignore::IgnoreEntry;
use crate::rule::Pattern;
use pare_findings::Date;
use saphyr::{LoadableYamlNode, MarkedYaml};
use std::path::Path;

fn error(path: &Path, line: usize, column: usize, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.to_path_buf(),
        line,
        column,
        message: message.into(),
    }
}

/// Advisory ID prefixes that look like nothing else (never another
/// scanner's, even with a single number: `DSA-5432`).
const VULN_PREFIXES: &[&str] = &[
    "CVE", "GHSA", "GO", "PYSEC", "RUSTSEC", "OSV", "DSA", "DLA", "DTSA", "USN", "ALAS", "ALAS2",
    "ALAS2022", "ALAS2023", "RHSA", "RHBA", "RHEA", "ELSA", "ALSA", "RLSA", "ALBA", "BIT", "MAL",
    "GMS", "SNYK", "CGA", "MGASA", "SUSE", "OPENSUSE", "ASA", "AVG", "TEMP", "UVI", "PSF", "HSEC",
];

/// The Trivy scanner an ignore ID belongs to when it is not a
/// vulnerability ID: `misconfiguration` (`AVD-DS-0002`, `DS002`,
/// `KSV001`, `AWS-0086`), `secret` (rule IDs are lowercase kebab-case:
/// `aws-access-key-id`) or `license` (an SPDX identifier: `GPL-3.0`).
#[must_use]
pub fn other_scanner(id: &str) -> Option<&'static str> {
    let upper_prefix =
        |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_uppercase());
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if id.len() > 4 && id[..4].eq_ignore_ascii_case("AVD-") {
        return Some("misconfiguration");
    }
    // DS002, KSV001, KCV0001
    let split = id
        .bytes()
        .position(|b| b.is_ascii_digit())
        .unwrap_or(id.len());
    if split >= 2 && upper_prefix(&id[..split]) && digits(&id[split..], 3..=4) {
        return Some("misconfiguration");
    }
    // AWS-0086 (but never DSA-5432)
    if let Some((p, n)) = id.split_once('-') {
        if upper_prefix(p) && digits(n, 4..=4) && !VULN_PREFIXES.contains(&p) {
            return Some("misconfiguration");
        }
    }
    // Secret rule IDs: lowercase kebab-case, not an advisory ID written in
    // lower case (`cve-2021-1234`, `ghsa-…`).
    let kebab = id.contains('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id.starts_with(|c: char| c.is_ascii_lowercase());
    if kebab {
        let head = id.split('-').next().unwrap_or("").to_ascii_uppercase();
        if !VULN_PREFIXES.contains(&head.as_str()) {
            return Some("secret");
        }
    }
    if spdx::license_id(id).is_some_and(|l| l.name == id) {
        return Some("license");
    }
    None
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

/// Parse a `.trivyignore`.
///
/// # Errors
/// A malformed `exp:` date, with its line and column (unless `lenient`:
/// then the entry is kept, invalid).
pub fn parse_trivyignore(
    path: &Path,
    text: &str,
    lenient: bool,
) -> Result<Vec<IgnoreEntry>, ConfigError> {
    let file = file_name(path);
    let mut out = Vec::new();
    let mut comment: Vec<&str> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            comment.clear();
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim());
            continue;
        }
        let mut words = line.split_whitespace();
        let id = words.next().unwrap_or_default();
        let mut expires = None;
        let mut invalid = None;
        for w in words {
            if let Some(d) = w.strip_prefix("exp:") {
                let col = raw.find(w).map_or(1, |i| i + 1);
                match Date::parse(d) {
                    Ok(d) => expires = Some(d),
                    Err(m) if lenient => {
                        invalid = Some(format!("line {}, column {col}: `exp:`: {m}", n + 1));
                    }
                    Err(m) => return Err(error(path, n + 1, col, format!("`exp:`: {m}"))),
                }
            }
        }
        let reason = comment.join(" ");
        comment.clear();
        out.push(IgnoreEntry {
            id: id.to_string(),
            package: None,
            purls: Vec::new(),
            paths: Vec::new(),
            reason: (!reason.is_empty()).then_some(reason),
            expires,
            ticket: None,
            origin: format!("{file}:{}", n + 1),
            scanner: other_scanner(id),
            invalid,
        });
    }
    Ok(out)
}

/// The lists of a `.trivyignore.yaml` and the scanner each is for.
const SECTIONS: &[(&str, Option<&str>)] = &[
    ("vulnerabilities", None),
    ("misconfigurations", Some("misconfiguration")),
    ("secrets", Some("secret")),
    ("licenses", Some("license")),
];

/// Parse a `.trivyignore.yaml`.
///
/// # Errors
/// YAML syntax errors and entries of the wrong shape, with their line; a
/// bad `expired_at` date too, unless `lenient` (then the entry is kept,
/// invalid).
pub fn parse_trivyignore_yaml(
    path: &Path,
    text: &str,
    lenient: bool,
) -> Result<Vec<IgnoreEntry>, ConfigError> {
    let file = file_name(path);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        error(
            path,
            e.marker().line(),
            e.marker().col() + 1,
            e.info().to_string(),
        )
    })?;
    let mut out = Vec::new();
    let Some(doc) = docs.first() else {
        return Ok(out);
    };
    let at = |node: &MarkedYaml<'_>| (node.span.start.line(), node.span.start.col() + 1);
    if doc.data.is_null() {
        return Ok(out);
    }
    if !doc.data.is_mapping() {
        let (l, c) = at(doc);
        return Err(error(
            path,
            l,
            c,
            "expected a mapping with a `vulnerabilities` list",
        ));
    }
    for (section, scanner) in SECTIONS {
        let Some(vulns) = doc.data.as_mapping_get(section) else {
            continue;
        };
        if vulns.data.is_null() {
            continue;
        }
        let Some(seq) = vulns.data.as_sequence() else {
            let (l, c) = at(vulns);
            return Err(error(path, l, c, format!("`{section}` must be a list")));
        };
        for item in seq {
            let (l, c) = at(item);
            if !item.data.is_mapping() {
                return Err(error(
                    path,
                    l,
                    c,
                    "each entry must be a mapping with an `id`",
                ));
            }
            let get_str = |key: &str| -> Result<Option<String>, ConfigError> {
                match item.data.as_mapping_get(key) {
                    None => Ok(None),
                    Some(v) => match scalar(v) {
                        Some(s) => Ok(Some(s)),
                        None => {
                            let (l, c) = at(v);
                            Err(error(path, l, c, format!("`{key}` must be a string")))
                        }
                    },
                }
            };
            let get_list = |key: &str| -> Result<Vec<String>, ConfigError> {
                match item.data.as_mapping_get(key) {
                    None => Ok(Vec::new()),
                    Some(v) => match v.data.as_sequence() {
                        Some(items) => items
                            .iter()
                            .map(|i| {
                                scalar(i).ok_or_else(|| {
                                    let (l, c) = at(i);
                                    error(path, l, c, format!("`{key}` must list strings"))
                                })
                            })
                            .collect(),
                        None => {
                            let (l, c) = at(v);
                            Err(error(path, l, c, format!("`{key}` must be a list")))
                        }
                    },
                }
            };
            let Some(id) = get_str("id")? else {
                return Err(error(path, l, c, "entry without an `id`"));
            };
            let mut invalid = None;
            let expires = match get_str("expired_at")?.map(|d| Date::parse(&d)) {
                None => None,
                Some(Ok(d)) => Some(d),
                Some(Err(m)) if lenient => {
                    invalid = Some(format!("line {l}, column {c}: `expired_at`: {m}"));
                    None
                }
                Some(Err(m)) => return Err(error(path, l, c, format!("`expired_at`: {m}"))),
            };
            let paths = get_list("paths")?
                .iter()
                .map(|p| Pattern::new(p.trim_start_matches('/')).map_err(|m| error(path, l, c, m)))
                .collect::<Result<Vec<_>, _>>()?;
            let scanner = scanner.or_else(|| other_scanner(&id));
            out.push(IgnoreEntry {
                id,
                package: None,
                purls: get_list("purls")?,
                paths,
                reason: get_str("statement")?.filter(|s| !s.trim().is_empty()),
                expires,
                ticket: None,
                origin: format!("{file}:{l}"),
                scanner,
                invalid,
            });
        }
    }
    Ok(out)
}

/// A scalar as text (YAML parses `2023-09-01` as a string and `123` as an
/// integer; both are accepted where a string is expected).
fn scalar(node: &MarkedYaml<'_>) -> Option<String> {
    if let Some(s) = node.data.as_str() {
        return Some(s.to_string());
    }
    if let Some(i) = node.data.as_integer() {
        return Some(i.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivyignore_lines() {
        let text = "# Accept the risk\n# (second line)\nCVE-2018-14618\n\nCVE-2019-14697 exp:2023-01-01\nAVD-DS-0002\n";
        let e = parse_trivyignore(Path::new("/x/.trivyignore"), text, false).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[2].scanner, Some("misconfiguration"));
        assert_eq!(
            e[0].reason.as_deref(),
            Some("Accept the risk (second line)")
        );
        assert_eq!(e[0].origin, ".trivyignore:3");
        assert_eq!(e[1].expires.unwrap().to_string(), "2023-01-01");
        assert_eq!(e[1].reason, None);
        let err = parse_trivyignore(Path::new(".trivyignore"), "CVE-1 exp:tomorrow\n", false)
            .unwrap_err();
        assert_eq!((err.line, err.column), (1, 7), "{err}");
        let e = parse_trivyignore(Path::new(".trivyignore"), "CVE-1 exp:tomorrow\n", true).unwrap();
        assert_eq!(
            e[0].invalid.as_deref().unwrap_or("").split(':').next(),
            Some("line 1, column 7")
        );
    }

    #[test]
    fn trivyignore_yaml() {
        let text = "vulnerabilities:\n  - id: CVE-2022-40897\n    paths:\n      - \"usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA\"\n    statement: Accept the risk\n  - id: CVE-2022-29458\n    expired_at: 2023-09-01\n  - id: CVE-2021-3426\n    purls:\n      - \"pkg:pypi/setuptools@58.1.0\"\nmisconfigurations:\n  - id: AVD-DS-0001\n";
        let e = parse_trivyignore_yaml(Path::new(".trivyignore.yaml"), text, false).unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[3].scanner, Some("misconfiguration"));
        assert_eq!(e[0].origin, ".trivyignore.yaml:2");
        assert_eq!(e[0].reason.as_deref(), Some("Accept the risk"));
        assert_eq!(e[0].paths.len(), 1);
        assert_eq!(e[1].expires.unwrap().to_string(), "2023-09-01");
        assert_eq!(e[2].purls, vec!["pkg:pypi/setuptools@58.1.0".to_string()]);
        let err = parse_trivyignore_yaml(
            Path::new("t.yaml"),
            "vulnerabilities:\n  - paths: []\n",
            false,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("t.yaml:2:"), "{err}");
        assert!(
            parse_trivyignore_yaml(Path::new("t.yaml"), "vulnerabilities: [\n", false).is_err()
        );
        assert!(parse_trivyignore_yaml(Path::new("t.yaml"), "", false)
            .unwrap()
            .is_empty());
        let bad = "vulnerabilities:\n  - id: CVE-1\n    expired_at: someday\n";
        assert!(parse_trivyignore_yaml(Path::new("t.yaml"), bad, false).is_err());
        let e = parse_trivyignore_yaml(Path::new("t.yaml"), bad, true).unwrap();
        assert!(
            e[0].invalid.as_deref().unwrap().contains("`expired_at`"),
            "{e:?}"
        );
    }

    /// IDs of Trivy's other scanners, as Trivy's docs and rule sets spell
    /// them (trivy-checks `avd_id`/`id`, the built-in secret rules, SPDX).
    #[test]
    fn other_scanners() {
        for (id, want) in [
            ("AVD-DS-0002", Some("misconfiguration")),
            ("avd-ksv-0001", Some("misconfiguration")),
            ("DS002", Some("misconfiguration")),
            ("KSV001", Some("misconfiguration")),
            ("KCV0001", Some("misconfiguration")),
            ("AWS-0086", Some("misconfiguration")),
            ("aws-access-key-id", Some("secret")),
            ("github-pat", Some("secret")),
            ("private-key", Some("secret")),
            ("GPL-3.0", Some("license")),
            ("LGPL-2.1-only", Some("license")),
            ("MIT", Some("license")),
            ("CVE-2023-1234", None),
            ("cve-2023-1234", None),
            ("GHSA-jfh8-c2jp-5v3q", None),
            ("ghsa-jfh8-c2jp-5v3q", None),
            ("GO-2022-0001", None),
            ("RUSTSEC-2021-0001", None),
            ("PYSEC-2021-19", None),
            ("DSA-5432-1", None),
            ("DSA-5432", None),
            ("DLA-3456-1", None),
            ("ALAS-2023-1234", None),
        ] {
            assert_eq!(other_scanner(id), want, "{id}");
        }
    }
}
