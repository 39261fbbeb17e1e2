//! OpenVEX documents: statements that a product is `not_affected` by (or
//! has `fixed`) a vulnerability suppress the matching findings, with the
//! justification shown.
//!
//! Matching follows the OpenVEX spec (v0.2.0, and the string forms of
//! v0.0.1): a statement names a vulnerability (`name`, `@id` and `aliases`
//! are compared with every ID and alias of a finding) and products; a
//! product whose package URL covers the finding's package applies. An
//! image-level product (`pkg:oci/…`, `pkg:docker/…`, or `hashes`) applies
//! only to the image it names — when it lists `subcomponents`, only to
//! those packages:
//! - `pkg:oci/NAME@sha256:…` (and `hashes: {"sha-256": …}`) names an image
//!   by digest: the manifest, index or config digest must be it, whatever
//!   the repository;
//! - a `pkg:oci` without a digest names an image by repository only when
//!   the statement says which (`?repository_url=registry/repo`, and `tag=`
//!   when given); otherwise it names no image;
//! - `pkg:docker/NAMESPACE/NAME@TAG` is resolved against the image's names
//!   (`RepoTags`, `ref.name` annotations, the registry reference), Docker
//!   Hub's `library/` included; `@sha256:…` is a digest; without a
//!   version it names the repository.
//!
//! A statement without products applies to every finding of the
//! vulnerability. When several statements apply, the latest (by
//! `timestamp`, then document order) wins; only a final `not_affected` or
//! `fixed` suppresses.
//!
//! A statement that does not follow the spec (no vulnerability, an unknown
//! status, a `not_affected` without a justification) is kept as invalid:
//! it applies to nothing, becomes an `invalid-vex` finding, and the rest of
//! the document applies. OpenVEX is JSON; a YAML document is refused with a
//! message that says so.

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
    /// Why the statement does not follow the spec, when it does not: it
    /// applies to nothing.
    pub invalid: Option<String>,
}

/// A product of a statement.
#[derive(Debug, Clone)]
pub struct Product {
    /// Package URLs naming it (`@id`, `identifiers.purl`).
    pub purls: Vec<String>,
    /// Subcomponents' package URLs.
    pub subcomponents: Vec<String>,
    /// Digests from `hashes` (`sha256:…`), naming an image.
    pub digests: Vec<String>,
}

#[derive(Deserialize)]
struct RawDoc {
    #[serde(default)]
    statements: Vec<Value>,
    timestamp: Option<String>,
}

const STATUSES: [&str; 4] = ["not_affected", "affected", "fixed", "under_investigation"];

/// Parse an OpenVEX JSON document. Statements that do not follow the spec
/// come back invalid ([`Statement::invalid`]), in place.
///
/// # Errors
/// A YAML document (OpenVEX is JSON; pare reads only JSON), JSON syntax
/// errors (with line and column) and a document that is not an object
/// with a `statements` list.
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
    let yaml_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if yaml_name || (!first.is_empty() && !first.starts_with('{')) {
        return Err(err(
            1,
            1,
            "OpenVEX documents are read as JSON only, and this one is not JSON (YAML?); \
             convert it to JSON (for example `yq -o=json`)"
                .to_string(),
        ));
    }
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
    Ok(doc
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let origin = format!("{file}: statement {}", i + 1);
            statement(s, doc.timestamp.as_deref()).unwrap_or_else(|why| Statement {
                vuln_ids: vuln_ids_of(s),
                products: Vec::new(),
                status: String::new(),
                reason: String::new(),
                timestamp: None,
                origin: origin.clone(),
                invalid: Some(why),
            })
        })
        .enumerate()
        .map(|(i, mut st)| {
            st.origin = format!("{file}: statement {}", i + 1);
            st
        })
        .collect())
}

/// The vulnerability IDs a statement names (name, `@id`, aliases).
fn vuln_ids_of(s: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match s.get("vulnerability") {
        Some(Value::String(v)) => out.push(v.clone()),
        Some(Value::Object(o)) => {
            for k in ["name", "@id"] {
                if let Some(Value::String(v)) = o.get(k) {
                    out.push(v.clone());
                }
            }
            if let Some(Value::Array(a)) = o.get("aliases") {
                out.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        _ => {}
    }
    out
}

/// One statement, or why it does not follow the spec.
fn statement(s: &Value, doc_timestamp: Option<&str>) -> Result<Statement, String> {
    if !s.is_object() {
        return Err("not a JSON object".to_string());
    }
    let bad = |m: &str| Err(m.to_string());
    {
        let mut vuln_ids = Vec::new();
        if !matches!(
            s.get("vulnerability"),
            Some(Value::String(_) | Value::Object(_))
        ) {
            return bad("no `vulnerability`");
        }
        vuln_ids.extend(vuln_ids_of(s));
        if vuln_ids.is_empty() {
            return bad("the `vulnerability` has no `name`");
        }
        let Some(status) = s.get("status").and_then(Value::as_str) else {
            return bad("no `status`");
        };
        if !STATUSES.contains(&status) {
            return Err(format!(
                "unknown status `{status}`, expected one of: {}",
                STATUSES.join(", ")
            ));
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
                    return bad("`not_affected` needs a `justification` or an `impact_statement`")
                }
            },
            _ => text_of("status_notes")
                .or_else(|| text_of("action_statement"))
                .unwrap_or(status)
                .to_string(),
        };
        let mut products = Vec::new();
        match s.get("products") {
            None | Some(Value::Null) => {}
            Some(Value::Array(ps)) => {
                for p in ps {
                    products.push(product(p));
                }
            }
            Some(_) => return bad("`products` must be a list"),
        }
        Ok(Statement {
            vuln_ids,
            products,
            status: status.to_string(),
            reason,
            timestamp: text_of("timestamp")
                .map(str::to_string)
                .or_else(|| doc_timestamp.map(str::to_string)),
            origin: String::new(),
            invalid: None,
        })
    }
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
    let mut digests = Vec::new();
    if let Some(Value::Object(h)) = p.get("hashes") {
        for (alg, v) in h {
            if let Some(v) = v.as_str() {
                digests.push(format!(
                    "{}:{}",
                    alg.replace('-', ""),
                    v.to_ascii_lowercase()
                ));
            }
        }
    }
    Product {
        purls,
        subcomponents,
        digests,
    }
}

fn is_image_purl(p: &str) -> bool {
    p.starts_with("pkg:oci/") || p.starts_with("pkg:docker/")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An image name, normalised: (`registry`, `repository`, `tag`), with
/// Docker Hub as `docker.io` and its official images under `library/`.
fn image_name(reference: &str) -> Option<(String, String, Option<String>)> {
    let r = reference.trim();
    let r = r.split('@').next()?;
    if r.is_empty() {
        return None;
    }
    let (repo, tag) = match r.rfind(':') {
        Some(i) if !r[i..].contains('/') => (&r[..i], Some(r[i + 1..].to_string())),
        _ => (r, None),
    };
    let (registry, path) = match repo.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), repo.to_string()),
    };
    let registry = match registry.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => registry,
    };
    let path = if registry == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    Some((registry, path.to_ascii_lowercase(), tag))
}

/// What the caller knows of the image: its digests (`sha256:…`) and names
/// (`registry/repository:tag`), as one list.
struct ImageIds<'a> {
    digests: Vec<&'a str>,
    names: Vec<(String, String, Option<String>)>,
}

impl<'a> ImageIds<'a> {
    fn new(ids: &'a [String]) -> Self {
        let is_digest = |s: &str| {
            s.split_once(':').is_some_and(|(a, h)| {
                matches!(a, "sha256" | "sha384" | "sha512")
                    && !h.is_empty()
                    && h.bytes().all(|b| b.is_ascii_hexdigit())
            })
        };
        Self {
            digests: ids
                .iter()
                .map(String::as_str)
                .filter(|s| is_digest(s))
                .collect(),
            names: ids
                .iter()
                .filter(|s| !is_digest(s))
                .filter_map(|s| image_name(s))
                .collect(),
        }
    }

    fn has_digest(&self, d: &str) -> bool {
        self.digests.iter().any(|x| x.eq_ignore_ascii_case(d))
    }

    /// Whether a name of the image is in `registry/repository` (and has
    /// `tag`, when given).
    fn has_name(&self, registry: &str, repository: &str, tag: Option<&str>) -> bool {
        self.names.iter().any(|(r, p, t)| {
            r.eq_ignore_ascii_case(registry)
                && p.eq_ignore_ascii_case(repository)
                && tag.is_none_or(|want| t.as_deref() == Some(want))
        })
    }
}

/// Whether an image-level purl names this image (module doc).
fn names_image(purl: &str, image: &ImageIds<'_>) -> bool {
    let (base, query) = purl.split_once('?').unwrap_or((purl, ""));
    let base = base.split('#').next().unwrap_or(base);
    let qualifier = |k: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| percent_decode(v))
    };
    let (ty, rest) = match base.strip_prefix("pkg:oci/") {
        Some(r) => ("oci", r),
        None => match base.strip_prefix("pkg:docker/") {
            Some(r) => ("docker", r),
            None => return false,
        },
    };
    let name_start = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, version) = match rest[name_start..].find('@') {
        Some(i) => (
            &rest[..name_start + i],
            Some(percent_decode(&rest[name_start + i + 1..])),
        ),
        None => (rest, None),
    };
    let path = percent_decode(path);
    let is_digest = |v: &str| v.contains(':');
    match (ty, version) {
        (_, Some(v)) if is_digest(&v) => image.has_digest(&v),
        ("oci", Some(_)) => false, // an oci version is always a digest
        ("oci", None) => match qualifier("repository_url").and_then(|u| image_name(&u)) {
            Some((reg, repo, _)) => image.has_name(&reg, &repo, qualifier("tag").as_deref()),
            None => false,
        },
        (_, version) => {
            // pkg:docker/NAMESPACE/NAME[@TAG]; the registry from repository_url
            let registry = qualifier("repository_url")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| "docker.io".to_string());
            let Some((reg, repo, _)) = image_name(&format!("{registry}/{path}")) else {
                return false;
            };
            image.has_name(&reg, &repo, version.as_deref())
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
    /// digests (manifest, index, config: `sha256:…`) and names
    /// (`registry/repository:tag`) are `image_ids`.
    #[must_use]
    pub fn applies(&self, s: &Subject, image_ids: &[String]) -> bool {
        if self.invalid.is_some() || !self.covers_vuln(s) {
            return false;
        }
        if self.products.is_empty() {
            return true;
        }
        let image = ImageIds::new(image_ids);
        self.products.iter().any(|p| {
            if p.purls
                .iter()
                .any(|u| !is_image_purl(u) && purl_matches(u, &s.purl))
            {
                return true;
            }
            let image_level = p
                .purls
                .iter()
                .any(|u| is_image_purl(u) && names_image(u, &image))
                || p.digests.iter().any(|d| image.has_digest(d));
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
        // One bad statement is kept invalid; the others apply.
        let st = parse(
            Path::new("v.json"),
            r#"{"statements":[
                {"vulnerability":"CVE-1","status":"not_affected"},
                {"vulnerability":"CVE-2","status":"maybe"},
                7,
                {"vulnerability":"CVE-3","status":"fixed"}]}"#,
        )
        .unwrap();
        let invalid: Vec<_> = st.iter().map(|s| s.invalid.as_deref()).collect();
        assert_eq!(
            invalid,
            [
                Some("`not_affected` needs a `justification` or an `impact_statement`"),
                Some("unknown status `maybe`, expected one of: not_affected, affected, fixed, under_investigation"),
                Some("not a JSON object"),
                None
            ]
        );
        assert_eq!(st[1].origin, "v.json: statement 2");
        assert!(decide(&st, &subject("CVE-1", "pkg:pypi/x@1"), &[]).is_none());
        assert_eq!(
            decide(&st, &subject("CVE-3", "pkg:pypi/x@1"), &[])
                .unwrap()
                .status,
            "fixed"
        );
        // YAML is refused, by name or by content.
        let e = parse(Path::new("v.yaml"), "{}").unwrap_err();
        assert!(e.message.contains("JSON only"), "{e}");
        let e = parse(
            Path::new("vex.json"),
            "statements:\n  - vulnerability: CVE-1\n",
        )
        .unwrap_err();
        assert!(e.message.contains("JSON only"), "{e}");
    }

    /// Image-level products name images by digest, by repository only when
    /// the statement says so, and by tag for pkg:docker; a product without
    /// either names no image.
    #[test]
    fn image_products() {
        let d = "sha256:4d3a5e8f0b7c1a2e9d6f3b8c7a1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d";
        let ids = vec![
            d.to_string(),
            "ghcr.io/acme/shop:1.4".to_string(),
            "debian:12".to_string(),
        ];
        let doc = |product: &str| {
            format!(
                r#"{{"statements":[{{"vulnerability":"CVE-1","status":"fixed","products":[{product}]}}]}}"#
            )
        };
        let applies = |product: &str| {
            let st = parse(Path::new("v.json"), &doc(product)).unwrap();
            assert!(st[0].invalid.is_none(), "{st:?}");
            st[0].applies(&subject("CVE-1", "pkg:deb/debian/libc6@2.36"), &ids)
        };
        let enc = d.replace(':', "%3A");
        assert!(applies(&format!(r#"{{"@id":"pkg:oci/shop@{enc}"}}"#)));
        assert!(applies(&format!(
            r#"{{"@id":"pkg:oci/anything@{enc}?repository_url=quay.io/x/y"}}"#
        )));
        assert!(!applies(
            r#"{"@id":"pkg:oci/shop@sha256%3A0000000000000000000000000000000000000000000000000000000000000000"}"#
        ));
        assert!(
            !applies(r#"{"@id":"pkg:oci/shop"}"#),
            "no digest, no repository: no image"
        );
        assert!(applies(
            r#"{"@id":"pkg:oci/shop?repository_url=ghcr.io/acme/shop"}"#
        ));
        assert!(applies(
            r#"{"@id":"pkg:oci/shop?repository_url=ghcr.io%2Facme%2Fshop&tag=1.4"}"#
        ));
        assert!(!applies(
            r#"{"@id":"pkg:oci/shop?repository_url=ghcr.io/acme/shop&tag=2.0"}"#
        ));
        assert!(!applies(
            r#"{"@id":"pkg:oci/shop?repository_url=ghcr.io/other/shop"}"#
        ));
        assert!(applies(r#"{"@id":"pkg:docker/debian@12"}"#));
        assert!(applies(r#"{"@id":"pkg:docker/library/debian@12"}"#));
        assert!(!applies(r#"{"@id":"pkg:docker/debian@11"}"#));
        assert!(applies(
            r#"{"@id":"pkg:docker/acme/shop@1.4?repository_url=ghcr.io"}"#
        ));
        assert!(
            !applies(r#"{"@id":"pkg:docker/acme/shop@1.4"}"#),
            "Docker Hub is not ghcr.io"
        );
        assert!(applies(&format!(
            r#"{{"@id":"pkg:docker/whatever@{enc}"}}"#
        )));
        assert!(applies(&format!(
            r#"{{"hashes":{{"sha-256":"{}"}}}}"#,
            &d[7..]
        )));
        // Subcomponents restrict an image-level product to those packages.
        let st = parse(
            Path::new("v.json"),
            &doc(&format!(r#"{{"@id":"pkg:oci/shop@{enc}","subcomponents":[{{"@id":"pkg:deb/debian/libssl3"}}]}}"#)),
        )
        .unwrap();
        assert!(!st[0].applies(&subject("CVE-1", "pkg:deb/debian/libc6@2.36"), &ids));
        assert!(st[0].applies(&subject("CVE-1", "pkg:deb/debian/libssl3@3.0"), &ids));
    }
}
