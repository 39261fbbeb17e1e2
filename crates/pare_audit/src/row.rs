//! One image → one [`ImageRow`]: open, index (catalog + hygiene +
//! reachability in one pass), scan against the database when there is one,
//! analyse reachability, and summarise.

use crate::model::{Base, ImageRow, LayerRow, OsRelease, PullModel, VulnCounts, Vulns};
use anyhow::Result;
use pare_findings::{Reach, VulnSeverity};
use pare_pipeline::catalog::Cataloged;
use pare_pipeline::db::OpenDb;
use pare_pipeline::index::Analyses;
use pare_pipeline::open::ImageRequest;
use pare_pipeline::scan::{Filter, ScanReport};
use pare_pipeline::Reporter;

/// The OCI annotation naming the base image.
pub const BASE_NAME: &str = "org.opencontainers.image.base.name";

/// Whether a reference names its digest.
#[must_use]
pub fn is_digest_pinned(reference: &str) -> bool {
    reference.contains("@sha256:") || reference.contains("@sha512:")
}

/// Audit one image: read it, scan it when `db` is given, and build its row.
///
/// # Errors
/// Image read errors and database errors (not per-file catalog problems,
/// which make the row incomplete).
pub fn audit_image(
    req: &ImageRequest,
    db: Option<&OpenDb>,
    pull: &PullModel,
    reporter: &dyn Reporter,
) -> Result<ImageRow> {
    let cataloged = pare_pipeline::catalog::run(req, Analyses::reach(), reporter)?;
    let scan = match db {
        Some(db) => Some(pare_pipeline::scan::scan(
            db,
            &cataloged.report,
            &Filter::default(),
        )?),
        None => None,
    };
    Ok(row(&req.spec, &cataloged, scan.as_ref(), pull))
}

/// The row of an image read and catalogued (indexed with
/// [`Analyses::reach`] besides the catalog), scanned or not.
#[must_use]
pub fn row(
    reference: &str,
    cataloged: &Cataloged,
    scan: Option<&ScanReport>,
    pull: &PullModel,
) -> ImageRow {
    let image = &cataloged.image;
    let idx = &cataloged.index;
    let sbom = &cataloged.report;
    let cfg = image.config.as_ref();
    let reach = pare_reach::analyze(cfg, idx, &sbom.packages);
    let hygiene = pare_hygiene::checks::collect(idx, cfg.and_then(|c| c.config.user.as_deref()), 0);
    let stats = idx.layers();
    let layers: Vec<LayerRow> = image
        .layers
        .iter()
        .map(|l| LayerRow {
            digest: l.digest.as_ref().map(ToString::to_string),
            diff_id: l.diff_id.as_ref().map(ToString::to_string),
            size: l.size,
            uncompressed_size: stats.get(l.index).map_or(0, |s| s.tar_bytes),
        })
        .collect();
    let compressed_size = image.compressed_size();
    let os = sbom.distro.as_ref().map(|d| OsRelease {
        id: d.id.clone(),
        version_id: d.version_id.clone(),
        pretty_name: d.pretty_name.clone(),
    });
    let base = match (image.annotations.get(BASE_NAME), &os) {
        (Some(n), _) if !n.is_empty() => Base {
            name: n.clone(),
            source: "annotation".into(),
        },
        (_, Some(o)) => Base {
            name: match &o.version_id {
                Some(v) => format!("{} {v}", o.id),
                None => o.id.clone(),
            },
            source: "os-release".into(),
        },
        (_, None) => Base {
            name: "scratch".into(),
            source: "no-os-release".into(),
        },
    };
    let mut packages: Vec<String> = sbom
        .packages
        .iter()
        .map(|p| format!("{}/{}@{}", p.ecosystem.as_str(), p.name, p.version))
        .collect();
    packages.sort();
    packages.dedup();
    let mut incomplete: Vec<String> = sbom
        .warnings
        .iter()
        .map(|w| format!("unreadable: {}: {}", w.path, w.message))
        .collect();
    let vulns = match scan {
        Some(s) => Vulns::Scanned(counts(s, &reach)),
        None => {
            incomplete.push("no vulnerability database: CVEs not scanned".into());
            Vulns::NoDb
        }
    };
    let needs = crate::needs::needs(cfg, idx, &sbom.packages, &reach);
    let facts = crate::recommend::ReachFacts {
        packages: &sbom.packages,
        status: reach.packages.iter().map(|p| p.status).collect(),
    };
    let mut row = ImageRow {
        reference: reference.to_string(),
        manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
        config_digest: image.config_digest.as_ref().map(ToString::to_string),
        digest_pinned: is_digest_pinned(reference),
        platform: image.platform.as_ref().map(ToString::to_string),
        os,
        base,
        compressed_size,
        uncompressed_size: layers.iter().map(|l| l.uncompressed_size).sum(),
        pull_seconds: compressed_size
            .map(|c| (pull.seconds(layers.len(), c) * 1000.0).round() / 1000.0),
        layers,
        package_count: sbom.packages.len(),
        packages,
        vulns,
        runs_as_root: hygiene.user.is_root,
        user: hygiene.user.configured.clone(),
        shells: hygiene.shells.clone(),
        package_managers: hygiene
            .package_managers
            .iter()
            .map(|p| p.name.to_string())
            .collect(),
        wasted_bytes: idx.efficiency().wasted_bytes,
        needs,
        incomplete,
        recommendations: Vec::new(),
    };
    row.recommendations =
        crate::recommend::recommend(&row, idx, &facts, &crate::recommend::known_bases());
    row
}

fn counts(scan: &ScanReport, reach: &pare_reach::Reachability) -> VulnCounts {
    let mut c = VulnCounts::default();
    for s in VulnSeverity::ALL {
        c.by_severity.insert(s.as_str().to_string(), 0);
    }
    for f in &scan.findings {
        *c.by_severity
            .entry(f.severity.as_str().to_string())
            .or_insert(0) += 1;
        if f.severity >= VulnSeverity::High {
            c.high_plus += 1;
            if f.fixed.is_some() {
                c.fixable_high_plus += 1;
            }
            match reach.packages.get(f.package_index).map(|r| r.status) {
                Some(Reach::Reachable) => c.reachable_high_plus += 1,
                Some(Reach::Unreachable) => {}
                _ => c.unknown_reach_high_plus += 1,
            }
        }
        c.ids
            .push(format!("{} {} {}", f.id, f.package, f.severity.as_str()));
    }
    c.ids.sort();
    c.ids.dedup();
    c
}
