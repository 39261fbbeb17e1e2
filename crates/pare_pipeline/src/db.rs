//! The vulnerability database a scan reads: where it is by default,
//! opening it with errors that say what to do, and its age.

use crate::Hint;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Age past which the database is reported stale (a warning, never a
/// failure).
pub const STALE_AFTER_SECS: i64 = 7 * 86_400;

/// The default database file: `$XDG_CACHE_HOME/pare/vuln.db`, else
/// `~/.cache/pare/vuln.db`.
///
/// # Errors
/// Neither `XDG_CACHE_HOME` nor `HOME` is set.
pub fn default_path() -> Result<PathBuf> {
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

/// A database that is a directory is a mistake `--db` makes easy; SQLite
/// would answer it with "unable to open database file (Error code 14)".
///
/// # Errors
/// `path` is a directory.
pub fn check_not_a_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(anyhow::anyhow!(
            "`{}` is a directory, not a vulnerability database file",
            path.display()
        ))
        .context(Hint(format!(
            "`--db` names the database file, e.g. `{}`",
            path.join("vuln.db").display()
        )));
    }
    Ok(())
}

/// An open database and when it was last imported.
pub struct OpenDb {
    /// The database.
    pub db: pare_vuln::db::Db,
    /// Its file.
    pub path: PathBuf,
    /// Last import (RFC 3339), if recorded.
    pub last_import: Option<String>,
}

/// Open the database at `path` read-only.
///
/// # Errors
/// Missing, a directory, unreadable or of another schema; each with a
/// hint.
pub fn open(path: &Path) -> Result<OpenDb> {
    check_not_a_dir(path)?;
    if !path.is_file() {
        return Err(anyhow::anyhow!(
            "no vulnerability database at `{}`",
            path.display()
        ))
        .context(Hint(
            "create it with `pare db update` (online) or `pare db import PATH...` (offline OSV files)"
                .into(),
        ));
    }
    let db = pare_vuln::db::open(path).with_context(|| {
        format!(
            "cannot open the vulnerability database `{}`",
            path.display()
        )
    })?;
    let last_import = db.last_import().with_context(|| {
        format!(
            "cannot read the vulnerability database `{}`",
            path.display()
        )
    })?;
    Ok(OpenDb {
        db,
        path: path.to_path_buf(),
        last_import,
    })
}

/// Seconds since an RFC 3339 time (0 when it is in the future).
#[must_use]
pub fn age_seconds(time: Option<&str>) -> Option<i64> {
    let then = pare_vuln::db::rfc3339_to_unix(time?)?;
    let now = pare_vuln::db::rfc3339_to_unix(&pare_vuln::db::now_rfc3339())?;
    Some((now - then).max(0))
}

/// The warning for a database last imported longer than
/// [`STALE_AFTER_SECS`] ago.
#[must_use]
pub fn stale_warning(path: &Path, last_import: Option<&str>) -> Option<String> {
    let age = age_seconds(last_import)?;
    (age > STALE_AFTER_SECS).then(|| {
        format!(
            "the vulnerability database `{}` is {} days old; run `pare db update`",
            path.display(),
            age / 86_400
        )
    })
}
