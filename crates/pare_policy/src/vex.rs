//! OpenVEX documents: statements that a product is `not_affected` by (or
//! has `fixed`) a vulnerability suppress the matching findings, with the
//! justification shown.
//!
//! Matching follows the OpenVEX spec (v0.2.0, and the string forms of
//! v0.0.1): a statement names a vulnerability (`name`, `@id` and `aliases`
//! are compared with every ID and alias of a finding) and products; a
//! product whose package URL covers the finding's package applies, and so
//! does an image-level product (`pkg:oci/…`, `pkg:docker/…`) — when it lists
//! `subcomponents`, only to those packages; when its URL carries a digest,
//! only to that image. A statement without products applies to every
//! finding of the vulnerability. When several statements apply, the latest
//! (by `timestamp`, then document order) wins; only a final `not_affected`
//! or `fixed` suppresses.

use crate::config::ConfigError;
use crate::ignore::{purl_matches, Suppression};
use crate::subject::Subject;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// One statement of a VEX document.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Vulnerability IDs: name, `@id`, aliases.
    pub vuln_ids: Vec<String>,
    /// Products (empty: every product).
    pub products: Vec<Product>,
    /// `not_affected`, `affected`, `fixed`, `under_investigation`.
    pub status: String,
    /// Justification, impact or action statement.
    pub reason: String,
    /// Timestamp (RFC 3339 text; compared as text, which orders correctly
    /// for UTC timestamps).
    pub timestamp: Option<String>,
    /// `vex.json: statement 2`.
    pub origin: String,
}

/// A product of a statement.
#[derive(Debug, Clone)]
pub struct Product {
    /// Package URLs naming it (`@id`, `identifiers.purl`).
    pub purls: Vec<String>,
    /// Subcomponents' package URLs.
    pub subcomponents: Vec<String>,
}

#[derive(Deserialize)]
struct RawDoc {
    #[serde(default)]
    statements: Vec<Value>,
    timestamp: Option<String>,
}

const STATUSES: [&str; 4] = ["not_affected", "affected", "fixed", "under_investigation"];

/// Parse an OpenVEX JSON document.
///
/// # Errors
/// JSON syntax errors (with line and column), statements without a
/// vulnerability or with an unknown status, and `not_affected` statements
/// without a justification or impact statement (the spec requires one).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Statement>, ConfigError> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let err = |line: usize, column: usize, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    let doc: RawDoc = serde_json::from_str(text).map_err(|e| {
        err(
            e.line().max(1),
            e.column().max(1),
            format!(
                "not an OpenVEX document: {}",
                strip_position(&e.to_string())
            ),
        )
    })?;
    let mut out = Vec::new();
    for (i, s) in doc.statements.iter().enumerate() {
        let origin = format!("{file}: statement {}", i + 1);
        let bad = |m: &str| err(1, 1, format!("statement {}: {m}", i + 1));
        let mut vuln_ids = Vec::new();
        match s.get("vulnerability") {
            Some(Value::String(v)) => vuln_ids.push(v.clone()),
            Some(Value::Object(o)) => {
                for k in ["name", "@id"] {
                    if let Some(Value::String(v)) = o.get(k) {
                        vuln_ids.push(v.clone());
                    }
                }
                if let Some(Value::Array(a)) = o.get("aliases") {
                    vuln_ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
                }
            }
            _ => return Err(bad("no `vulnerability`")),
        }
        if vuln_ids.is_empty() {
            return Err(bad("the `vulnerability` has no `name`"));
        }
        let status = s
            .get("status")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no `status`"))?;
        if !STATUSES.contains(&status) {
            return Err(bad(&format!(
                "unknown status `{status}`, expected one of: {}",
                STATUSES.join(", ")
            )));
        }
        let text_of = |k: &str| {
            s.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let reason = match status {
            "not_affected" => match (text_of("justification"), text_of("impact_statement")) {
                (Some(j), Some(i)) => format!("{j}: {i}"),
                (Some(j), None) => j.to_string(),
                (None, Some(i)) => i.to_string(),
                (None, None) => {
                    return Err(bad(
                        "`not_affected` needs a `justification` or an `impact_statement`",
                    ))
                }
            },
            _ => text_of("status_notes")
                .or_else(|| text_of("action_statement"))
                .unwrap_or(status)
                .to_string(),
        };
        let mut products = Vec::new();
        if let Some(Value::Array(ps)) = s.get("products") {
            for p in ps {
                products.push(product(p));
            }
        }
        out.push(Statement {
            vuln_ids,
            products,
            status: status.to_string(),
            reason,
            timestamp: text_of("timestamp")
                .map(str::to_string)
                .or_else(|| doc.timestamp.clone()),
            origin,
        });
    }
    Ok(out)
}

fn strip_position(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg)
}

fn product(p: &Value) -> Product {
    let mut purls = Vec::new();
    let mut subcomponents = Vec::new();
    let ids = |v: &Value, out: &mut Vec<String>| match v {
        Value::String(s) => out.push(s.clone()),
        Value::Object(o) => {
            if let Some(Value::String(s)) = o.get("@id") {
                out.push(s.clone());
            }
            if let Some(Value::String(s)) = o.get("identifiers").and_then(|i| i.get("purl")) {
                out.push(s.clone());
            }
        }
        _ => {}
    };
    ids(p, &mut purls);
    if let Some(Value::Array(subs)) = p.get("subcomponents") {
        for s in subs {
            ids(s, &mut subcomponents);
        }
    }
    Product {
        purls,
        subcomponents,
    }
}

fn is_image_purl(p: &str) -> bool {
    p.starts_with("pkg:oci/") || p.starts_with("pkg:docker/")
}

/// Whether an image-level purl names this image: without a version (or
/// digest) it names any; with one, it must be one of `image_digests`.
fn names_image(purl: &str, image_digests: &[String]) -> bool {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    let name_start = base.rfind('/').map_or(0, |i| i + 1);
    match base[name_start..].find('@') {
        None => true,
        Some(i) => {
            let v = base[name_start + i + 1..]
                .replace("%3A", ":")
                .replace("%3a", ":");
            image_digests.contains(&v)
        }
    }
}

impl Statement {
    fn covers_vuln(&self, s: &Subject) -> bool {
        self.vuln_ids.iter().any(|v| {
            v.eq_ignore_ascii_case(&s.id) || s.ids.iter().any(|i| i.eq_ignore_ascii_case(v))
        })
    }

    /// Whether the statement applies to the finding in the image whose
    /// manifest/config digests are `image_digests`.
    #[must_use]
    pub fn applies(&self, s: &Subject, image_digests: &[String]) -> bool {
        if !self.covers_vuln(s) {
            return false;
        }
        if self.products.is_empty() {
            return true;
        }
        self.products.iter().any(|p| {
            if p.purls.iter().any(|u| purl_matches(u, &s.purl)) {
                return true;
            }
            let image_level = p
                .purls
                .iter()
                .any(|u| is_image_purl(u) && names_image(u, image_digests));
            image_level
                && (p.subcomponents.is_empty()
                    || p.subcomponents.iter().any(|u| purl_matches(u, &s.purl)))
        })
    }

    /// The suppression this statement gives, if its status suppresses.
    #[must_use]
    pub fn suppression(&self) -> Option<Suppression> {
        matches!(self.status.as_str(), "not_affected" | "fixed").then(|| Suppression {
            kind: "vex",
            origin: self.origin.clone(),
            reason: self.reason.clone(),
            ticket: None,
            expires: None,
            status: Some(self.status.clone()),
        })
    }
}

/// The statement that decides a finding: the latest applicable one.
#[must_use]
pub fn decide<'a>(
    statements: &'a [Statement],
    s: &Subject,
    image_digests: &[String],
) -> Option<&'a Statement> {
    let mut best: Option<&Statement> = None;
    for st in statements.iter().filter(|st| st.applies(s, image_digests)) {
        if best.is_none_or(|b| {
            st.timestamp.as_deref().unwrap_or("") >= b.timestamp.as_deref().unwrap_or("")
        }) {
            best = Some(st);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Kind, LayerClass, Reach};

    fn subject(id: &str, purl: &str) -> Subject {
        Subject {
            kind: Kind::Vulnerability,
            id: id.into(),
            ids: vec![id.into(), "GHSA-aaaa".into()],
            severity: pare_findings::VulnSeverity::High,
            fixed: true,
            layer: LayerClass::App,
            reach: Reach::Unknown,
            ecosystem: None,
            package: "x".into(),
            purl: purl.into(),
            paths: vec![],
        }
    }

    const DOC: &str = r#"{
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://example.com/vex/1",
      "author": "sec",
      "timestamp": "2024-01-01T00:00:00Z",
      "version": 1,
      "statements": [
        {"vulnerability": {"name": "CVE-2024-1"},
         "products": [{"@id": "pkg:oci/app@sha256%3Aabc",
                       "subcomponents": [{"@id": "pkg:pypi/requests"}]}],
         "status": "not_affected",
         "justification": "vulnerable_code_not_in_execute_path"},
        {"vulnerability": "CVE-2024-2",
         "products": ["pkg:deb/debian/libssl3"],
         "status": "affected", "action_statement": "upgrade"},
        {"vulnerability": {"name": "CVE-2024-2"},
         "products": [{"@id": "pkg:deb/debian/libssl3"}],
         "status": "fixed", "timestamp": "2024-02-01T00:00:00Z"}
      ]}"#;

    #[test]
    fn statements_apply_by_product_and_time() {
        let st = parse(Path::new("vex.json"), DOC).unwrap();
        assert_eq!(st.len(), 3);
        let digests = vec!["sha256:abc".to_string()];
        let req = subject("CVE-2024-1", "pkg:pypi/requests@2.31.0");
        let d = decide(&st, &req, &digests).unwrap();
        assert_eq!(
            d.suppression().unwrap().reason,
            "vulnerable_code_not_in_execute_path"
        );
        // another image: the oci product does not name it
        assert!(decide(&st, &req, &["sha256:other".to_string()]).is_none());
        // a package that is not a subcomponent
        assert!(decide(&st, &subject("CVE-2024-1", "pkg:pypi/flask@3"), &digests).is_none());
        // the later `fixed` statement wins over `affected`
        let ssl = subject("GHSA-aaaa", "pkg:deb/debian/libssl3@3.0?arch=amd64");
        let mut ssl2 = ssl.clone();
        ssl2.ids = vec!["CVE-2024-2".into()];
        let d = decide(&st, &ssl2, &digests).unwrap();
        assert_eq!(d.status, "fixed");
        assert_eq!(d.origin, "vex.json: statement 3");
    }

    #[test]
    fn bad_documents() {
        let e = parse(Path::new("v.json"), "{\"statements\": [").unwrap_err();
        assert!(e.to_string().starts_with("v.json:1:"), "{e}");
        let e = parse(
            Path::new("v.json"),
            r#"{"statements":[{"vulnerability":"CVE-1","status":"not_affected"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("needs a `justification`"), "{e}");
        let e = parse(
            Path::new("v.json"),
            r#"{"statements":[{"vulnerability":"CVE-1","status":"maybe"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("unknown status `maybe`"), "{e}");
    }
}
