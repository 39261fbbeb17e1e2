//! `pare sbom IMAGE`: every package in the image, with the layer that
//! brought it, as a table, pare's JSON, CycloneDX 1.6 or SPDX 2.3.
//!
//! Files a cataloger could not read (a malformed status file, a corrupt Go
//! build-info blob, a zip bomb) are warnings on stderr naming the file; the
//! rest of the SBOM is still written, and the exit code is 2 so that an
//! incomplete SBOM is visible.

use crate::args::ImageArgs;
use crate::output::{warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use pare_pipeline::index::Analyses;
use pare_report::sbom::{cyclonedx, spdx, SbomDoc};
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
    pub target: ImageArgs,
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

/// Run `pare sbom`.
///
/// # Errors
/// Image read and output errors.
pub fn run(args: &SbomArgs) -> Result<ExitStatus> {
    let report =
        pare_pipeline::catalog::run(&args.target.request()?, Analyses::default(), &Stderr)?.report;
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
        Format::Table => pare_report::sbom_table::render(&report.packages),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::CyclonedxJson => serde_json::to_string_pretty(&cyclonedx::render(&doc))? + "\n",
        Format::SpdxJson => serde_json::to_string_pretty(&spdx::render(&doc))? + "\n",
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    // Notes are files read whose content was odd: said, never incomplete.
    for w in report.warnings.iter().chain(&report.notes) {
        warn(format!("{}: {} ({})", w.path, w.message, w.cataloger));
    }
    if report.is_incomplete() {
        warn(format!(
            "the SBOM is incomplete: {} file(s) could not be read",
            pare_catalog::unreadable_files(&report.warnings)
        ));
        Ok(ExitStatus::Error)
    } else {
        Ok(ExitStatus::Success)
    }
}
