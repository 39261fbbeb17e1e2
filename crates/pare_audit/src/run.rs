//! Auditing many images: in parallel on rayon's pool (one worker per
//! core), each worker with its own read-only connection to the
//! vulnerability database, then the fleet totals. An image that cannot
//! be read becomes an [`ImageError`] and the others carry on.

use crate::model::{AuditReport, Database, ImageError, ImageRow, PullModel, SCHEMA_VERSION};
use pare_pipeline::db::OpenDb;
use pare_pipeline::open::ImageRequest;
use pare_pipeline::Reporter;
use rayon::prelude::*;
use std::path::PathBuf;

/// Told as images finish (the CLI draws a progress bar with it).
pub trait Progress: Sync {
    /// `reference` is done (`ok`: it was read).
    fn done(&self, reference: &str, ok: bool);
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn done(&self, _: &str, _: bool) {}
}

/// How to audit.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// The vulnerability database file; `None`: no scan (every row says
    /// `no db`).
    pub db: Option<PathBuf>,
    /// The cold-pull model.
    pub pull: PullModel,
}

/// Audit `images`.
///
/// # Errors
/// The database cannot be opened (before any image is read).
pub fn audit(
    images: &[ImageRequest],
    opts: &AuditOptions,
    progress: &dyn Progress,
    reporter: &dyn Reporter,
) -> anyhow::Result<AuditReport> {
    let database = match &opts.db {
        Some(p) => {
            let db = pare_pipeline::db::open(p)?;
            Some(Database {
                path: db.path.display().to_string(),
                last_import: db.last_import.clone(),
            })
        }
        None => None,
    };
    let results: Vec<Result<ImageRow, ImageError>> = images
        .par_iter()
        .map_init(
            || -> Option<anyhow::Result<OpenDb>> {
                opts.db.as_deref().map(pare_pipeline::db::open)
            },
            |db, req| {
                let result = match db {
                    Some(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
                    Some(Ok(db)) => crate::row::audit_image(req, Some(db), &opts.pull, reporter),
                    None => crate::row::audit_image(req, None, &opts.pull, reporter),
                };
                progress.done(&req.spec, result.is_ok());
                result.map_err(|e| ImageError {
                    reference: req.spec.clone(),
                    error: format!("{e:#}").replace('\n', " "),
                })
            },
        )
        .collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => errors.push(e),
        }
    }
    Ok(assemble(rows, errors, database, opts.pull))
}

/// A report from rows: sorted, totals and shared bases computed.
#[must_use]
pub fn assemble(
    mut rows: Vec<ImageRow>,
    mut errors: Vec<ImageError>,
    database: Option<Database>,
    pull: PullModel,
) -> AuditReport {
    rows.sort_by(|a, b| a.reference.cmp(&b.reference));
    crate::fleet::detect_bases(&mut rows);
    errors.sort_by(|a, b| a.reference.cmp(&b.reference));
    AuditReport {
        schema_version: SCHEMA_VERSION,
        pull_model: pull,
        database,
        totals: crate::fleet::totals(&rows),
        shared_bases: crate::fleet::shared_bases(&rows),
        images: rows,
        errors,
    }
}
