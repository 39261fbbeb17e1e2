//! `pare secrets IMAGE`: credentials in every file of every layer (files a
//! later layer deleted included), env values, history and labels — always
//! redacted, in every format.
//!
//! Exit codes: 0 when nothing is found, 1 when anything is (`--exit-code`
//! changes that value; `--exit-code 0` never fails), 2 on an error.

use crate::args::ImageArgs;
use crate::output::{write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use std::path::PathBuf;

/// Output formats of `pare secrets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// pare's schema (`schemaVersion` 1, `docs/secrets.md`).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// For a PR comment.
    Markdown,
}

/// Flags of `pare secrets`.
#[derive(Debug, clap::Args)]
pub struct SecretsArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Exit code when any secret is found (0 never fails).
    #[arg(long, default_value_t = 1)]
    pub exit_code: u8,
}

/// Run `pare secrets`.
///
/// # Errors
/// Image and output errors.
pub fn run(args: &SecretsArgs) -> Result<ExitStatus> {
    let report = pare_pipeline::secrets::run(&args.target.request()?, &Stderr)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Table => pare_report::secrets::table(&report),
        Format::Markdown => pare_report::secrets::markdown(&report),
        Format::Sarif => pare_report::secrets::sarif(&report),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    if let Some(u) = pare_report::secrets::unscanned_text(&report) {
        crate::output::warn(format!("the scan is incomplete: {u}"));
    }
    Ok(if report.findings.is_empty() || args.exit_code == 0 {
        ExitStatus::Success
    } else if args.exit_code == 1 {
        ExitStatus::Failure
    } else {
        ExitStatus::Code(args.exit_code)
    })
}
