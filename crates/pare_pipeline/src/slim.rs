//! `slim`: a smaller image by deletion. The plan ([`pare_slim::keep`])
//! is checked before anything is written: the kept paths as an index of
//! their own go through every `verify` check, and an image that would
//! fail is not written. The SBOM of the kept paths is the after-side of
//! the report, and the package database written lists exactly those
//! packages ([`pare_slim::pkgdb`]).

use crate::index::{index_with, Analyses};
use crate::open::{open, ImageRequest};
use crate::verify::{verify_indexed, VerifyReport};
use crate::Reporter;
use anyhow::{Context, Result};
use pare_fsindex::{FsIndex, Kind};
pub use pare_slim::write::{Format, Output};
use pare_slim::write::{Selection, Written};
use serde::Serialize;
use std::path::PathBuf;

/// What to slim and where to write it.
#[derive(Debug, Clone)]
pub struct SlimRequest {
    /// The image.
    pub image: ImageRequest,
    /// The output: an OCI layout directory or a docker-archive.
    pub output: pare_slim::write::Output,
    /// Replace a non-empty output.
    pub force: bool,
    /// `--keep` globs.
    pub keep: pare_slim::keep::Options,
    /// Tag of the output (`org.opencontainers.image.ref.name`).
    pub tag: String,
    /// Plan and check only; write nothing.
    pub dry_run: bool,
    /// A vulnerability database: count the findings before and after.
    pub db: Option<PathBuf>,
}

/// One side of the before/after.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// Paths in the filesystem.
    pub paths: usize,
    /// Regular files.
    pub files: usize,
    /// Bytes of regular files.
    pub bytes: u64,
    /// Packages in the SBOM.
    pub packages: usize,
    /// Vulnerability findings per severity (with `--db`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<std::collections::BTreeMap<pare_findings::VulnSeverity, usize>>,
}

/// The `pare slim` report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlimReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// The output (directory or archive).
    pub output: String,
    /// Before.
    pub before: Side,
    /// After.
    pub after: Side,
    /// Packages removed (`ecosystem/name@version`), sorted.
    pub packages_removed: Vec<String>,
    /// `pare verify` of the slimmed image (before it was written).
    pub verify: VerifyReport,
    /// What was written (none when verification failed or `--dry-run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<Written>,
    /// Caveats.
    pub notes: Vec<String>,
}

fn side(idx: &FsIndex, packages: usize) -> Side {
    let mut s = Side {
        paths: idx.len(),
        files: 0,
        bytes: 0,
        packages,
        vulnerabilities: None,
    };
    for (_, e) in idx.iter() {
        if e.kind == Kind::File {
            s.files += 1;
            s.bytes += e.size;
        }
    }
    s
}

/// Everything the plan reads from the pass.
#[must_use]
pub fn analyses() -> Analyses {
    Analyses::catalog()
        .with(crate::verify::analyses())
        .with(Analyses {
            globs: pare_slim::CAPTURE_GLOBS.to_vec(),
            probes: Vec::new(),
            secrets: false,
        })
}

/// Slim the image `req` names.
///
/// # Errors
/// Image read errors, an entrypoint that is not fully known, an output
/// that exists, write errors.
pub fn slim(req: &SlimRequest, reporter: &dyn Reporter) -> Result<SlimReport> {
    if !req.dry_run {
        // Before any work: an existing output is refused at once.
        if req.output.is_taken(req.force) {
            return Err(pare_slim::Error::OutputExists(req.output.to_string()).into());
        }
    }
    let spec = &req.image.spec;
    let image = open(&req.image, reporter)?;
    // A dry run reads the layers once: nothing to record for a second read.
    let idx = index_with(
        &image,
        spec,
        &analyses(),
        &req.image.limits,
        reporter,
        !req.dry_run,
    )?;
    let sbom = crate::catalog::catalog(spec, &image, &idx);
    if sbom.is_incomplete() {
        for w in &sbom.warnings {
            reporter.warn(&format!("{}: {}", w.path, w.message));
        }
    }
    let plan = pare_slim::keep::plan(image.config.as_ref(), &idx, &sbom.packages, &req.keep)
        .map_err(|e| {
            let unknown = matches!(e, pare_slim::Error::Unknown(_));
            let e = anyhow::Error::new(e).context(format!("`{spec}`"));
            if unknown {
                e.context(crate::Hint(
                    "say what the container runs with --entrypoint/--cmd (its Kubernetes command/args)"
                        .into(),
                ))
            } else {
                e
            }
        })?;
    let after_idx = idx.filtered(&|p| plan.keep.contains(p), &plan.replaced);
    let after_sbom = crate::catalog::catalog(spec, &image, &after_idx);
    let verify = verify_indexed(
        &format!("{} (slimmed)", spec),
        image.config.as_ref(),
        None,
        &after_idx,
        &pare_verify::Options::default(),
    );
    let mut removed: Vec<String> = plan
        .packages_removed
        .iter()
        .map(|i| {
            let p = &sbom.packages[*i];
            format!("{}/{}@{}", p.ecosystem, p.name, p.version)
        })
        .collect();
    removed.sort();
    removed.dedup();
    let mut before = side(&idx, sbom.packages.len());
    let mut after = side(&after_idx, after_sbom.packages.len());
    if let Some(path) = &req.db {
        let db = crate::db::open(path)?;
        let filter = crate::scan::Filter::default();
        before.vulnerabilities = Some(crate::scan::scan(&db, &sbom, &filter)?.summary);
        after.vulnerabilities = Some(crate::scan::scan(&db, &after_sbom, &filter)?.summary);
    }
    let mut report = SlimReport {
        schema_version: 1,
        source: spec.clone(),
        output: req.output.to_string(),
        before,
        after,
        packages_removed: removed,
        verify,
        written: None,
        notes: plan.notes.clone(),
    };
    if req.image.program.is_some() {
        let argv = image
            .config
            .as_ref()
            .map(pare_reach::entry::argv)
            .unwrap_or_default();
        report.notes.insert(
            0,
            format!(
                "kept for `{}` (--entrypoint/--cmd), which the slimmed image's config runs",
                argv.join(" ")
            ),
        );
    }
    if report.verify.result == crate::verify::Verdict::Fail || req.dry_run {
        return Ok(report);
    }
    let config = image.config.clone().unwrap_or_default();
    let written = req
        .output
        .write(
            pare_slim::write::Source {
                image: &image,
                index: &idx,
                limits: &req.image.limits,
            },
            &Selection {
                keep: &plan.keep,
                replaced: &plan.replaced,
            },
            &config,
            &req.tag,
            req.force,
        )
        .with_context(|| format!("`{spec}` → `{}`", req.output))?;
    report.written = Some(written);
    Ok(report)
}
