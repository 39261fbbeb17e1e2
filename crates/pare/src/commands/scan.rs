//! `pare scan IMAGE`: the image's packages (the SBOM) matched against the
//! offline vulnerability database (`pare db`).
//!
//! Exit codes: 0 when no finding is reported after the filters, 1 when any
//! is (`--exit-code` changes that value; `--exit-code 0` never fails), 2 on
//! an error *or an incomplete scan*: when a package database could not be
//! read, the findings are still printed but the exit code is 2, so an
//! incomplete scan never passes.

use super::db::{warn_if_stale, DbLocation};
use crate::output::{warn, write_output, Hint};
use crate::render::Table;
use crate::ExitStatus;
use anyhow::{Context, Result};
use pare_findings::{Distro, Package};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Output formats of `pare scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// For a PR comment: a summary, then the findings.
    Markdown,
}

/// Flags of `pare scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: super::image_args::ImageArgs,
    /// Where the vulnerability database is.
    #[command(flatten)]
    pub db: DbLocation,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Only report these severities (comma-separated: `critical,high`);
    /// findings without a rating count as `unknown`.
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Hide findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Exit code when any finding is reported (0 never fails).
    #[arg(long, default_value_t = 1)]
    pub exit_code: u8,
}

/// One reported vulnerability.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Index of the package in the SBOM.
    #[serde(skip)]
    pub package_index: usize,
    /// Primary ID (a CVE when there is one).
    pub id: String,
    /// Every record ID and alias, sorted.
    pub ids: Vec<String>,
    /// The installed package.
    pub package: String,
    /// The package name the advisory is keyed on (Debian source package).
    pub advisory_package: String,
    /// Ecosystem.
    pub ecosystem: pare_findings::Ecosystem,
    /// Installed version.
    pub installed: String,
    /// The version compared (the source version for distro packages).
    pub compared_version: String,
    /// Fixed version, or null when there is no fix.
    pub fixed: Option<String>,
    /// `critical`, `high`, `medium`, `low`, `negligible` or `unknown`.
    pub severity: String,
    /// CVSS base score.
    pub cvss_score: Option<f64>,
    /// CVSS vector.
    pub cvss_vector: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Advisory link.
    pub url: String,
    /// Package URL.
    pub purl: String,
    /// The layer that brought the package.
    pub layer: Option<pare_findings::LayerRef>,
    /// Where the package was found.
    pub locations: Vec<String>,
}

/// The `pare scan` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// Config digest.
    pub config_digest: Option<String>,
    /// OS.
    pub distro: Option<Distro>,
    /// The database used and when it was last imported.
    pub database: DbInfo,
    /// Packages scanned.
    pub packages: usize,
    /// Findings per severity.
    pub summary: BTreeMap<String, usize>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Files that could not be read: the scan is incomplete when any.
    pub warnings: Vec<String>,
}

/// The database used.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DbInfo {
    /// Path.
    pub path: String,
    /// Last import time.
    pub last_import: Option<String>,
}

fn rank(sev: &str) -> u8 {
    match sev {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "negligible" => 1,
        _ => 0,
    }
}

/// A severity label: the advisory's, else from the CVSS score.
fn severity_label(sev: Option<&str>, score: Option<f64>) -> String {
    if let Some(s) = sev.map(str::to_ascii_lowercase).filter(|s| rank(s) > 0) {
        return if s == "moderate" { "medium".into() } else { s };
    }
    match score {
        Some(s) if s >= 9.0 => "critical",
        Some(s) if s >= 7.0 => "high",
        Some(s) if s >= 4.0 => "medium",
        Some(s) if s > 0.0 => "low",
        _ => "unknown",
    }
    .into()
}

fn primary_id(ids: &[String]) -> String {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.first())
        .cloned()
        .unwrap_or_default()
}

/// Scan an image.
///
/// # Errors
/// Image, database or matching errors.
pub fn scan(args: &ScanArgs) -> Result<ScanReport> {
    let filter = Filter {
        severity: &args.severity,
        ignore_unfixed: args.ignore_unfixed,
    };
    Ok(scan_with(
        &args.target,
        &args.db,
        &filter,
        super::sbom::Extra::default(),
    )?
    .0)
}

/// Which findings `pare scan` reports (`Filter::default()`: all).
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// Only these severities (`--severity`); empty: all.
    pub severity: &'a [String],
    /// Hide findings without a fixed version.
    pub ignore_unfixed: bool,
}

/// Scan an image, running `extra` analyses in the same pass; also returns
/// the catalogued image.
///
/// # Errors
/// Image, database or matching errors.
pub fn scan_with(
    target: &super::image_args::ImageArgs,
    db: &DbLocation,
    filter: &Filter<'_>,
    extra: super::sbom::Extra,
) -> Result<(ScanReport, super::sbom::Cataloged)> {
    let db_path = db.path()?;
    if !db_path.is_file() {
        return Err(anyhow::anyhow!("no vulnerability database at `{}`", db_path.display())).context(Hint(
            "create it with `pare db update` (online) or `pare db import PATH...` (offline OSV files)".into(),
        ));
    }
    let db = pare_vuln::db::open(&db_path).with_context(|| {
        format!(
            "cannot open the vulnerability database `{}`",
            db_path.display()
        )
    })?;
    let last_import = db.last_import().with_context(|| {
        format!(
            "cannot read the vulnerability database `{}`",
            db_path.display()
        )
    })?;
    warn_if_stale(&db_path, last_import.as_deref());
    let cataloged = super::sbom::catalog(target, extra)?;
    let sbom = &cataloged.report;
    let matches = pare_vuln::match_packages(&db, sbom.distro.as_ref(), &sbom.packages)
        .context("matching packages against the vulnerability database")?;
    let wanted: Vec<String> = filter
        .severity
        .iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    for w in &wanted {
        if rank(w) == 0 && w != "unknown" {
            anyhow::bail!("unknown severity `{w}` in --severity (expected critical, high, medium, low, negligible or unknown)");
        }
    }
    let mut findings: Vec<Finding> = Vec::new();
    for m in matches {
        let pkg: &Package = &sbom.packages[m.package_index];
        let severity = severity_label(m.severity.as_deref(), m.cvss_score);
        if !wanted.is_empty() && !wanted.contains(&severity) {
            continue;
        }
        if filter.ignore_unfixed && m.fixed.is_none() {
            continue;
        }
        let mut ids: Vec<String> = m.ids.iter().chain(m.aliases.iter()).cloned().collect();
        ids.sort();
        ids.dedup();
        findings.push(Finding {
            package_index: m.package_index,
            id: primary_id(&ids),
            ids,
            package: pkg.name.clone(),
            advisory_package: m.package.to_string(),
            ecosystem: pkg.ecosystem,
            installed: pkg.version.clone(),
            compared_version: m.installed.to_string(),
            fixed: m.fixed.as_deref().map(str::to_string),
            severity,
            cvss_score: m.cvss_score,
            cvss_vector: m.cvss_vector.as_deref().map(str::to_string),
            summary: m.summary.as_deref().map(str::to_string),
            url: m.url.to_string(),
            purl: pkg.purl.clone(),
            layer: pkg.layer.clone(),
            locations: pkg.locations.clone(),
        });
    }
    findings.sort_by(|a, b| {
        rank(&b.severity)
            .cmp(&rank(&a.severity))
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.installed.cmp(&b.installed))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut summary = BTreeMap::new();
    for f in &findings {
        *summary.entry(f.severity.clone()).or_insert(0) += 1;
    }
    let report = ScanReport {
        schema_version: 1,
        source: target.image.clone(),
        config_digest: sbom.config_digest.clone(),
        distro: sbom.distro.clone(),
        database: DbInfo {
            path: db_path.display().to_string(),
            last_import,
        },
        packages: sbom.packages.len(),
        summary,
        findings,
        warnings: sbom
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.path, w.message))
            .collect(),
    };
    Ok((report, cataloged))
}

/// Run `pare scan`.
///
/// # Errors
/// Image, database and output errors.
pub fn run(args: &ScanArgs) -> Result<ExitStatus> {
    let report = scan(args)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Table => render_table(&report),
        Format::Markdown => render_markdown(&report),
        Format::Sarif => serde_json::to_string_pretty(&sarif(&report))? + "\n",
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        warn(format_args!("incomplete scan: {w}"));
    }
    Ok(if !report.warnings.is_empty() {
        ExitStatus::Error
    } else if report.findings.is_empty() || args.exit_code == 0 {
        ExitStatus::Success
    } else if args.exit_code == 1 {
        ExitStatus::Failure
    } else {
        ExitStatus::Code(args.exit_code)
    })
}

fn summary_line(r: &ScanReport) -> String {
    let order = ["critical", "high", "medium", "low", "negligible", "unknown"];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|s| r.summary.get(*s).map(|n| format!("{n} {s}")))
        .collect();
    format!(
        "{} vulnerabilities in {} packages{}",
        r.findings.len(),
        r.packages,
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    )
}

fn rows(r: &ScanReport) -> Table {
    let mut t = Table::new(&["ID", "SEVERITY", "PACKAGE", "INSTALLED", "FIXED", "LAYER"]);
    for f in &r.findings {
        t.row(vec![
            f.id.clone(),
            f.severity.clone(),
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

fn render_table(r: &ScanReport) -> String {
    let mut out = format!("{}: {}\n", r.source, summary_line(r));
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str(&rows(r).render(false, true));
    }
    out
}

fn render_markdown(r: &ScanReport) -> String {
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

fn sarif_level(sev: &str) -> &'static str {
    match rank(sev) {
        4 | 5 => "error",
        2 | 3 => "warning",
        _ => "note",
    }
}

/// SARIF 2.1.0: one rule per vulnerability ID, one result per affected
/// package, located at the package's metadata file.
fn sarif(r: &ScanReport) -> serde_json::Value {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &r.findings {
        rules.entry(f.id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rule_json: Vec<serde_json::Value> = rules
        .values()
        .map(|f| {
            let mut rule = sarif_rule(f);
            rule["defaultConfiguration"] = json!({"level": sarif_level(&f.severity)});
            rule
        })
        .collect();
    let results: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|f| {
            let uri = f.locations.first().map_or("unknown", |l| l.trim_start_matches('/')).to_string();
            json!({
                "ruleId": f.id,
                "ruleIndex": index[f.id.as_str()],
                "level": sarif_level(&f.severity),
                "message": {"text": format!(
                    "{} {} ({}) is affected by {}; {}",
                    f.package,
                    f.installed,
                    f.ecosystem,
                    f.id,
                    f.fixed.as_ref().map_or_else(|| "no fix is available".to_string(), |v| format!("fixed in {v}"))
                )},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": 1}
                }}],
                "partialFingerprints": {"pare/v1": format!("{}|{}|{}", f.id, f.purl, f.installed)},
                "properties": {
                    "package": f.package, "installed": f.installed, "fixed": f.fixed,
                    "severity": f.severity, "cvssScore": f.cvss_score, "purl": f.purl,
                    "layer": f.layer.as_ref().map(|l| l.index),
                    "ids": f.ids,
                },
            })
        })
        .collect();
    sarif_log(rule_json, results, None)
}

/// The SARIF rule of a vulnerability: its ID, summary, link and aliases,
/// with GitHub's `security-severity`.
pub(crate) fn sarif_rule(f: &Finding) -> serde_json::Value {
    let text = f.summary.clone().unwrap_or_else(|| f.id.clone());
    json!({
        "id": f.id,
        "name": f.id,
        "shortDescription": {"text": text},
        "helpUri": f.url,
        "help": {"text": format!("{text}\nAliases: {}\n{}", f.ids.join(", "), f.url)},
        "properties": {
            "security-severity": f.cvss_score.map(|s| format!("{s:.1}")),
            "tags": ["security", "vulnerability", f.severity],
        },
    })
}

/// A SARIF 2.1.0 log of one pare run.
pub(crate) fn sarif_log(
    rules: Vec<serde_json::Value>,
    results: Vec<serde_json::Value>,
    properties: Option<serde_json::Value>,
) -> serde_json::Value {
    // Rules and results are moved in, not interpolated: `json!` serializes
    // what it interpolates, which deep-copies a `Value` (a lint of 1,400
    // manifests peaked at 375 MB that way).
    let mut run = json!({
        "tool": {"driver": {
            "name": "pare",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://example.invalid/pare",
        }},
    });
    run["tool"]["driver"]["rules"] = serde_json::Value::Array(rules);
    run["results"] = serde_json::Value::Array(results);
    if let Some(p) = properties {
        run["properties"] = p;
    }
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
    });
    log["runs"] = serde_json::Value::Array(vec![run]);
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_from_label_or_score() {
        assert_eq!(severity_label(Some("HIGH"), None), "high");
        assert_eq!(severity_label(Some("unknown"), Some(9.8)), "critical");
        assert_eq!(severity_label(None, Some(5.0)), "medium");
        assert_eq!(severity_label(None, None), "unknown");
        assert_eq!(primary_id(&["GHSA-x".into(), "CVE-1".into()]), "CVE-1");
    }
}
