//! `pare scan IMAGE`: the image's packages (the SBOM) matched against the
//! offline vulnerability database (`pare db`).
//!
//! Exit codes: 0 when no finding is reported after the filters, 1 when any
//! is (`--exit-code` changes that value; `--exit-code 0` never fails), 2 on
//! an error *or an incomplete scan*: when a package database could not be
//! read, the findings are still printed but the exit code is 2, so an
//! incomplete scan never passes.

use crate::args::{DbLocation, ImageArgs};
use crate::output::{warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use pare_findings::VulnSeverity;
use pare_pipeline::index::Analyses;
use pare_pipeline::scan::Filter;
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
    pub target: ImageArgs,
    /// Where the vulnerability database is.
    #[command(flatten)]
    pub db: DbLocation,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Only report these severities (comma-separated: `critical,high`):
    /// critical, high, medium, low, negligible or unknown (no rating and no
    /// CVSS score). The summary counts what the filter hid.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(VulnSeverity))]
    pub severity: Vec<VulnSeverity>,
    /// Hide findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Exit code when any finding is reported (0 never fails).
    #[arg(long, default_value_t = 1)]
    pub exit_code: u8,
}

/// Run `pare scan`.
///
/// # Errors
/// Image, database and output errors.
pub fn run(args: &ScanArgs) -> Result<ExitStatus> {
    let db = pare_pipeline::db::open(&args.db.path()?)?;
    if let Some(w) = pare_pipeline::db::stale_warning(&db.path, db.last_import.as_deref()) {
        warn(w);
    }
    let filter = Filter {
        severities: args.severity.clone(),
        ignore_unfixed: args.ignore_unfixed,
    };
    let (report, _) = pare_pipeline::scan::run(
        &args.target.request()?,
        &db,
        &filter,
        Analyses::default(),
        &Stderr,
    )?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Table => pare_report::scan::table(&report),
        Format::Markdown => pare_report::scan::markdown(&report),
        Format::Sarif => pare_report::scan::sarif(&report),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        warn(format_args!("incomplete scan: {w}"));
    }
    Ok(if report.is_incomplete() {
        ExitStatus::Error
    } else if report.findings.is_empty() || args.exit_code == 0 {
        ExitStatus::Success
    } else if args.exit_code == 1 {
        ExitStatus::Failure
    } else {
        ExitStatus::Code(args.exit_code)
    })
}
