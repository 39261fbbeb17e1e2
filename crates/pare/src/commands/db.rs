//! `pare db import|update|status`: the offline vulnerability database.
//!
//! - `import PATH...` adds OSV records (JSON/YAML files, folders, `all.zip`)
//!   and Alpine secdb files to the database.
//! - `update` downloads the per-ecosystem OSV exports
//!   (`<base-url>/<Ecosystem>/all.zip`) with conditional requests (the
//!   `ETag` and `Last-Modified` of each feed are stored in the database), keeps
//!   the zips beside the database (`feeds/<Ecosystem>.zip`), and rebuilds the
//!   database from them in a temporary file that is renamed into place: a
//!   failed download or a corrupt archive leaves the old database and feeds
//!   as they were. Records imported with `db import` are not carried over by
//!   a rebuild.
//! - `status` prints sources, counts per ecosystem and age.
//!
//! Location: `--db PATH`, else `PARE_DB`, else `$XDG_CACHE_HOME/pare/vuln.db`
//! (`~/.cache/pare/vuln.db`). A database older than 7 days gives a warning
//! on stderr, never a failure.

use crate::output::{note, warn, write_output, Hint};
use crate::render::Table;
use crate::ExitStatus;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Age past which the database is reported stale.
pub const STALE_AFTER_SECS: i64 = 7 * 86_400;

/// The public OSV export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Ecosystems `db update` fetches by default (what pare's catalogers find).
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Alpine",
    "Debian",
    "Ubuntu",
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
];

/// Largest feed archive downloaded (the biggest OSV export is well under it).
const MAX_FEED_BYTES: u64 = 4 << 30;

/// Where the database is: `--db` and `PARE_DB` override the cache dir.
#[derive(Debug, Clone, clap::Args)]
pub struct DbLocation {
    /// The vulnerability database file (default: `$XDG_CACHE_HOME/pare/vuln.db`).
    #[arg(long, env = "PARE_DB", global = true)]
    pub db: Option<PathBuf>,
}

impl DbLocation {
    /// The database path.
    ///
    /// # Errors
    /// No `--db`, no `PARE_DB`, and neither `XDG_CACHE_HOME` nor `HOME`.
    pub fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.db {
            return Ok(p.clone());
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".cache"))
            })
            .context("no cache directory: set `XDG_CACHE_HOME` or `HOME`, or pass `--db`")?;
        Ok(cache.join("pare").join("vuln.db"))
    }
}

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
    #[arg(long, default_value = DEFAULT_BASE_URL)]
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
}

/// Run `pare db`.
///
/// # Errors
/// Bad inputs, database and download errors.
pub fn run(args: &DbArgs) -> Result<ExitStatus> {
    let path = args.location.path()?;
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
        "imported `{}` records (`{}` withdrawn, `{}` affected packages) from `{}` files into `{}`",
        summary.records,
        summary.withdrawn,
        summary.affected,
        summary.files,
        path.display()
    ));
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

/// Age of the database in seconds, from its `last_import` time.
#[must_use]
pub fn age_seconds(last_import: Option<&str>) -> Option<i64> {
    let then = pare_vuln::db::rfc3339_to_unix(last_import?)?;
    let now = pare_vuln::db::rfc3339_to_unix(&pare_vuln::db::now_rfc3339())?;
    Some((now - then).max(0))
}

/// Warns on stderr when the database at `path` is older than 7 days.
pub fn warn_if_stale(path: &Path, last_import: Option<&str>) {
    if let Some(age) = age_seconds(last_import) {
        if age > STALE_AFTER_SECS {
            warn(format!(
                "the vulnerability database `{}` is `{}` days old; run `pare db update`",
                path.display(),
                age / 86_400
            ));
        }
    }
}

fn feed_key(eco: &str, field: &str) -> String {
    format!("feed:{eco}:{field}")
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
    let age = age_seconds(st.last_import.as_deref());
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
        stale: age.is_some_and(|a| a > STALE_AFTER_SECS),
        feeds: feeds.into_values().collect(),
    };
    let text = match args.format {
        StatusFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        StatusFormat::Table => render_status(&report),
    };
    write_output(None, text.as_bytes())?;
    warn_if_stale(path, st.last_import.as_deref());
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
    let mut t = Table::new(&["ECOSYSTEM", "AFFECTED PACKAGES"]);
    for (eco, n) in &r.ecosystems {
        t.row(vec![eco.clone(), n.to_string()]);
    }
    out.push_str(&t.render(false, true));
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

/// What a conditional GET of one feed gave.
enum Fetched {
    /// 304: the stored copy is current.
    NotModified,
    /// A new archive in a temp file beside the stored one.
    New {
        file: tempfile::NamedTempFile,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn fetch(
    agent: &ureq::Agent,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    dir: &Path,
) -> Result<Fetched> {
    let mut req = agent.get(url);
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    if let Some(lm) = last_modified {
        req = req.header("If-Modified-Since", lm);
    }
    let resp = req.call().with_context(|| format!("`{url}`"))?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified);
    }
    if status != 200 {
        bail!("`{url}`: HTTP status `{status}`");
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let expected: Option<u64> = header("content-length").and_then(|v| v.parse().ok());
    let mut file = tempfile::Builder::new()
        .prefix(".feed-")
        .suffix(".zip.part")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    let mut reader = resp
        .into_body()
        .into_with_config()
        .limit(MAX_FEED_BYTES)
        .reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(anyhow::Error::from(e).context(format!(
                    "`{url}`: download interrupted after `{total}` bytes"
                )))
            }
        };
        file.write_all(&buf[..n])
            .with_context(|| format!("cannot write `{}`", file.path().display()))?;
        total += n as u64;
    }
    if let Some(len) = expected {
        if total != len {
            bail!("`{url}`: download interrupted after `{total}` of `{len}` bytes");
        }
    }
    file.as_file()
        .sync_all()
        .with_context(|| format!("cannot write `{}`", file.path().display()))?;
    Ok(Fetched::New {
        file,
        etag,
        last_modified,
    })
}

fn update(path: &Path, args: &UpdateArgs) -> Result<ExitStatus> {
    ensure_parent(path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let feeds_dir = dir.join("feeds");
    std::fs::create_dir_all(&feeds_dir)
        .with_context(|| format!("cannot create `{}`", feeds_dir.display()))?;
    let ecosystems: Vec<String> = if args.ecosystem.is_empty() {
        DEFAULT_ECOSYSTEMS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        args.ecosystem.clone()
    };
    for eco in &ecosystems {
        if eco.is_empty() || eco.contains(['/', '\\']) || eco.starts_with('.') {
            bail!("`{eco}` is not an OSV ecosystem name");
        }
    }
    let old_meta = if path.is_file() {
        pare_vuln::db::meta(path).unwrap_or_default()
    } else {
        BTreeMap::new()
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(args.timeout)))
        .user_agent(concat!("pare/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let base = args.base_url.trim_end_matches('/');
    let mut sources: Vec<PathBuf> = Vec::new();
    let mut fresh: Vec<(String, tempfile::NamedTempFile)> = Vec::new();
    let mut meta: Vec<(String, String)> = Vec::new();
    for eco in &ecosystems {
        let url = format!("{base}/{eco}/all.zip");
        let cached = feeds_dir.join(format!("{eco}.zip"));
        // Validators are only sent when the archive they describe is kept.
        let have = cached.is_file() && path.is_file();
        let etag = have.then(|| old_meta.get(&feed_key(eco, "etag"))).flatten();
        let lm = have
            .then(|| old_meta.get(&feed_key(eco, "last_modified")))
            .flatten();
        match fetch(
            &agent,
            &url,
            etag.map(String::as_str),
            lm.map(String::as_str),
            &feeds_dir,
        )? {
            Fetched::NotModified => {
                note(format!("{eco}: not modified"));
                for field in ["url", "etag", "last_modified", "fetched_at"] {
                    if let Some(v) = old_meta.get(&feed_key(eco, field)) {
                        meta.push((feed_key(eco, field), v.clone()));
                    }
                }
                sources.push(cached);
            }
            Fetched::New {
                file,
                etag,
                last_modified,
            } => {
                let size = file.as_file().metadata().map(|m| m.len()).unwrap_or(0);
                note(format!("{eco}: downloaded `{size}` bytes"));
                meta.push((feed_key(eco, "url"), url.clone()));
                if let Some(e) = etag {
                    meta.push((feed_key(eco, "etag"), e));
                }
                if let Some(l) = last_modified {
                    meta.push((feed_key(eco, "last_modified"), l));
                }
                meta.push((feed_key(eco, "fetched_at"), pare_vuln::db::now_rfc3339()));
                sources.push(file.path().to_path_buf());
                fresh.push((eco.clone(), file));
            }
        }
    }
    if fresh.is_empty() && path.is_file() {
        note(format!("`{}` is up to date", path.display()));
        return Ok(ExitStatus::Success);
    }
    // Rebuild in a temp file beside the database, then rename into place.
    let tmp = tempfile::Builder::new()
        .prefix(".vuln-")
        .suffix(".db.part")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    let summary = pare_vuln::db::import(tmp.path(), &sources)?;
    pare_vuln::db::set_meta(tmp.path(), &meta)?;
    for (eco, file) in fresh {
        let dest = feeds_dir.join(format!("{eco}.zip"));
        file.persist(&dest)
            .with_context(|| format!("cannot write `{}`", dest.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    note(format!(
        "`{}`: `{}` records from `{}` feeds",
        path.display(),
        summary.records,
        sources.len()
    ));
    Ok(ExitStatus::Success)
}
