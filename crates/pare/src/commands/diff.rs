//! `pare diff BEFORE AFTER`: the before/after of two images or two saved
//! audits (`pare audit --format json`): average size, HIGH+ CVEs per
//! image, cold pull p95, registry storage and layer counts for the fleet,
//! then each image's sizes, layers, packages added and removed, CVEs fixed
//! and introduced and pull estimate. See `docs/audit.md`.

use crate::args::ReadArgs;
use crate::output::{write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use pare_audit::run::NoProgress;
use pare_audit::AuditReport;
use std::path::{Path, PathBuf};

/// Output formats of `pare diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// For PR comments.
    Markdown,
    /// pare's diff schema (`schemaVersion` 1).
    Json,
}

/// Flags of `pare diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Before: an audit JSON file, or an image (audited first).
    pub before: String,
    /// After: an audit JSON file, or an image.
    pub after: String,
    /// How images are read and scanned (when an image is given).
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// Whether `spec` names a saved audit: a `.json` file, or a regular file
/// whose first non-blank byte is `{`.
fn is_audit_json(spec: &str) -> bool {
    let p = Path::new(spec);
    if !p.is_file() {
        return false;
    }
    if p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return true;
    }
    std::fs::read(p)
        .ok()
        .and_then(|b| b.iter().copied().find(|c| !c.is_ascii_whitespace()))
        == Some(b'{')
}

fn side(
    spec: &str,
    args: &DiffArgs,
    opts: &mut Option<pare_audit::run::AuditOptions>,
) -> Result<AuditReport> {
    if is_audit_json(spec) {
        return pare_audit::merge::read(Path::new(spec));
    }
    // Decided once for both sides (a missing database is said once).
    if opts.is_none() {
        *opts = Some(args.read.options()?);
    }
    let opts = opts.as_ref().expect("set above");
    let report = pare_audit::run::audit(&[args.read.request(spec)?], opts, &NoProgress, &Stderr)?;
    if let Some(e) = report.errors.first() {
        anyhow::bail!("{}: {}", e.reference, e.error);
    }
    Ok(report)
}

/// Run `pare diff`.
///
/// # Errors
/// Unreadable audits or images.
pub fn run(args: &DiffArgs) -> Result<ExitStatus> {
    let mut opts = None;
    let before = side(&args.before, args, &mut opts)?;
    let after = side(&args.after, args, &mut opts)?;
    let d = pare_audit::diff::diff(&before, &after);
    let text = match args.format {
        Format::Table => pare_audit::render::text::diff(&d, false),
        Format::Markdown => pare_audit::render::text::diff(&d, true),
        Format::Json => pare_audit::render::diff_json(&d),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(ExitStatus::Success)
}
