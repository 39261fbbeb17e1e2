//! `pare secrets` as a table, Markdown or SARIF (JSON is the report
//! serialised). Every excerpt arrives redacted from `pare_secrets`; these
//! renderers print nothing else of a finding's value.

use crate::sarif::{fingerprint, Builder, Location, PhysicalLocation, Region, SarifResult, Text};
use crate::table::{human_bytes, Table};
use pare_pipeline::secrets::SecretsReport;
use pare_secrets::Finding;
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `2 secrets (1 critical, 1 high)`, or `no secrets`.
#[must_use]
pub fn summary_line(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no secrets found".to_string();
    }
    let mut by: BTreeMap<std::cmp::Reverse<pare_findings::Severity>, usize> = BTreeMap::new();
    for f in findings {
        *by.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let parts: Vec<String> = by.iter().map(|(s, n)| format!("{n} {}", s.0)).collect();
    format!(
        "{} secret{} ({})",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// Where, for tables: `layer 2 /app/.env:3 (deleted)`, `env AWS_KEY`.
#[must_use]
pub fn where_text(f: &Finding) -> String {
    f.location.to_string()
}

fn rows(r: &SecretsReport) -> Table {
    let mut t = Table::new(&["CODE", "SEVERITY", "SECRET", "WHERE", "EXCERPT (REDACTED)"]);
    for f in &r.findings {
        t.row(vec![
            f.code.to_string(),
            f.severity.to_string(),
            f.title.to_string(),
            where_text(f),
            f.excerpt.clone(),
        ]);
    }
    t
}

/// The text files left unscanned, in one line (`None` when none).
#[must_use]
pub fn unscanned_text(r: &SecretsReport) -> Option<String> {
    const LIST: usize = 3;
    if r.unscanned.is_empty() {
        return None;
    }
    let list: Vec<String> = r
        .unscanned
        .iter()
        .take(LIST)
        .map(|u| format!("{} ({}, layer {})", u.path, human_bytes(u.size), u.layer))
        .collect();
    Some(format!(
        "{} text file(s) over 10 MiB were not scanned: {}{}",
        r.unscanned.len(),
        list.join(", "),
        if r.unscanned.len() > LIST {
            ", …"
        } else {
            ""
        }
    ))
}

fn allowed_text(r: &SecretsReport) -> String {
    r.allowed
        .iter()
        .map(|a| format!("{} × {}", a.count, a.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// For people.
#[must_use]
pub fn table(r: &SecretsReport) -> String {
    let mut out = format!("{}: {}\n", r.source, summary_line(&r.findings));
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str(&rows(r).render(false, true));
    }
    if !r.allowed.is_empty() {
        let _ = writeln!(out, "\nallowed (not reported): {}", allowed_text(r));
    }
    if let Some(u) = unscanned_text(r) {
        let _ = writeln!(out, "\nincomplete: {u}");
    }
    out
}

/// For a PR comment.
#[must_use]
pub fn markdown(r: &SecretsReport) -> String {
    let mut out = format!(
        "# pare secrets: `{}`\n\n{}\n",
        r.source,
        summary_line(&r.findings)
    );
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str(&rows(r).render(true, true));
    }
    if !r.allowed.is_empty() {
        let _ = writeln!(out, "\nAllowed (not reported): {}", allowed_text(r));
    }
    if let Some(u) = unscanned_text(r) {
        let _ = writeln!(out, "\n**Incomplete**: {u}");
    }
    out
}

/// A finding's SARIF location: the file inside the image at its line, or
/// the config field (`env:NAME`, `history[3]`, `label:NAME`) at line 1.
#[must_use]
pub fn location(f: &Finding) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: Builder::image_artifact(&f.location.path()),
            region: Region::line(f.location.line().unwrap_or(1)),
        },
    }
}

/// A finding as a SARIF result (for `secrets` and `gate`): the message
/// holds the redacted excerpt only.
#[must_use]
pub fn result<'a>(f: &'a Finding, source: &str, level: &'static str) -> SarifResult<'a> {
    let mut properties = serde_json::Map::new();
    properties.insert("location".into(), json!(f.location));
    properties.insert("severity".into(), json!(f.severity));
    SarifResult {
        rule_id: Cow::Borrowed(f.code),
        rule_index: 0,
        level,
        message: Text::plain(f.message()),
        locations: vec![location(f)],
        // The excerpt is redacted, so it is stable and safe to hash.
        partial_fingerprints: BTreeMap::from([(
            "pare/v1",
            fingerprint(&[f.code, source, &f.location.path(), &f.excerpt]),
        )]),
        fixes: Vec::new(),
        suppressions: Vec::new(),
        properties,
    }
}

/// SARIF 2.1.0: one rule per SEC code, one result per finding.
#[must_use]
pub fn sarif(r: &SecretsReport) -> String {
    let mut b = Builder::new();
    for f in &r.findings {
        if let Some(meta) = pare_secrets::rule(f.code) {
            b.rule(f.code, || {
                crate::sarif::lint_rule(meta, &["secret", "image"])
            });
        }
        b.result(result(f, &r.source, f.severity.sarif_level()));
    }
    b.finish(Some(
        json!({"source": r.source, "allowed": r.allowed, "unscanned": r.unscanned}),
    ))
}
