//! `pare db import|update|status`: the offline vulnerability database.
//!
//! - `import PATH...` adds OSV records (JSON/YAML files, folders, `all.zip`)
//!   and Alpine secdb files to the database.
//! - `update` downloads the per-ecosystem OSV exports and rebuilds the
//!   database (`pare_vuln::feed`: conditional requests, retries, atomic).
//! - `status` prints sources, counts per ecosystem and age.
//!
//! Location: `--db PATH`, else `PARE_DB`, else `$XDG_CACHE_HOME/pare/vuln.db`
//! (`~/.cache/pare/vuln.db`). A database older than 7 days gives a warning
//! on stderr, never a failure.

use crate::args::DbLocation;
use crate::output::{note, warn, write_output, Hint};
use crate::ExitStatus;
use anyhow::{Context, Result};
use pare_report::table::Table;
use pare_vuln::feed::{FeedOutcome, UpdateOptions};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Flags of `pare db`.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DbAction,
    /// Database location.
    #[command(flatten)]
    pub location: DbLocation,
}

/// `pare db` actions.
#[derive(Debug, clap::Subcommand)]
pub enum DbAction {
    /// Import OSV files, folders, `all.zip` archives and Alpine secdb files.
    Import(ImportArgs),
    /// Download the OSV exports and rebuild the database (conditional requests).
    Update(UpdateArgs),
    /// Sources, record counts per ecosystem and age.
    Status(StatusArgs),
}

/// Flags of `pare db import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// OSV JSON/YAML files, folders, `all.zip` archives, Alpine secdb files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Flags of `pare db update`.
#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Feed mirror: `<base-url>/<Ecosystem>/all.zip` is fetched.
    #[arg(long, default_value = pare_vuln::feed::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Ecosystems to fetch (repeat or comma-separate; default: Alpine,
    /// Debian, Ubuntu, PyPI, npm, Go, crates.io, Maven).
    #[arg(long, value_delimiter = ',')]
    pub ecosystem: Vec<String>,
    /// Give up on a feed after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// Output formats of `pare db status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// For people.
    Table,
    /// `schemaVersion` 1.
    Json,
}

/// Flags of `pare db status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Warn about every ecosystem whose newest record is older than this
    /// many days (a feed that stopped updating).
    #[arg(long, default_value_t = 30)]
    pub max_age_days: u32,
}

/// Run `pare db`.
///
/// # Errors
/// Bad inputs, database and download errors.
pub fn run(args: &DbArgs) -> Result<ExitStatus> {
    let path = args.location.path()?;
    pare_pipeline::db::check_not_a_dir(&path)?;
    match &args.action {
        DbAction::Import(a) => import(&path, a),
        DbAction::Update(a) => update(&path, a),
        DbAction::Status(a) => status(&path, a),
    }
}

fn ensure_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    Ok(())
}

fn import(path: &Path, args: &ImportArgs) -> Result<ExitStatus> {
    ensure_parent(path)?;
    let summary = pare_vuln::db::import(path, &args.paths)?;
    for (file, reason) in &summary.skipped {
        warn(format!("skipped {file}: {reason}"));
    }
    note(format!(
        "imported {} records ({} withdrawn, {} affected packages) from {} files into `{}`",
        summary.records,
        summary.withdrawn,
        summary.affected,
        summary.files,
        path.display()
    ));
    Ok(ExitStatus::Success)
}

fn update(path: &Path, args: &UpdateArgs) -> Result<ExitStatus> {
    ensure_parent(path)?;
    let opts = UpdateOptions {
        base_url: args.base_url.clone(),
        ecosystems: if args.ecosystem.is_empty() {
            UpdateOptions::default().ecosystems
        } else {
            args.ecosystem.clone()
        },
        timeout: Duration::from_secs(args.timeout),
    };
    // One bar per feed, replaced when the next feed starts.
    let bar = std::sync::Mutex::new(None::<(String, indicatif::ProgressBar)>);
    let progress = |eco: &str, received: u64, expected: Option<u64>| {
        let mut slot = bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.as_ref().is_none_or(|(e, _)| e != eco) {
            *slot = crate::term::bytes_bar(&format!("downloading {eco}"), expected)
                .map(|b| (eco.to_string(), b));
        }
        if let Some((_, b)) = slot.as_ref() {
            b.set_position(received);
        }
    };
    let summary = pare_vuln::feed::update(path, &opts, &progress);
    drop(bar.into_inner());
    let summary = summary?;
    for (eco, outcome) in &summary.feeds {
        match outcome {
            FeedOutcome::NotModified => note(format!("{eco}: not modified")),
            FeedOutcome::Downloaded(n) => note(format!("{eco}: downloaded {n} bytes")),
        }
    }
    match &summary.rebuilt {
        Some(s) => note(format!(
            "`{}`: {} records from {} feeds",
            path.display(),
            s.records,
            summary.feeds.len()
        )),
        None => note(format!("`{}` is up to date", path.display())),
    }
    Ok(ExitStatus::Success)
}

/// `pare db status --format json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// Database file.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Table layout version.
    pub db_schema: i64,
    /// Records.
    pub records: u64,
    /// Withdrawn records.
    pub withdrawn: u64,
    /// Affected-package entries per ecosystem.
    pub ecosystems: BTreeMap<String, u64>,
    /// Last import or update (RFC 3339 UTC).
    pub last_import: Option<String>,
    /// Seconds since `lastImport`.
    pub age_seconds: Option<i64>,
    /// Whether the age is past 7 days.
    pub stale: bool,
    /// Feeds fetched by `db update`.
    pub feeds: Vec<FeedStatus>,
    /// The newest record per ecosystem: how current each feed is.
    pub newest: BTreeMap<String, NewestRecord>,
    /// Every import, oldest first (its record count, and how many of them
    /// replaced a record already stored: why the total can be smaller than
    /// the sum of imports).
    pub imports: Vec<pare_vuln::db::ImportRecord>,
}

/// The newest record of one ecosystem.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewestRecord {
    /// Its OSV `modified` time.
    pub modified: String,
    /// Days since.
    pub age_days: Option<i64>,
}

/// One `db update` feed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedStatus {
    /// Ecosystem directory (`Debian`, `PyPI`, ...).
    pub ecosystem: String,
    /// URL fetched.
    pub url: Option<String>,
    /// `ETag` of the stored copy.
    pub etag: Option<String>,
    /// `Last-Modified` of the stored copy.
    pub last_modified: Option<String>,
    /// When it was downloaded.
    pub fetched_at: Option<String>,
}

fn status(path: &Path, args: &StatusArgs) -> Result<ExitStatus> {
    let st = pare_vuln::db::status(path)
        .map_err(anyhow::Error::from)
        .context(Hint(
            "create it with `pare db update` or `pare db import PATH...`".into(),
        ))?;
    let meta = pare_vuln::db::meta(path)?;
    let mut feeds: BTreeMap<String, FeedStatus> = BTreeMap::new();
    for (k, v) in &meta {
        let Some(rest) = k.strip_prefix("feed:") else {
            continue;
        };
        let Some((eco, field)) = rest.rsplit_once(':') else {
            continue;
        };
        let f = feeds.entry(eco.to_owned()).or_insert_with(|| FeedStatus {
            ecosystem: eco.to_owned(),
            url: None,
            etag: None,
            last_modified: None,
            fetched_at: None,
        });
        let slot = match field {
            "url" => &mut f.url,
            "etag" => &mut f.etag,
            "last_modified" => &mut f.last_modified,
            "fetched_at" => &mut f.fetched_at,
            _ => continue,
        };
        *slot = Some(v.clone());
    }
    let age = pare_pipeline::db::age_seconds(st.last_import.as_deref());
    let report = StatusReport {
        schema_version: 1,
        path: st.path.display().to_string(),
        size_bytes: st.size_bytes,
        db_schema: st.schema,
        records: st.records,
        withdrawn: st.withdrawn,
        ecosystems: st.ecosystems,
        last_import: st.last_import.clone(),
        age_seconds: age,
        stale: age.is_some_and(|a| a > pare_pipeline::db::STALE_AFTER_SECS),
        feeds: feeds.into_values().collect(),
        newest: st
            .newest
            .iter()
            .map(|(eco, m)| {
                (
                    eco.clone(),
                    NewestRecord {
                        modified: m.clone(),
                        age_days: pare_pipeline::db::age_seconds(Some(m)).map(|s| s / 86_400),
                    },
                )
            })
            .collect(),
        imports: st.imports.clone(),
    };
    let text = match args.format {
        StatusFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        StatusFormat::Table => render_status(&report),
    };
    write_output(None, text.as_bytes())?;
    if let Some(w) = pare_pipeline::db::stale_warning(path, st.last_import.as_deref()) {
        warn(w);
    }
    for (eco, n) in &report.newest {
        if let Some(age) = n.age_days.filter(|a| *a > i64::from(args.max_age_days)) {
            warn(format!(
                "{eco}: the newest record is {age} days old (modified {}): the feed may have stopped updating",
                n.modified
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn render_status(r: &StatusReport) -> String {
    let mut out = format!(
        "database: {}\nsize: {} bytes\nrecords: {} ({} withdrawn)\nlast import: {}{}\n\n",
        r.path,
        r.size_bytes,
        r.records,
        r.withdrawn,
        r.last_import.as_deref().unwrap_or("unknown"),
        r.age_seconds
            .map(|a| format!(" ({} days ago)", a / 86_400))
            .unwrap_or_default()
    );
    let mut t = Table::new(&["ECOSYSTEM", "AFFECTED PACKAGES", "NEWEST RECORD", "AGE"]);
    for (eco, n) in &r.ecosystems {
        let newest = r.newest.get(eco);
        t.row(vec![
            eco.clone(),
            n.to_string(),
            newest.map_or_else(|| "-".into(), |m| m.modified.clone()),
            newest
                .and_then(|m| m.age_days)
                .map_or_else(|| "-".into(), |d| format!("{d} days")),
        ]);
    }
    out.push_str(&t.render(false, true));
    if !r.imports.is_empty() {
        out.push('\n');
        let mut t = Table::new(&["IMPORTED", "RECORDS", "REPLACED", "FILES", "FROM"]);
        for i in &r.imports {
            t.row(vec![
                i.at.clone(),
                i.records.to_string(),
                i.replaced.to_string(),
                i.files.to_string(),
                i.inputs.join(", "),
            ]);
        }
        out.push_str(&t.render(false, true));
        let sum: usize = r.imports.iter().map(|i| i.records - i.replaced).sum();
        if sum as u64 != r.records {
            let _ = writeln!(
                out,
                "\n{} records in all; the imports added {sum} new IDs (the difference: records stored by an older pare, or IDs shared between feeds)",
                r.records
            );
        }
    }
    if !r.feeds.is_empty() {
        out.push('\n');
        let mut t = Table::new(&["FEED", "FETCHED", "ETAG"]);
        for f in &r.feeds {
            t.row(vec![
                f.ecosystem.clone(),
                f.fetched_at.clone().unwrap_or_default(),
                f.etag.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&t.render(false, true));
    }
    out
}
