//! `pare scan` as a table, Markdown or SARIF (JSON is the report
//! serialised).

use crate::sarif::{
    fingerprint, Builder, Configuration, Location, PhysicalLocation, Region, Rule, RuleProperties,
    SarifResult, SecuritySeverity, Text,
};
use crate::table::Table;
use pare_findings::VulnSeverity;
use pare_pipeline::scan::{Finding, Hidden, ScanReport};
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `N vulnerabilities in M packages (1 critical, 2 high)`, and what a
/// filter hid.
#[must_use]
pub fn summary_line(r: &ScanReport) -> String {
    let parts: Vec<String> = VulnSeverity::ALL
        .iter()
        .filter_map(|s| r.summary.get(s).map(|n| format!("{n} {s}")))
        .collect();
    format!(
        "{} vulnerabilities in {} packages{}{}",
        r.findings.len(),
        r.packages,
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        },
        hidden_text(&r.hidden)
    )
}

/// `; 12 hidden by the filters (10 medium, 2 unfixed)`, or nothing.
#[must_use]
pub fn hidden_text(h: &Hidden) -> String {
    if h.total() == 0 {
        return String::new();
    }
    let mut parts: Vec<String> = VulnSeverity::ALL
        .iter()
        .filter_map(|s| h.by_severity.get(s).map(|n| format!("{n} {s}")))
        .collect();
    if h.unfixed > 0 {
        parts.push(format!("{} without a fix", h.unfixed));
    }
    format!(
        "; {} hidden by the filters ({})",
        h.total(),
        parts.join(", ")
    )
}

fn rows(r: &ScanReport) -> Table {
    let mut t = Table::new(&["ID", "SEVERITY", "PACKAGE", "INSTALLED", "FIXED", "LAYER"]);
    for f in &r.findings {
        t.row(vec![
            f.id.clone(),
            f.severity.to_string(),
            f.package.clone(),
            f.installed.clone(),
            f.fixed.clone().unwrap_or_else(|| "no fix".into()),
            f.layer
                .as_ref()
                .map_or_else(|| "-".into(), |l| l.index.to_string()),
        ]);
    }
    t
}

/// For people.
#[must_use]
pub fn table(r: &ScanReport) -> String {
    let mut out = format!("{}: {}\n", r.source, summary_line(r));
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str(&rows(r).render(false, true));
    }
    out
}

/// For a PR comment.
#[must_use]
pub fn markdown(r: &ScanReport) -> String {
    let mut out = format!("# pare scan: `{}`\n\n{}\n", r.source, summary_line(r));
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str(&rows(r).render(true, true));
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\n**Incomplete scan**: {}", r.warnings.join("; "));
    }
    out
}

/// The SARIF rule of a vulnerability: its ID, summary, link and aliases,
/// with GitHub's `security-severity` (the CVSS score, else the middle of
/// the severity's band) and tags.
#[must_use]
pub fn vuln_rule(f: &Finding) -> Rule<'_> {
    let text = f.summary.clone().unwrap_or_else(|| f.id.clone());
    let mut extra = BTreeMap::new();
    extra.insert("severity", json!(f.severity));
    Rule {
        id: Cow::Borrowed(&f.id),
        name: Cow::Borrowed(&f.id),
        short_description: Text::plain(text.clone()),
        full_description: None,
        help_uri: Some(Cow::Borrowed(&f.url)),
        help: Text::plain(format!(
            "{text}\nAliases: {}\nFix: {}\n{}",
            f.ids.join(", "),
            f.fixed.as_ref().map_or_else(
                || "no fixed version is known".to_string(),
                |v| format!("upgrade {} to {v}", f.package)
            ),
            f.url
        )),
        default_configuration: Configuration {
            level: f.severity.sarif_level(),
        },
        properties: RuleProperties {
            tags: vec![
                Cow::Borrowed("security"),
                Cow::Borrowed("vulnerability"),
                Cow::Borrowed(f.severity.as_str()),
            ],
            security_severity: SecuritySeverity(f.severity.security_severity(f.cvss_score)),
            extra,
        },
    }
}

/// The SARIF location of a vulnerable package: its metadata file inside
/// the image.
#[must_use]
pub fn package_location(f: &Finding) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: Builder::image_artifact(
                f.locations.first().map_or("unknown", String::as_str),
            ),
            region: Region::line(1),
        },
    }
}

/// The fingerprint of a vulnerable package, stable across rebuilds of the
/// same image content.
#[must_use]
pub fn package_fingerprint(f: &Finding) -> BTreeMap<&'static str, String> {
    BTreeMap::from([("pare/v1", fingerprint(&[&f.id, &f.purl, &f.installed]))])
}

/// SARIF 2.1.0: one rule per vulnerability ID, one result per affected
/// package, located at the package's metadata file.
#[must_use]
pub fn sarif(r: &ScanReport) -> String {
    let mut b = Builder::new();
    for f in &r.findings {
        b.rule(&f.id, || vuln_rule(f));
        let mut properties = serde_json::Map::new();
        properties.insert("package".into(), json!(f.package));
        properties.insert("installed".into(), json!(f.installed));
        properties.insert("fixed".into(), json!(f.fixed));
        properties.insert("severity".into(), json!(f.severity));
        properties.insert("cvssScore".into(), json!(f.cvss_score));
        properties.insert("purl".into(), json!(f.purl));
        properties.insert("layer".into(), json!(f.layer.as_ref().map(|l| l.index)));
        properties.insert("ids".into(), json!(f.ids));
        b.result(SarifResult {
            rule_id: Cow::Borrowed(&f.id),
            rule_index: 0,
            level: f.severity.sarif_level(),
            message: Text::plain(format!(
                "{} {} ({}) is affected by {}; {}",
                f.package,
                f.installed,
                f.ecosystem,
                f.id,
                f.fixed.as_ref().map_or_else(
                    || "no fix is available".to_string(),
                    |v| format!("fixed in {v}")
                )
            )),
            locations: vec![package_location(f)],
            partial_fingerprints: package_fingerprint(f),
            fixes: Vec::new(),
            suppressions: Vec::new(),
            properties,
        });
    }
    b.finish(Some(json!({"source": r.source, "hidden": r.hidden})))
}
