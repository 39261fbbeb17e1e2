//! Where the vulnerability database is (`--db`, `PARE_DB`), shared by
//! `db`, `scan` and `gate`.

use anyhow::Result;
use std::path::PathBuf;

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
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => pare_pipeline::db::default_path(),
        }
    }
}
