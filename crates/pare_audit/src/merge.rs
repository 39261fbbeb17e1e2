//! `pare audit --merge`: partial audits made on separate machines (one
//! shard per CI job) combined into one fleet report. Rows are taken as
//! they are; totals, storage and shared bases are recomputed over all of
//! them, so a blob two shards both saw is still stored once.

use crate::model::{AuditReport, SCHEMA_VERSION};
use anyhow::{bail, Context, Result};
use std::path::Path;

/// Read an audit JSON file.
///
/// # Errors
/// Unreadable, not JSON, not an audit, or a newer schema; naming the file.
pub fn read(path: &Path) -> Result<AuditReport> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    parse(&text).with_context(|| format!("`{}`", path.display()))
}

/// Parse an audit JSON document.
///
/// # Errors
/// Not JSON, not an audit, or a schema newer than this pare reads.
pub fn parse(text: &str) -> Result<AuditReport> {
    let v: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let version = v
        .get("schemaVersion")
        .and_then(serde_json::Value::as_u64)
        .context("not a `pare audit` JSON report (no `schemaVersion`)")?;
    if v.get("images").is_none() || v.get("pullModel").is_none() {
        bail!("not a `pare audit` JSON report (no `images` or `pullModel`)");
    }
    if version > u64::from(SCHEMA_VERSION) {
        bail!("audit schema version {version} is newer than this pare reads ({SCHEMA_VERSION})");
    }
    serde_json::from_value(v).context("not a valid `pare audit` JSON report")
}

/// Merge shards. The pull model must agree (estimates made with different
/// models cannot be compared); the first shard's database is kept, and a
/// row audited twice (the same reference and manifest) is kept once.
///
/// # Errors
/// No shards, or shards with different pull models.
pub fn merge(shards: Vec<AuditReport>) -> Result<AuditReport> {
    let Some(first) = shards.first() else {
        bail!("nothing to merge");
    };
    let pull = first.pull_model;
    let database = first.database.clone();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, s) in shards.into_iter().enumerate() {
        if s.pull_model != pull {
            bail!(
                "shard {} was estimated with another pull model ({:?}) than shard 1 ({:?})",
                i + 1,
                s.pull_model,
                pull
            );
        }
        rows.extend(s.images);
        errors.extend(s.errors);
    }
    rows.sort_by(|a, b| {
        a.reference
            .cmp(&b.reference)
            .then_with(|| a.manifest_digest.cmp(&b.manifest_digest))
    });
    rows.dedup_by(|a, b| a.reference == b.reference && a.manifest_digest == b.manifest_digest);
    Ok(crate::run::assemble(rows, errors, database, pull))
}
