//! `pare sbom IMAGE`: every package in the image, with the layer that
//! brought it, as a table, pare's JSON, CycloneDX 1.6 or SPDX 2.3.
//!
//! Files a cataloger could not read (a malformed status file, a corrupt Go
//! build-info blob, a zip bomb) are warnings on stderr naming the file; the
//! rest of the SBOM is still written, and the exit code is 2 so that an
//! incomplete SBOM is visible.

use crate::commands::inspect::index_image;
use crate::output::write_output;
use crate::render::Table;
use crate::ExitStatus;
use anyhow::Result;
use pare_catalog::{self as catalogers, Warning};
use pare_findings::{Distro, Package};
use pare_fsindex::IndexOptions;
use pare_report::sbom::{cyclonedx, spdx, SbomDoc};
use serde::Serialize;
use std::path::PathBuf;

/// Output formats of `pare sbom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: name, version, type, layer.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
    /// SPDX 2.3 JSON.
    SpdxJson,
}

/// Flags of `pare sbom`.
#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: super::image_args::ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Record the current time in the document (off by default, so that
    /// output is a pure function of the image).
    #[arg(long)]
    pub timestamp: bool,
}

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
    /// Files read whose content is odd: printed, never incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Warning>,
}

/// An image read and catalogued: what `scan` and `gate` build on.
pub struct Cataloged {
    /// The image.
    pub image: pare_image::Image,
    /// Its filesystem index (with the captured files and probe results).
    pub index: pare_fsindex::FsIndex,
    /// The SBOM.
    pub report: SbomReport,
}

/// Extra analyses that need bytes from the same single pass over the
/// layers (reachability's ELF and import probes).
#[derive(Default)]
pub struct Extra {
    /// Globs of files to capture.
    pub capture: Vec<&'static str>,
    /// Probes to run.
    pub probes: Vec<std::sync::Arc<dyn pare_fsindex::Probe>>,
}

/// Catalog an image.
///
/// # Errors
/// Image read errors (not per-file cataloger problems, which are warnings).
pub fn sbom(args: &SbomArgs) -> Result<SbomReport> {
    Ok(catalog(&args.target, Extra::default())?.report)
}

/// Open, index and catalog an image, running `extra` in the same pass.
///
/// # Errors
/// Image read errors (not per-file cataloger problems, which are warnings).
pub fn catalog(target: &super::image_args::ImageArgs, extra: Extra) -> Result<Cataloged> {
    let image = target.open()?;
    let mut globs = catalogers::capture_globs();
    globs.extend(extra.capture);
    let mut probes = catalogers::probes();
    probes.extend(extra.probes);
    let opts = IndexOptions {
        capture: pare_fsindex::glob_set(&[pare_hygiene::CAPTURE_GLOBS, &globs].concat()),
        probes,
        limits: target.limits(),
        ..IndexOptions::default()
    };
    let idx = index_image(&image, &target.image, opts)?;
    let distro = pare_catalog::os_release::detect(&idx);
    let result = catalogers::catalog(&image, &idx, distro.as_ref());
    let mut warnings = result.warnings;
    for (path, size) in idx.skipped_large() {
        warnings.push(Warning {
            path: path.clone(),
            cataloger: "index",
            message: format!("not read: `{size}` bytes is past the per-file limit"),
        });
    }
    let report = SbomReport {
        schema_version: 1,
        source: target.image.clone(),
        config_digest: image.config_digest.as_ref().map(ToString::to_string),
        manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
        distro,
        packages: result.packages,
        warnings,
        notes: result.notes,
    };
    Ok(Cataloged {
        image,
        index: idx,
        report,
    })
}

/// Run `pare sbom`.
///
/// # Errors
/// Image read and output errors.
pub fn run(args: &SbomArgs) -> Result<ExitStatus> {
    let report = sbom(args)?;
    let created = args.timestamp.then(pare_findings::time::now_rfc3339);
    let doc = SbomDoc {
        name: &report.source,
        digest: report
            .config_digest
            .as_deref()
            .or(report.manifest_digest.as_deref()),
        distro: report.distro.as_ref(),
        packages: &report.packages,
        created: created.as_deref(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let text = match args.format {
        Format::Table => render_table(&report.packages),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::CyclonedxJson => serde_json::to_string_pretty(&cyclonedx::render(&doc))? + "\n",
        Format::SpdxJson => serde_json::to_string_pretty(&spdx::render(&doc))? + "\n",
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in report.warnings.iter().chain(&report.notes) {
        crate::output::warn(format!("{}: {} ({})", w.path, w.message, w.cataloger));
    }
    if report.warnings.is_empty() {
        Ok(ExitStatus::Success)
    } else {
        crate::output::warn(format!(
            "the SBOM is incomplete: `{}` file(s) could not be read",
            catalogers::unreadable_files(&report.warnings)
        ));
        Ok(ExitStatus::Error)
    }
}

fn render_table(packages: &[Package]) -> String {
    let mut t = Table::new(&["NAME", "VERSION", "TYPE", "LAYER", "LOCATION"]);
    for p in packages {
        t.row(vec![
            p.name.clone(),
            p.version.clone(),
            if p.dev {
                format!("{} (dev)", p.ecosystem)
            } else {
                p.ecosystem.to_string()
            },
            p.layer
                .as_ref()
                .map_or_else(|| "-".to_string(), |l| l.index.to_string()),
            p.locations.first().cloned().unwrap_or_default(),
        ]);
    }
    t.render(false, true)
}
