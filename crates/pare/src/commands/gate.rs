//! `pare gate IMAGE`: the CI gate. Scans the image, decides which layers
//! are the base's and which the app's, which packages the entrypoint can
//! load, then applies the policy (`pare.toml`), ignore entries and VEX
//! statements, and exits 0 (pass), 1 (the policy failed) or 2 (an error or
//! an incomplete scan, which never passes).

use crate::args::{DbLocation, ImageArgs, ProgramArgs};
use crate::output::{warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use pare_pipeline::gate::{policy::PolicySources, GateRequest, GateResult};
use pare_policy::Date;
use std::path::PathBuf;

/// Output formats of `pare gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: failing, warning and ignored findings, each with why.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// For a PR comment: a summary table, then the failing findings.
    Markdown,
}

/// Flags of `pare gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: ImageArgs,
    /// What the container runs, when not the image's own: reachability
    /// follows it (as slim and verify do).
    #[command(flatten)]
    pub program: ProgramArgs,
    /// Where the vulnerability database is.
    #[command(flatten)]
    pub db: DbLocation,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// The policy file (default: `pare.toml` found upward from the working
    /// directory; without one, the default policy).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// More ignore entries: a `.pareignore.toml`-style `*.toml`, a
    /// `.trivyignore.yaml` (`*.yaml`/`*.yml`) or a `.trivyignore` (anything
    /// else). Repeatable. `.pareignore.toml`, `.trivyignore` and
    /// `.trivyignore.yaml` beside `pare.toml` (or in the working directory)
    /// are read without this flag.
    #[arg(long = "ignore-file", value_name = "FILE")]
    pub ignore_files: Vec<PathBuf>,
    /// OpenVEX documents whose `not_affected`/`fixed` statements suppress
    /// findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// The base image (same forms as IMAGE): its layers are the base's.
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,
    /// The Dockerfile that built the image: its final stage's `FROM`
    /// decides the base layers.
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
    /// Decide ignore-entry expiry as of this date (`YYYY-MM-DD`; default:
    /// today, UTC), to replay a past gate.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// In the table, list every finding the policy ignores (by default
    /// only those an ignore entry or VEX statement suppressed are listed;
    /// the rest are counted by severity).
    #[arg(long)]
    pub show_ignored: bool,
    /// A `.trivyignore`/`.trivyignore.yaml` entry with a bad `exp:` date
    /// becomes an `invalid-ignore` finding (decided by the policy) instead
    /// of an error.
    #[arg(long)]
    pub lenient_ignores: bool,
}

/// Run `pare gate`.
///
/// # Errors
/// Image, database, policy and output errors.
pub fn run(args: &GateArgs) -> Result<ExitStatus> {
    let today = match &args.today {
        Some(d) => Date::parse(d).map_err(|m| anyhow::anyhow!("--today: {m}"))?,
        None => Date::today(),
    };
    let req = GateRequest {
        image: args.program.request(&args.target)?,
        policy: PolicySources {
            config: args.config.clone(),
            ignore_files: args.ignore_files.clone(),
            vex: args.vex.clone(),
            lenient_ignores: args.lenient_ignores,
        },
        base: args.base.clone(),
        dockerfile: args.dockerfile.clone(),
        today,
        cwd: pare_pipeline::gate::current_dir()?,
    };
    let db = pare_pipeline::db::open(&args.db.path()?)?;
    if let Some(w) = pare_pipeline::db::stale_warning(&db.path, db.last_import.as_deref()) {
        warn(w);
    }
    let report = pare_pipeline::gate::gate(&req, &db, &Stderr)?;
    let text = match args.format {
        Format::Table => pare_report::gate::table(&report, args.show_ignored),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Sarif => pare_report::gate::sarif(&report),
        Format::Markdown => pare_report::gate::markdown(&report),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        warn(format_args!("incomplete scan: {w}"));
    }
    Ok(match report.result {
        GateResult::Incomplete => {
            for reason in report.incomplete_reasons() {
                if !reason.starts_with("unreadable: ") {
                    warn(format_args!("incomplete: {reason}"));
                }
            }
            warn("the gate cannot pass: resolve each cause, or accept it in pare.toml with `[[unknowns.accept]]` (docs/gate.md)");
            ExitStatus::Error
        }
        GateResult::Fail => ExitStatus::Failure,
        GateResult::Pass => ExitStatus::Success,
    })
}
