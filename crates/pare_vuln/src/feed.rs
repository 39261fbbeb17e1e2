//! `db update`: download the per-ecosystem OSV exports
//! (`<base-url>/<Ecosystem>/all.zip`) and rebuild the database from them.
//!
//! - Requests are conditional: the `ETag` and `Last-Modified` of each feed
//!   are stored in the database's `meta` table and sent back, so an
//!   unchanged feed costs a 304.
//! - Connection failures, 429 and 5xx are retried with the registry
//!   client's policy ([`pare_source::http`]: 4 tries, backoff or
//!   `Retry-After`, at most 10 s of waiting); a download cut short is an
//!   error naming the bytes received.
//! - The zips are kept beside the database (`feeds/<Ecosystem>.zip`) and
//!   the database is rebuilt from them in a temporary file renamed into
//!   place: a failed download or a corrupt archive leaves the old
//!   database and feeds as they were. Records imported with `db import`
//!   are not carried over by a rebuild.

use crate::db::{self, ImportSummary};
use pare_source::http::{retrying, Attempt};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The public OSV export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Ecosystems fetched by default (what pare's catalogers find).
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

/// A feed update error.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The ecosystem name could escape the feeds directory.
    #[error("`{0}` is not an OSV ecosystem name")]
    BadEcosystem(String),
    /// The download failed.
    #[error("`{url}`: {reason}")]
    Download {
        /// What was fetched.
        url: String,
        /// Why (HTTP status, transport error, bytes received).
        reason: String,
    },
    /// A local file could not be written.
    #[error("cannot write `{path}`")]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Importing the archives failed.
    #[error("rebuilding the database")]
    Import(#[source] db::Error),
}

/// How to update.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Mirror: `<base_url>/<Ecosystem>/all.zip` is fetched.
    pub base_url: String,
    /// Ecosystems (default: [`DEFAULT_ECOSYSTEMS`]).
    pub ecosystems: Vec<String>,
    /// Give up on a feed after this long.
    pub timeout: Duration,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            ecosystems: DEFAULT_ECOSYSTEMS.iter().map(|s| (*s).to_owned()).collect(),
            timeout: Duration::from_secs(600),
        }
    }
}

/// What became of one feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// 304: the stored copy is current.
    NotModified,
    /// A new archive of this many bytes.
    Downloaded(u64),
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateSummary {
    /// Each feed, in order.
    pub feeds: Vec<(String, FeedOutcome)>,
    /// The rebuild, when any feed changed (or there was no database).
    pub rebuilt: Option<ImportSummary>,
}

/// Reports the bytes of a feed as they arrive (`(ecosystem, received,
/// expected)`), for a progress bar.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, Option<u64>) + Sync);

enum Fetched {
    NotModified,
    New {
        file: tempfile::NamedTempFile,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn feed_key(eco: &str, field: &str) -> String {
    format!("feed:{eco}:{field}")
}

fn download_err(url: &str, reason: impl Into<String>) -> FeedError {
    FeedError::Download {
        url: url.to_string(),
        reason: reason.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn fetch(
    agent: &ureq::Agent,
    eco: &str,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    dir: &Path,
    progress: Progress<'_>,
) -> Result<Fetched, FeedError> {
    let resp = retrying(
        |_| {
            let mut req = agent.get(url);
            if let Some(e) = etag {
                req = req.header("If-None-Match", e);
            }
            if let Some(lm) = last_modified {
                req = req.header("If-Modified-Since", lm);
            }
            match req.call() {
                Err(e) if pare_source::http::is_transient(&e) => Attempt::Retry {
                    after: None,
                    last: download_err(url, e.to_string()),
                },
                Err(e) => Attempt::Fail(download_err(url, e.to_string())),
                Ok(resp) => match resp.status().as_u16() {
                    200 | 304 => Attempt::Done(resp),
                    s @ (429 | 500..=599) => Attempt::Retry {
                        after: pare_source::http::retry_after(&resp),
                        last: download_err(url, format!("HTTP status {s}")),
                    },
                    s => Attempt::Fail(download_err(url, format!("HTTP status {s}"))),
                },
            }
        },
        |tries, waited, last| {
            download_err(
                url,
                format!(
                    "still failing after {tries} tries and {}s of waiting ({last})",
                    waited.as_secs()
                ),
            )
        },
    )?;
    if resp.status().as_u16() == 304 {
        return Ok(Fetched::NotModified);
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let expected: Option<u64> = header("content-length").and_then(|v| v.parse().ok());
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FeedError::Write { path, source }
    };
    let mut file = tempfile::Builder::new()
        .prefix(".feed-")
        .suffix(".zip.part")
        .tempfile_in(dir)
        .map_err(write_err(dir))?;
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
                return Err(download_err(
                    url,
                    format!("download interrupted after {total} bytes: {e}"),
                ))
            }
        };
        file.write_all(&buf[..n]).map_err(write_err(file.path()))?;
        total += n as u64;
        progress(eco, total, expected);
    }
    if let Some(len) = expected {
        if total != len {
            return Err(download_err(
                url,
                format!("download interrupted after {total} of {len} bytes"),
            ));
        }
    }
    file.as_file().sync_all().map_err(write_err(file.path()))?;
    Ok(Fetched::New {
        file,
        etag,
        last_modified,
    })
}

/// Update the database at `path` from the feeds.
///
/// # Errors
/// A bad ecosystem name, a failed download (after retries), an archive
/// that cannot be imported, or a file that cannot be written. The old
/// database and feeds are left as they were.
pub fn update(
    path: &Path,
    opts: &UpdateOptions,
    progress: Progress<'_>,
) -> Result<UpdateSummary, FeedError> {
    for eco in &opts.ecosystems {
        if eco.is_empty() || eco.contains(['/', '\\']) || eco.starts_with('.') {
            return Err(FeedError::BadEcosystem(eco.clone()));
        }
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let feeds_dir = dir.join("feeds");
    std::fs::create_dir_all(&feeds_dir).map_err(|source| FeedError::Write {
        path: feeds_dir.clone(),
        source,
    })?;
    let old_meta = if path.is_file() {
        db::meta(path).unwrap_or_default()
    } else {
        BTreeMap::new()
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(opts.timeout))
        .user_agent(concat!("pare/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let base = opts.base_url.trim_end_matches('/');
    let mut summary = UpdateSummary::default();
    let mut sources: Vec<PathBuf> = Vec::new();
    let mut fresh: Vec<(String, tempfile::NamedTempFile)> = Vec::new();
    let mut meta: Vec<(String, String)> = Vec::new();
    for eco in &opts.ecosystems {
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
            eco,
            &url,
            etag.map(String::as_str),
            lm.map(String::as_str),
            &feeds_dir,
            progress,
        )? {
            Fetched::NotModified => {
                for field in ["url", "etag", "last_modified", "fetched_at"] {
                    if let Some(v) = old_meta.get(&feed_key(eco, field)) {
                        meta.push((feed_key(eco, field), v.clone()));
                    }
                }
                sources.push(cached);
                summary.feeds.push((eco.clone(), FeedOutcome::NotModified));
            }
            Fetched::New {
                file,
                etag,
                last_modified,
            } => {
                let size = file.as_file().metadata().map(|m| m.len()).unwrap_or(0);
                meta.push((feed_key(eco, "url"), url.clone()));
                if let Some(e) = etag {
                    meta.push((feed_key(eco, "etag"), e));
                }
                if let Some(l) = last_modified {
                    meta.push((feed_key(eco, "last_modified"), l));
                }
                meta.push((feed_key(eco, "fetched_at"), db::now_rfc3339()));
                sources.push(file.path().to_path_buf());
                fresh.push((eco.clone(), file));
                summary
                    .feeds
                    .push((eco.clone(), FeedOutcome::Downloaded(size)));
            }
        }
    }
    if fresh.is_empty() && path.is_file() {
        return Ok(summary);
    }
    // Rebuild in a temp file beside the database, then rename into place.
    let tmp = tempfile::Builder::new()
        .prefix(".vuln-")
        .suffix(".db.part")
        .tempfile_in(&dir)
        .map_err(|source| FeedError::Write {
            path: dir.clone(),
            source,
        })?;
    let imported = db::import(tmp.path(), &sources).map_err(FeedError::Import)?;
    db::set_meta(tmp.path(), &meta).map_err(FeedError::Import)?;
    for (eco, file) in fresh {
        let dest = feeds_dir.join(format!("{eco}.zip"));
        file.persist(&dest).map_err(|e| FeedError::Write {
            path: dest,
            source: e.error,
        })?;
    }
    tmp.persist(path).map_err(|e| FeedError::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    summary.rebuilt = Some(imported);
    Ok(summary)
}
