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

use crate::args::{DbLocation, RegistryArgs};
use crate::output::{warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::{bail, Context, Result};
use pare_audit::model::PullModel;
use pare_audit::run::{AuditOptions, Progress};
use pare_image::Platform;
use pare_pipeline::open::ImageRequest;
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

/// The cold-pull model's parameters (shared with `pare diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    /// Cold-pull model: link bandwidth in Mbit/s.
    #[arg(long, value_name = "MBITS", default_value_t = 100.0)]
    pub bandwidth: f64,
    /// Cold-pull model: fixed cost of each blob request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    pub layer_latency: f64,
    /// Cold-pull model: blobs fetched at once (Docker's default is 3).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub pull_concurrency: u32,
}

impl PullArgs {
    /// The model.
    ///
    /// # Errors
    /// A bandwidth that is not positive.
    pub fn model(&self) -> Result<PullModel> {
        if !(self.bandwidth > 0.0 && self.bandwidth.is_finite()) {
            bail!("`--bandwidth` must be a positive number of Mbit/s");
        }
        if !(self.layer_latency >= 0.0 && self.layer_latency.is_finite()) {
            bail!("`--layer-latency` must be zero or more milliseconds");
        }
        Ok(PullModel {
            bandwidth_mbps: self.bandwidth,
            layer_latency_ms: self.layer_latency,
            concurrency: self.pull_concurrency.max(1),
        })
    }
}

/// How images are read and scanned (shared with `pare diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// How to reach registries.
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Platform to read from multi-platform indexes (`os/arch[/variant]`).
    #[arg(long)]
    pub platform: Option<Platform>,
    /// Refuse layers that expand past this many bytes (decompression bombs).
    #[arg(long, default_value_t = 64 << 30)]
    pub max_layer_size: u64,
    /// Where the vulnerability database is. Without `--db`/`PARE_DB` and
    /// no database in the cache, CVE columns say `no db`.
    #[command(flatten)]
    pub db: DbLocation,
    /// Do not scan for vulnerabilities (CVE columns say `no db`).
    #[arg(long)]
    pub no_db: bool,
    /// The cold-pull model.
    #[command(flatten)]
    pub pull: PullArgs,
}

impl ReadArgs {
    /// The request for one image.
    ///
    /// # Errors
    /// Unreadable `--password-stdin`.
    pub fn request(&self, spec: &str) -> Result<ImageRequest> {
        Ok(ImageRequest {
            spec: spec.to_string(),
            platform: self.platform.clone(),
            registry: self.registry.options()?,
            limits: pare_image::Limits {
                max_layer_bytes: self.max_layer_size,
                ..Default::default()
            },
        })
    }

    /// The audit options: the database when there is one (a `--db` or
    /// `PARE_DB` that does not exist is an error; a missing default
    /// database is a warning and `no db`).
    ///
    /// # Errors
    /// A bad model or a named database that is missing.
    pub fn options(&self) -> Result<AuditOptions> {
        let pull = self.pull.model()?;
        if self.no_db {
            return Ok(AuditOptions { db: None, pull });
        }
        let db = match &self.db.db {
            Some(p) => {
                pare_pipeline::db::check_not_a_dir(p)?;
                if !p.is_file() {
                    pare_pipeline::db::open(p)?; // the error with its hint
                }
                Some(p.clone())
            }
            None => {
                let p = pare_pipeline::db::default_path()?;
                if p.is_file() {
                    Some(p)
                } else {
                    warn(format_args!(
                        "no vulnerability database at `{}`: CVE columns say `no db` (create it with `pare db update` or `pare db import`, or pass `--no-db`)",
                        p.display()
                    ));
                    None
                }
            }
        };
        Ok(AuditOptions { db, pull })
    }
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
