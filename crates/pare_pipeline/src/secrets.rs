//! `secrets`: credentials in every file of every layer (deleted ones
//! included), env, history and labels, found in the index pass
//! ([`crate::index::Analyses::secrets`]) and always redacted. The JSON form
//! is documented in `docs/secrets.md`.

use crate::index::{index, Analyses};
use crate::open::{open, ImageRequest};
use crate::Reporter;
use anyhow::Result;
use pare_fsindex::FsIndex;
use pare_image::Image;
use pare_secrets::{Allowed, Finding};
use serde::Serialize;

/// The `pare secrets` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// Config digest (image ID).
    pub config_digest: Option<String>,
    /// Findings: config first (env, history, labels), then files by layer,
    /// path and line. Every excerpt is redacted.
    pub findings: Vec<Finding>,
    /// What the allow-list dropped, by rule and reason.
    pub allowed: Vec<Allowed>,
    /// Text files not scanned, being over the per-file cap (10 MiB): the
    /// scan is incomplete when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unscanned: Vec<pare_secrets::Unscanned>,
}

/// The secrets of an image indexed with [`Analyses::secrets`].
#[must_use]
pub fn collect(image: &Image, idx: &FsIndex) -> pare_secrets::Secrets {
    pare_secrets::collect(idx, image.config.as_ref())
}

/// The report of an indexed image (indexed with [`Analyses::secrets`]).
#[must_use]
pub fn secrets(spec: &str, image: &Image, idx: &FsIndex) -> SecretsReport {
    let s = collect(image, idx);
    SecretsReport {
        schema_version: 1,
        source: spec.to_string(),
        config_digest: image.config_digest.as_ref().map(ToString::to_string),
        findings: s.findings,
        allowed: s.allowed,
        unscanned: s.unscanned,
    }
}

/// Open and index the image `req` names for secrets only, and report.
///
/// # Errors
/// Any read error.
pub fn run(req: &ImageRequest, reporter: &dyn Reporter) -> Result<SecretsReport> {
    let image = open(req, reporter)?;
    let idx = index(
        &image,
        &req.spec,
        &Analyses::secrets(),
        &req.limits,
        reporter,
    )?;
    Ok(secrets(&req.spec, &image, &idx))
}
