//! Trivy's ignore files, read so teams can migrate: `.trivyignore` (one ID
//! per line, optional `exp:YYYY-MM-DD`, the comment block above an entry is
//! its reason) and `.trivyignore.yaml` (`vulnerabilities:` entries with
//! `id`, `paths`, `purls`, `statement`, `expired_at`).
//!
//! Trivy does not require a reason or an expiry; entries without them are
//! accepted (their reason shows as "no reason given"). Misconfiguration
//! (`AVD-…`), secret and license entries do not concern an image scan and
//! are skipped.

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

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

/// Parse a `.trivyignore`.
///
/// # Errors
/// A malformed `exp:` date, with its line.
pub fn parse_trivyignore(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, ConfigError> {
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
        for w in words {
            if let Some(d) = w.strip_prefix("exp:") {
                let col = raw.find(w).map_or(1, |i| i + 1);
                expires = Some(
                    Date::parse(d).map_err(|m| error(path, n + 1, col, format!("`exp:`: {m}")))?,
                );
            }
        }
        let reason = comment.join(" ");
        comment.clear();
        if id.starts_with("AVD-") {
            continue;
        }
        out.push(IgnoreEntry {
            id: id.to_string(),
            package: None,
            purls: Vec::new(),
            paths: Vec::new(),
            reason: (!reason.is_empty()).then_some(reason),
            expires,
            ticket: None,
            origin: format!("{file}:{}", n + 1),
        });
    }
    Ok(out)
}

/// Parse a `.trivyignore.yaml`.
///
/// # Errors
/// YAML syntax errors and entries of the wrong shape, with their line.
pub fn parse_trivyignore_yaml(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, ConfigError> {
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
    let Some(vulns) = doc.data.as_mapping_get("vulnerabilities") else {
        return Ok(out);
    };
    if vulns.data.is_null() {
        return Ok(out);
    }
    let Some(seq) = vulns.data.as_sequence() else {
        let (l, c) = at(vulns);
        return Err(error(path, l, c, "`vulnerabilities` must be a list"));
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
        let expires = get_str("expired_at")?
            .map(|d| Date::parse(&d).map_err(|m| error(path, l, c, format!("`expired_at`: {m}"))))
            .transpose()?;
        let paths = get_list("paths")?
            .iter()
            .map(|p| Pattern::new(p.trim_start_matches('/')).map_err(|m| error(path, l, c, m)))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(IgnoreEntry {
            id,
            package: None,
            purls: get_list("purls")?,
            paths,
            reason: get_str("statement")?.filter(|s| !s.trim().is_empty()),
            expires,
            ticket: None,
            origin: format!("{file}:{l}"),
        });
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
        let e = parse_trivyignore(Path::new("/x/.trivyignore"), text).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[0].reason.as_deref(),
            Some("Accept the risk (second line)")
        );
        assert_eq!(e[0].origin, ".trivyignore:3");
        assert_eq!(e[1].expires.unwrap().to_string(), "2023-01-01");
        assert_eq!(e[1].reason, None);
        let err = parse_trivyignore(Path::new(".trivyignore"), "CVE-1 exp:tomorrow\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 7), "{err}");
    }

    #[test]
    fn trivyignore_yaml() {
        let text = "vulnerabilities:\n  - id: CVE-2022-40897\n    paths:\n      - \"usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA\"\n    statement: Accept the risk\n  - id: CVE-2022-29458\n    expired_at: 2023-09-01\n  - id: CVE-2021-3426\n    purls:\n      - \"pkg:pypi/setuptools@58.1.0\"\nmisconfigurations:\n  - id: AVD-DS-0001\n";
        let e = parse_trivyignore_yaml(Path::new(".trivyignore.yaml"), text).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].origin, ".trivyignore.yaml:2");
        assert_eq!(e[0].reason.as_deref(), Some("Accept the risk"));
        assert_eq!(e[0].paths.len(), 1);
        assert_eq!(e[1].expires.unwrap().to_string(), "2023-09-01");
        assert_eq!(e[2].purls, vec!["pkg:pypi/setuptools@58.1.0".to_string()]);
        let err = parse_trivyignore_yaml(Path::new("t.yaml"), "vulnerabilities:\n  - paths: []\n")
            .unwrap_err();
        assert!(err.to_string().starts_with("t.yaml:2:"), "{err}");
        assert!(parse_trivyignore_yaml(Path::new("t.yaml"), "vulnerabilities: [\n").is_err());
        assert!(parse_trivyignore_yaml(Path::new("t.yaml"), "")
            .unwrap()
            .is_empty());
    }
}
