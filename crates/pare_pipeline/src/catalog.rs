//! `catalog`: every package in an image, with the layer that brought it
//! (the SBOM `sbom`, `scan` and `gate` build on).
//!
//! Files a cataloger could not read (a malformed status file, a corrupt Go
//! build-info blob, a zip bomb) are [`SbomReport::warnings`]: the rest of
//! the SBOM is still produced, and the report is incomplete.

use crate::index::{index, Analyses};
use crate::open::{open, ImageRequest};
use crate::Reporter;
use anyhow::Result;
use pare_catalog::Warning;
use pare_findings::{Distro, Package};
use pare_fsindex::FsIndex;
use pare_image::Image;
use serde::Serialize;

/// pare's JSON SBOM.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// Config digest (image ID).
    pub config_digest: Option<String>,
    /// Manifest digest.
    pub manifest_digest: Option<String>,
    /// OS.
    pub distro: Option<Distro>,
    /// Packages, sorted by ecosystem, name, version, location.
    pub packages: Vec<Package>,
    /// Files that could not be read: the SBOM is incomplete when any.
    pub warnings: Vec<Warning>,
    /// Files read whose content is odd (a record without a version, a
    /// `package.json` without a name): said, never incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Warning>,
}

impl SbomReport {
    /// Whether a file that should have been read could not be.
    #[must_use]
    pub fn is_incomplete(&self) -> bool {
        !self.warnings.is_empty()
    }
}

/// An image read, indexed and catalogued: what `scan` and `gate` build on.
pub struct Cataloged {
    /// The image.
    pub image: Image,
    /// Its filesystem index (with the captured files and probe results).
    pub index: FsIndex,
    /// The SBOM.
    pub report: SbomReport,
}

/// Open the image `req` names, index it for the catalogers and `extra`
/// analyses (in the same single pass) and catalog it.
///
/// # Errors
/// Image read errors (not per-file cataloger problems, which are warnings).
pub fn run(req: &ImageRequest, extra: Analyses, reporter: &dyn Reporter) -> Result<Cataloged> {
    let image = open(req, reporter)?;
    let idx = index(
        &image,
        &req.spec,
        &Analyses::catalog().with(extra),
        &req.limits,
        reporter,
    )?;
    let report = catalog(&req.spec, &image, &idx);
    Ok(Cataloged {
        image,
        index: idx,
        report,
    })
}

/// The SBOM of an indexed image (indexed with at least
/// [`Analyses::catalog`]).
#[must_use]
pub fn catalog(spec: &str, image: &Image, idx: &FsIndex) -> SbomReport {
    let distro = pare_catalog::os_release::detect(idx);
    let result = pare_catalog::catalog(image, idx, distro.as_ref());
    let mut warnings = result.warnings;
    for (path, size) in idx.skipped_large() {
        warnings.push(Warning {
            path: path.clone(),
            cataloger: "index",
            message: format!("not read: {size} bytes is past the per-file limit"),
        });
    }
    SbomReport {
        schema_version: 1,
        source: spec.to_string(),
        config_digest: image.config_digest.as_ref().map(ToString::to_string),
        manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
        distro,
        packages: result.packages,
        warnings,
        notes: result.notes,
    }
}
