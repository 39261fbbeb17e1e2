//! `scan`: the SBOM's packages matched against the offline vulnerability
//! database, filtered as the user asked.
//!
//! A scan whose SBOM is incomplete (a package database could not be read)
//! is incomplete too: its findings are reported, but it never passes.

use crate::catalog::{Cataloged, SbomReport};
use crate::db::OpenDb;
use anyhow::{Context, Result};
use pare_findings::{Distro, Ecosystem, LayerRef, Package, VulnSeverity};
use serde::Serialize;
use std::collections::BTreeMap;

/// One reported vulnerability.
#[derive(Debug, Clone, Serialize)]
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
    pub ecosystem: Ecosystem,
    /// Installed version.
    pub installed: String,
    /// The version compared (the source version for distro packages).
    pub compared_version: String,
    /// Fixed version, or null when there is no fix.
    pub fixed: Option<String>,
    /// The advisory's label, else from the CVSS score, else `unknown`.
    pub severity: VulnSeverity,
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
    pub layer: Option<LayerRef>,
    /// Where the package was found.
    pub locations: Vec<String>,
}

/// Which findings to report ([`Filter::default`]: all).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only these severities; empty: all.
    pub severities: Vec<VulnSeverity>,
    /// Hide findings without a fixed version.
    pub ignore_unfixed: bool,
}

/// How many findings the filter hid, so that a summary never hides that
/// it hid something.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hidden {
    /// Hidden by the severity filter, per severity.
    pub by_severity: BTreeMap<VulnSeverity, usize>,
    /// Hidden because no fixed version exists (and the severity was
    /// wanted).
    pub unfixed: usize,
}

impl Hidden {
    /// Everything hidden.
    #[must_use]
    pub fn total(&self) -> usize {
        self.by_severity.values().sum::<usize>() + self.unfixed
    }
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
    /// Reported findings per severity.
    pub summary: BTreeMap<VulnSeverity, usize>,
    /// What the filter hid.
    pub hidden: Hidden,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Files that could not be read: the scan is incomplete when any.
    pub warnings: Vec<String>,
}

impl ScanReport {
    /// Whether a file that should have been read could not be.
    #[must_use]
    pub fn is_incomplete(&self) -> bool {
        !self.warnings.is_empty()
    }
}

fn primary_id(ids: &[String]) -> String {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.first())
        .cloned()
        .unwrap_or_default()
}

/// Match a catalogued image's packages against `db` and filter.
///
/// # Errors
/// Database errors while matching.
pub fn scan(db: &OpenDb, sbom: &SbomReport, filter: &Filter) -> Result<ScanReport> {
    let matches = pare_vuln::match_packages(&db.db, sbom.distro.as_ref(), &sbom.packages)
        .context("matching packages against the vulnerability database")?;
    let mut findings: Vec<Finding> = Vec::new();
    let mut hidden = Hidden::default();
    for m in matches {
        let pkg: &Package = &sbom.packages[m.package_index];
        let severity = VulnSeverity::decide(m.severity.as_deref(), m.cvss_score);
        if !filter.severities.is_empty() && !filter.severities.contains(&severity) {
            *hidden.by_severity.entry(severity).or_insert(0) += 1;
            continue;
        }
        if filter.ignore_unfixed && m.fixed.is_none() {
            hidden.unfixed += 1;
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
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.installed.cmp(&b.installed))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut summary = BTreeMap::new();
    for f in &findings {
        *summary.entry(f.severity).or_insert(0) += 1;
    }
    Ok(ScanReport {
        schema_version: 1,
        source: sbom.source.clone(),
        config_digest: sbom.config_digest.clone(),
        distro: sbom.distro.clone(),
        database: DbInfo {
            path: db.path.display().to_string(),
            last_import: db.last_import.clone(),
        },
        packages: sbom.packages.len(),
        summary,
        hidden,
        findings,
        warnings: sbom
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.path, w.message))
            .collect(),
    })
}

/// Open, index, catalog and scan in one go (what `pare scan` does).
///
/// # Errors
/// Image, database and matching errors.
pub fn run(
    req: &crate::open::ImageRequest,
    db: &OpenDb,
    filter: &Filter,
    extra: crate::index::Analyses,
    reporter: &dyn crate::Reporter,
) -> Result<(ScanReport, Cataloged)> {
    let cataloged = crate::catalog::run(req, extra, reporter)?;
    let report = scan(db, &cataloged.report, filter)?;
    Ok((report, cataloged))
}
