//! Vulnerability database, version ordering per ecosystem and matchers.
//!
//! Contract: inputs are OSV records (JSON or YAML files, folders, `all.zip`
//! archives, osv.dev API answers) and Alpine secdb files; outputs are a
//! SQLite database ([`db`]) and matches of [`pare_findings::Package`]s
//! against it ([`matcher`]). Nothing here prints or touches the network.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! let db_path = Path::new("pare.db");
//! let summary = pare_vuln::db::import(db_path, &[PathBuf::from("vulndb/")])?;
//! let db = pare_vuln::db::open(db_path)?;
//! let status = pare_vuln::db::status(db_path)?;
//! let matches = pare_vuln::match_packages(&db, None, &[])?;
//! # Ok::<(), pare_vuln::db::Error>(())
//! ```
//!
//! - [`version`]: one module per version scheme and [`version::VersionScheme`].
//! - [`osv`], [`secdb`]: record formats.
//! - [`db`]: `import`, `open`, `status`.
//! - [`matcher`]: [`match_packages`] → [`VulnMatch`].

pub mod db;
pub mod feed;
pub mod matcher;
pub mod osv;
pub mod secdb;
pub mod version;

pub use matcher::{coverage_gaps, match_packages, CoverageGap, VulnMatch};
