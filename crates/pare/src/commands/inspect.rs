//! `pare inspect IMAGE`: digest, platform, OS, sizes, layers, config and
//! hygiene facts. The JSON form is documented in `docs/json/inspect.md`.

use crate::args::ImageArgs;
use crate::output::{write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use std::path::PathBuf;

/// Output formats of `pare inspect`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// Stable schema (`schemaVersion` 1).
    Json,
    /// For PR comments and docs.
    Markdown,
}

/// Flags of `pare inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// How many of the largest files to list.
    #[arg(long, default_value_t = 10)]
    pub largest: usize,
    /// Do not scan the layers' files for secrets (config values are still
    /// redacted).
    #[arg(long)]
    pub no_secrets: bool,
}

/// Run `pare inspect`.
///
/// # Errors
/// Read errors (exit 2).
pub fn run(args: &InspectArgs) -> Result<ExitStatus> {
    let report = pare_pipeline::inspect::run(
        &args.target.request()?,
        args.largest,
        !args.no_secrets,
        &Stderr,
    )?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Table => pare_report::inspect::render(&report, false),
        Format::Markdown => pare_report::inspect::render(&report, true),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        crate::output::warn(w);
    }
    Ok(ExitStatus::Success)
}
