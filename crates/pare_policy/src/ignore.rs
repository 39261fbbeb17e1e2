//! Ignore entries: exceptions to the policy, each with a reason and an
//! expiry, from `pare.toml`, `.pareignore.toml`, `.trivyignore` or
//! `.trivyignore.yaml`.

use crate::rule::Pattern;
use crate::subject::Subject;
use pare_findings::Date;
use serde::Serialize;

/// One ignore entry.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    /// Vulnerability ID (matched against every ID and alias of a finding,
    /// case-insensitively).
    pub id: String,
    /// Only for packages whose name matches this glob.
    pub package: Option<Pattern>,
    /// Only for this package URL (qualifiers ignored; without a version,
    /// any version).
    pub purls: Vec<String>,
    /// Only for packages found at a path matching one of these globs.
    pub paths: Vec<Pattern>,
    /// Why it is acceptable.
    pub reason: Option<String>,
    /// Last day it applies (inclusive).
    pub expires: Option<Date>,
    /// Tracking ticket.
    pub ticket: Option<String>,
    /// Where it was written: `pare.toml:14`.
    pub origin: String,
    /// For another Trivy scanner (`misconfiguration`, `secret`,
    /// `license`): never matches a finding, never stale, one note per file.
    pub scanner: Option<&'static str>,
    /// Why the entry could not be read (kept with `--lenient-ignores`): it
    /// matches nothing and is reported as an `invalid-ignore` finding.
    pub invalid: Option<String>,
}

impl IgnoreEntry {
    /// Whether it applies on `today` (expiry is inclusive: an entry with
    /// `expires = 2025-01-31` still applies on that day).
    #[must_use]
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// Whether the entry covers the finding (ignoring expiry). Entries for
    /// Trivy's misconfiguration and license scanners and invalid entries
    /// cover nothing; its secret rule IDs cover pare's secrets of that name.
    #[must_use]
    pub fn matches(&self, s: &Subject) -> bool {
        if self.invalid.is_some() {
            return false;
        }
        // Trivy's secret rule IDs (`aws-access-key-id`) are the names of
        // pare's own secret rules, so a shared `.trivyignore` suppresses the
        // same secrets in both tools; other scanners' entries cover nothing.
        match self.scanner {
            None => {}
            Some("secret") if s.kind == crate::Kind::Secret => {}
            Some(_) => return false,
        }
        let id_ok = s.id.eq_ignore_ascii_case(&self.id)
            || s.ids.iter().any(|i| i.eq_ignore_ascii_case(&self.id));
        id_ok
            && self.package.as_ref().is_none_or(|p| p.is_match(&s.package))
            && (self.purls.is_empty() || self.purls.iter().any(|p| purl_matches(p, &s.purl)))
            && (self.paths.is_empty()
                || self.paths.iter().any(|p| {
                    s.paths
                        .iter()
                        .any(|path| p.is_match(path.trim_start_matches('/')) || p.is_match(path))
                }))
    }

    /// The scope, for messages: `CVE-1 (package libssl3)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut scope = Vec::new();
        if let Some(p) = &self.package {
            scope.push(format!("package `{}`", p.as_str()));
        }
        for p in &self.purls {
            scope.push(format!("purl `{p}`"));
        }
        for p in &self.paths {
            scope.push(format!("path `{}`", p.as_str()));
        }
        if scope.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.id, scope.join(", "))
        }
    }
}

/// Why a finding was suppressed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suppression {
    /// `ignore` (an ignore entry) or `vex` (an OpenVEX statement).
    pub kind: &'static str,
    /// Where: `.pareignore.toml:3`, `vex.json: statement 2`.
    pub origin: String,
    /// The entry's reason, or the VEX justification/impact statement.
    pub reason: String,
    /// Tracking ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Last day the entry applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    /// VEX status (`not_affected`, `fixed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Suppression {
    /// From an ignore entry.
    #[must_use]
    pub fn from_entry(e: &IgnoreEntry) -> Self {
        Self {
            kind: "ignore",
            origin: e.origin.clone(),
            reason: e
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".to_string()),
            ticket: e.ticket.clone(),
            expires: e.expires,
            status: None,
        }
    }

    /// One line for people: `ignored by pare.toml:14 until 2026-12-31 (SEC-1): reason`.
    #[must_use]
    pub fn explain(&self) -> String {
        let mut s = match self.kind {
            "vex" => format!(
                "VEX `{}` in {}",
                self.status.as_deref().unwrap_or("?"),
                self.origin
            ),
            _ => format!("ignored by {}", self.origin),
        };
        if let Some(e) = self.expires {
            s.push_str(&format!(" until {e}"));
        }
        if let Some(t) = &self.ticket {
            s.push_str(&format!(" ({t})"));
        }
        s.push_str(": ");
        s.push_str(&self.reason);
        s
    }
}

/// Whether a finding's package URL `actual` is covered by `wanted`:
/// type, namespace and name must be equal (type and namespace
/// case-insensitively); the version too when `wanted` has one; qualifiers
/// and subpath are ignored unless `wanted` names qualifiers, which must then
/// all be present with equal values.
#[must_use]
pub fn purl_matches(wanted: &str, actual: &str) -> bool {
    let (w_base, w_quals) = split_purl(wanted);
    let (a_base, a_quals) = split_purl(actual);
    let (w_path, w_ver) = split_version(w_base);
    let (a_path, a_ver) = split_version(a_base);
    if !w_path.eq_ignore_ascii_case(a_path) {
        return false;
    }
    if let Some(v) = w_ver {
        if a_ver != Some(v) {
            return false;
        }
    }
    w_quals
        .iter()
        .all(|(k, v)| a_quals.iter().any(|(ak, av)| ak == k && av == v))
}

fn split_purl(p: &str) -> (&str, Vec<(&str, &str)>) {
    let p = p.split('#').next().unwrap_or(p);
    match p.split_once('?') {
        Some((base, q)) => (
            base,
            q.split('&').filter_map(|kv| kv.split_once('=')).collect(),
        ),
        None => (p, Vec::new()),
    }
}

fn split_version(base: &str) -> (&str, Option<&str>) {
    // The version starts at the last `@` after the last `/` (namespaces may
    // hold an encoded `@` as `%40`, never a raw one).
    let name_start = base.rfind('/').map_or(0, |i| i + 1);
    match base[name_start..].find('@') {
        Some(i) => (&base[..name_start + i], Some(&base[name_start + i + 1..])),
        None => (base, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_matching() {
        let a = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";
        assert!(purl_matches("pkg:deb/debian/libssl3", a));
        assert!(purl_matches("pkg:deb/debian/libssl3@3.0.11-1~deb12u2", a));
        assert!(purl_matches("pkg:deb/debian/libssl3?arch=amd64", a));
        assert!(!purl_matches("pkg:deb/debian/libssl3?arch=arm64", a));
        assert!(!purl_matches("pkg:deb/debian/libssl3@3.0.9", a));
        assert!(!purl_matches("pkg:deb/debian/libssl", a));
        assert!(purl_matches(
            "pkg:npm/%40babel/core",
            "pkg:npm/%40babel/core@7.1.0"
        ));
    }

    #[test]
    fn expiry_is_inclusive() {
        let e = IgnoreEntry {
            id: "CVE-1".into(),
            package: None,
            purls: vec![],
            paths: vec![],
            reason: Some("r".into()),
            expires: Some(Date::parse("2025-01-31").unwrap()),
            ticket: None,
            origin: "x".into(),
            scanner: None,
            invalid: None,
        };
        assert!(!e.is_expired(Date::parse("2025-01-31").unwrap()));
        assert!(e.is_expired(Date::parse("2025-02-01").unwrap()));
    }
}
