//! `pare audit IMAGE... | --from FILE | --merge JSON...`: the fleet table.
//! One row per image (read, scanned and analysed in parallel, one image
//! per core), fleet totals, registry storage with shared blobs counted
//! once, and what each image needs to run. See `docs/audit.md`.
//!
//! Exit codes: 0 when every image was read; 2 when one could not be (its
//! error is listed, the others are still reported) or a row is incomplete
//! because files could not be read. Without a vulnerability database the
//! CVE columns say `no db` (never zero) and a warning says so; that alone
//! does not fail: an audit reports, it does not gate.

use crate::args::ReadArgs;
use crate::output::{warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::{bail, Context, Result};
use pare_audit::run::Progress;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Output formats of `pare audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// One line per image, for spreadsheets.
    Csv,
    /// For PR comments and wikis.
    Markdown,
    /// The stable schema `pare diff` and `--merge` read (`schemaVersion` 1).
    Json,
    /// One self-contained file with charts (no script, no network).
    Html,
}

/// Flags of `pare audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Images: paths or references, as for `pare inspect`.
    #[arg(conflicts_with = "merge")]
    pub images: Vec<String>,
    /// Read image references from FILE, one per line (`#` comments and
    /// blank lines skipped; `-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "merge")]
    pub from: Option<PathBuf>,
    /// Combine audits saved with `--format json` (one shard per machine)
    /// into one fleet report.
    #[arg(long, value_name = "JSON", num_args = 1..)]
    pub merge: Vec<PathBuf>,
    /// How images are read and scanned.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// References in a `--from` file.
///
/// # Errors
/// Unreadable file.
pub fn read_list(path: &Path) -> Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("cannot read image references from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// A progress bar on stderr, only when stderr is a terminal and not in CI.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(total: usize) -> Self {
        let tty = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if !tty || total < 2 {
            return Bar(None);
        }
        let pb = indicatif::ProgressBar::new(total as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} auditing [{bar:30}] {pos}/{len} images, {elapsed} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar(Some(pb))
    }
}

impl Progress for Bar {
    fn done(&self, reference: &str, _ok: bool) {
        if let Some(pb) = &self.0 {
            pb.set_message(pare_audit::render::text::short(reference));
            pb.inc(1);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// Render an audit in `format`.
#[must_use]
pub fn render(report: &pare_audit::AuditReport, format: Format) -> String {
    use pare_audit::render;
    match format {
        Format::Table => render::text::audit(report, false),
        Format::Markdown => render::text::audit(report, true),
        Format::Csv => render::csv::audit(report),
        Format::Json => render::json(report),
        Format::Html => render::html::audit(report),
    }
}

/// Run `pare audit`.
///
/// # Errors
/// Bad flags, an unreadable list or shard, a missing named database.
pub fn run(args: &AuditArgs) -> Result<ExitStatus> {
    let report = if args.merge.is_empty() {
        let mut specs = args.images.clone();
        if let Some(f) = &args.from {
            specs.extend(read_list(f)?);
        }
        if specs.is_empty() {
            bail!("no images to audit: name them, or give `--from FILE` or `--merge JSON...`");
        }
        let opts = args.read.options()?;
        let reqs = specs
            .iter()
            .map(|s| args.read.request(s))
            .collect::<Result<Vec<_>>>()?;
        let bar = Bar::new(reqs.len());
        let report = pare_audit::run::audit(&reqs, &opts, &bar, &Stderr)?;
        drop(bar);
        report
    } else {
        let shards = args
            .merge
            .iter()
            .map(|p| pare_audit::merge::read(p))
            .collect::<Result<Vec<_>>>()?;
        pare_audit::merge::merge(shards)?
    };
    write_output(
        args.output.as_deref(),
        render(&report, args.format).as_bytes(),
    )?;
    let mut unreadable = false;
    for e in &report.errors {
        crate::output::print_error_line(&format!("{}: {}", e.reference, e.error));
    }
    for r in &report.images {
        for why in &r.incomplete {
            if why.starts_with("unreadable:") {
                unreadable = true;
                warn(format_args!("incomplete: {}: {why}", r.reference));
            }
        }
    }
    Ok(if report.errors.is_empty() && !unreadable {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}
