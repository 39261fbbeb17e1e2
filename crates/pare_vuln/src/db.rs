//! The offline vulnerability database: OSV records (and Alpine secdb,
//! converted) in one SQLite file.
//!
//! Schema (`SCHEMA_VERSION`):
//! - `vulns(id PK, modified, withdrawn, summary, severity, cvss_vector,
//!   cvss_score, url, aliases JSON, source)`;
//! - `ids(id, vuln_id)`: every identifier (ID, alias, upstream) of a record;
//! - `affected(vuln_id, ecosystem, eco_base, name, ranges JSON, versions
//!   JSON, severity, source)`, indexed on `(eco_base, name)` where `name` is
//!   normalised per ecosystem ([`normalize_name`]);
//! - `meta(key PK, value)`.
//!
//! Withdrawn records are stored and flagged; the matcher skips them.
//! Importing the same record again replaces it.
//!
//! One file (about 750 lines of code): the schema, import and queries of one
//! SQLite file change together (a schema bump touches all three).

use crate::osv::{self, Record};
use crate::secdb::SecDb;
use pare_findings::VulnSeverity;
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Version of the table layout; bump on incompatible changes.
pub const SCHEMA_VERSION: i64 = 1;

/// Largest single record file read (a whole-DB `all.zip` is streamed entry
/// by entry, each entry under this limit).
const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Database errors. Messages name the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("database `{path}`")]
    Sqlite {
        /// Database file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: rusqlite::Error,
    },
    /// No database at the path.
    #[error("no vulnerability database at `{0}`")]
    Missing(PathBuf),
    /// The database was written by an incompatible pare.
    #[error("database `{path}` has schema {found}, expected {expected}")]
    Schema {
        /// Database file.
        path: PathBuf,
        /// Found version.
        found: i64,
        /// Expected version.
        expected: i64,
    },
    /// An input could not be read.
    #[error("`{path}`")]
    Io {
        /// Input path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An input is not a record this importer knows.
    #[error("`{path}`: {reason}")]
    Format {
        /// Input path (with `!entry` for archive members).
        path: String,
        /// Why.
        reason: String,
    },
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// An open database.
pub struct Db {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Opens an existing database read-only.
///
/// # Errors
/// Missing file, wrong schema, SQLite errors.
pub fn open(path: &Path) -> Result<Db> {
    if !path.is_file() {
        return Err(Error::Missing(path.to_owned()));
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql(path))?;
    let db = Db {
        conn,
        path: path.to_owned(),
    };
    db.check_schema()?;
    Ok(db)
}

fn create(path: &Path) -> Result<Db> {
    let conn = Connection::open(path).map_err(sql(path))?;
    conn.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
         CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS vulns(
            id TEXT PRIMARY KEY, modified TEXT, withdrawn INTEGER NOT NULL, summary TEXT,
            severity TEXT, cvss_vector TEXT, cvss_score REAL, url TEXT, aliases TEXT NOT NULL,
            source TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS ids(id TEXT NOT NULL, vuln_id TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS affected(
            vuln_id TEXT NOT NULL, ecosystem TEXT NOT NULL, eco_base TEXT NOT NULL, name TEXT NOT NULL,
            ranges TEXT NOT NULL, versions TEXT NOT NULL, severity TEXT, source TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS affected_pkg ON affected(eco_base, name);
         CREATE INDEX IF NOT EXISTS affected_vuln ON affected(vuln_id);
         CREATE INDEX IF NOT EXISTS ids_id ON ids(id);
         CREATE INDEX IF NOT EXISTS ids_vuln ON ids(vuln_id);",
    )
    .map_err(sql(path))?;
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sql(path))?;
    match found {
        None => {
            conn.execute(
                "INSERT INTO meta VALUES('schema', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(sql(path))?;
        }
        Some(v) if v == SCHEMA_VERSION.to_string() => {}
        Some(v) => {
            return Err(Error::Schema {
                path: path.to_owned(),
                found: v.parse().unwrap_or(-1),
                expected: SCHEMA_VERSION,
            })
        }
    }
    Ok(Db {
        conn,
        path: path.to_owned(),
    })
}

impl Db {
    /// When records were last imported (RFC 3339), if ever.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_import(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key='last_import'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql(&self.path))
    }

    fn check_schema(&self) -> Result<()> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql(&self.path))?;
        let found = v.and_then(|v| v.parse().ok()).unwrap_or(-1);
        if found == SCHEMA_VERSION {
            Ok(())
        } else {
            Err(Error::Schema {
                path: self.path.clone(),
                found,
                expected: SCHEMA_VERSION,
            })
        }
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The normalised package name an ecosystem matches on: PEP 503 for PyPI
/// (lower case, runs of `-_.` → `-`), lower case with `_` → `-` for
/// crates.io, as written otherwise.
#[must_use]
pub fn normalize_name(eco_base: &str, name: &str) -> String {
    match eco_base {
        "PyPI" => pare_findings::pep503_normalize(name),
        "crates.io" => name.to_lowercase().replace('_', "-"),
        _ => name.to_owned(),
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Records stored (new or replaced).
    pub records: usize,
    /// Of which withdrawn.
    pub withdrawn: usize,
    /// Affected-package rows stored.
    pub affected: usize,
    /// Files read.
    pub files: usize,
    /// Files in walked folders that were not records (path, reason).
    pub skipped: Vec<(String, String)>,
    /// Records that replaced one already stored under the same ID.
    pub replaced: usize,
}

/// Counts in a database.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Database file.
    pub path: PathBuf,
    /// Size on disk, bytes.
    pub size_bytes: u64,
    /// Schema version.
    pub schema: i64,
    /// Records.
    pub records: u64,
    /// Withdrawn records.
    pub withdrawn: u64,
    /// Affected rows per base ecosystem (`Debian`, `PyPI`, ...).
    pub ecosystems: BTreeMap<String, u64>,
    /// Time of the last import (RFC 3339, UTC), if recorded.
    pub last_import: Option<String>,
    /// The newest record (its OSV `modified` time) per base ecosystem: how
    /// current each feed is, whatever the import date.
    pub newest: BTreeMap<String, String>,
    /// Every import, oldest first.
    pub imports: Vec<ImportRecord>,
}

/// What one `db import` or `db update` stored, as recorded in the
/// database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRecord {
    /// When (RFC 3339).
    pub at: String,
    /// Inputs as given (files, folders, archives).
    pub inputs: Vec<String>,
    /// Files read.
    pub files: usize,
    /// Records stored.
    pub records: usize,
    /// Of which already in the database under the same ID (replaced, so
    /// the database's count grows by less).
    pub replaced: usize,
    /// Affected-package rows stored.
    pub affected: usize,
}

/// Reads counts from the database at `path`.
///
/// # Errors
/// As [`open`].
pub fn status(path: &Path) -> Result<Status> {
    let db = open(path)?;
    let e = sql(path);
    let records: u64 = db
        .conn
        .query_row("SELECT count(*) FROM vulns", [], |r| r.get(0))
        .map_err(&e)?;
    let withdrawn: u64 = db
        .conn
        .query_row("SELECT count(*) FROM vulns WHERE withdrawn=1", [], |r| {
            r.get(0)
        })
        .map_err(&e)?;
    let mut stmt = db
        .conn
        .prepare("SELECT eco_base, count(*) FROM affected GROUP BY eco_base ORDER BY eco_base")
        .map_err(&e)?;
    let ecosystems = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
        .map_err(&e)?
        .collect::<std::result::Result<BTreeMap<_, _>, _>>()
        .map_err(&e)?;
    let last_import = db.last_import()?;
    let mut stmt = db
        .conn
        .prepare(
            "SELECT a.eco_base, max(v.modified) FROM affected a JOIN vulns v ON v.id = a.vuln_id \
             WHERE v.modified IS NOT NULL AND v.modified != '' GROUP BY a.eco_base",
        )
        .map_err(&e)?;
    let newest = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(&e)?
        .collect::<std::result::Result<BTreeMap<_, _>, _>>()
        .map_err(&e)?;
    let imports: Vec<ImportRecord> = db
        .conn
        .query_row("SELECT value FROM meta WHERE key='imports'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .map_err(&e)?
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    Ok(Status {
        path: path.to_owned(),
        size_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        schema: SCHEMA_VERSION,
        records,
        withdrawn,
        ecosystems,
        last_import,
        newest,
        imports,
    })
}

/// Every `meta` key and value (`schema`, `last_import`, and whatever
/// callers stored with [`set_meta`], e.g. feed validators).
///
/// # Errors
/// As [`open`].
pub fn meta(path: &Path) -> Result<BTreeMap<String, String>> {
    let db = open(path)?;
    let e = sql(path);
    let mut stmt = db
        .conn
        .prepare("SELECT key, value FROM meta ORDER BY key")
        .map_err(&e)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(&e)?
        .collect::<std::result::Result<BTreeMap<_, _>, _>>()
        .map_err(&e);
    rows
}

/// Stores `meta` keys (replacing, in one transaction), creating the
/// database if needed.
///
/// # Errors
/// SQLite errors, wrong schema.
pub fn set_meta(path: &Path, entries: &[(String, String)]) -> Result<()> {
    let mut db = create(path)?;
    let e = sql(path);
    let tx = db.conn.transaction().map_err(&e)?;
    for (k, v) in entries {
        tx.execute("INSERT OR REPLACE INTO meta VALUES(?1, ?2)", [k, v])
            .map_err(&e)?;
    }
    tx.commit().map_err(&e)
}

/// One parsed input unit, before storing.
struct Parsed {
    records: Vec<Record>,
    /// `osv` or `alpine-secdb`.
    source: &'static str,
}

/// Imports OSV records (JSON or YAML files, folders of them, `all.zip`
/// archives, `{"vulns": [...]}` API answers) and Alpine secdb files (JSON or
/// legacy YAML) into the database at `db_path`, creating it if needed.
///
/// A path named explicitly must be a readable record; inside a folder,
/// files that are not records (licences, schemas) are listed in
/// [`ImportSummary::skipped`].
///
/// # Errors
/// An unreadable or malformed input named explicitly, or SQLite errors.
pub fn import(db_path: &Path, inputs: &[PathBuf]) -> Result<ImportSummary> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut files).map_err(|source| Error::Io {
                path: input.clone(),
                source,
            })?;
        } else if input.exists() {
            files.push((input.clone(), true));
        } else {
            return Err(Error::Io {
                path: input.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    let results: Vec<(PathBuf, bool, Result<Vec<Parsed>>)> = files
        .into_par_iter()
        .map(|(path, explicit)| {
            let r = parse_file(&path);
            (path, explicit, r)
        })
        .collect();
    let mut summary = ImportSummary::default();
    let mut parsed = Vec::new();
    for (path, explicit, r) in results {
        match r {
            Ok(p) => {
                summary.files += 1;
                parsed.extend(p);
            }
            Err(e) if explicit => return Err(e),
            Err(e) => summary
                .skipped
                .push((path.display().to_string(), e.to_string())),
        }
    }
    let mut db = create(db_path)?;
    let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    store(&mut db, parsed, &mut summary, &inputs)?;
    Ok(summary)
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, bool)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&p, out)?;
        } else if ft.is_file() {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "json" | "yaml" | "yml" | "zip") {
                out.push((p, false));
            }
        }
    }
    Ok(())
}

fn format_err(path: &str, reason: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn parse_file(path: &Path) -> Result<Vec<Parsed>> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 4];
    let n = f.read(&mut head).map_err(io)?;
    if n == 4 && head == *b"PK\x03\x04" {
        return parse_zip(path);
    }
    let len = f.metadata().map_err(io)?.len();
    if len > MAX_RECORD_BYTES {
        return Err(format_err(
            &path.display().to_string(),
            format!("larger than {MAX_RECORD_BYTES} bytes"),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let is_yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    parse_bytes(&path.display().to_string(), &bytes, is_yaml).map(|p| vec![p])
}

fn parse_bytes(name: &str, bytes: &[u8], is_yaml: bool) -> Result<Parsed> {
    if is_yaml {
        let text = std::str::from_utf8(bytes).map_err(|e| format_err(name, e))?;
        let value: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| format_err(name, e))?;
        if value.get("packages").is_some() && value.get("distroversion").is_some() {
            let db: SecDb = serde_yaml_ng::from_value(value).map_err(|e| format_err(name, e))?;
            return Ok(Parsed {
                records: db.into_records(),
                source: "alpine-secdb",
            });
        }
        if value.get("id").is_none() {
            return Err(format_err(name, "not an OSV record (no `id`)"));
        }
        let rec = osv::from_yaml(text).map_err(|e| format_err(name, e))?;
        return Ok(Parsed {
            records: vec![rec],
            source: "osv",
        });
    }
    // Cheap sniff of the top-level keys to route the document.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format_err(name, e))?;
    if value.get("packages").is_some() && value.get("distroversion").is_some() {
        let db: SecDb = serde_json::from_value(value).map_err(|e| format_err(name, e))?;
        return Ok(Parsed {
            records: db.into_records(),
            source: "alpine-secdb",
        });
    }
    let looks_osv = value.get("id").is_some() || value.get("vulns").is_some() || value.is_array();
    if !looks_osv {
        return Err(format_err(name, "not an OSV record or Alpine secdb file"));
    }
    let records = osv::many_from_json(bytes).map_err(|e| format_err(name, e))?;
    Ok(Parsed {
        records,
        source: "osv",
    })
}

fn parse_zip(path: &Path) -> Result<Vec<Parsed>> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| format_err(&name, e))?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| format_err(&name, e))?;
        let inner = entry
            .name()
            .map(|n| n.to_string())
            .map_err(|e| format_err(&name, e))?;
        if !entry.is_file() || !inner.ends_with(".json") {
            continue;
        }
        let entry_name = format!("{name}!{inner}");
        if entry.size() > MAX_RECORD_BYTES {
            return Err(format_err(&entry_name, "entry too large"));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format_err(&entry_name, e))?;
        out.push(parse_bytes(&entry_name, &bytes, false)?);
    }
    Ok(out)
}

/// The single word severity pare stores: `critical`, `high`, `medium`,
/// `low`, `negligible` or `unknown`.
fn word_severity(s: &str) -> Option<&'static str> {
    VulnSeverity::from_label(s).map(VulnSeverity::as_str)
}

/// The best CVSS vector of a record (v3 preferred to v4 for comparability
/// with distro trackers, then v2) and its base score.
fn cvss_of(entries: &[osv::SeverityEntry]) -> (Option<String>, Option<f64>) {
    for kind in ["CVSS_V3", "CVSS_V4", "CVSS_V2"] {
        if let Some(e) = entries.iter().find(|e| e.kind == kind) {
            let score = cvss::Cvss::from_str(&e.score).ok().map(|c| c.score());
            return (Some(e.score.clone()), score);
        }
    }
    (None, None)
}

fn link(rec: &Record) -> String {
    if let Some(r) = rec
        .references
        .iter()
        .find(|r| r.kind == "ADVISORY" && !r.url.is_empty())
    {
        return r.url.clone();
    }
    format!("https://osv.dev/vulnerability/{}", rec.id)
}

fn store(
    db: &mut Db,
    parsed: Vec<Parsed>,
    summary: &mut ImportSummary,
    inputs: &[String],
) -> Result<()> {
    let path = db.path.clone();
    let e = sql(&path);
    let tx = db.conn.transaction().map_err(&e)?;
    {
        let mut exists = tx.prepare("SELECT 1 FROM vulns WHERE id=?1").map_err(&e)?;
        let mut del_osv_aff = tx
            .prepare("DELETE FROM affected WHERE vuln_id=?1 AND source='osv'")
            .map_err(&e)?;
        let mut del_secdb_aff = tx
            .prepare("DELETE FROM affected WHERE vuln_id=?1 AND ecosystem=?2 AND name=?3 AND source='alpine-secdb'")
            .map_err(&e)?;
        let mut del_ids = tx.prepare("DELETE FROM ids WHERE vuln_id=?1").map_err(&e)?;
        let mut put_osv = tx
            .prepare("INSERT OR REPLACE INTO vulns VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)")
            .map_err(&e)?;
        let mut put_stub = tx
            .prepare("INSERT OR IGNORE INTO vulns VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)")
            .map_err(&e)?;
        let mut put_id = tx.prepare("INSERT INTO ids VALUES(?1,?2)").map_err(&e)?;
        let mut put_aff = tx
            .prepare("INSERT INTO affected VALUES(?1,?2,?3,?4,?5,?6,?7,?8)")
            .map_err(&e)?;
        for unit in parsed {
            let is_osv = unit.source == "osv";
            for rec in unit.records {
                if rec.id.is_empty() {
                    continue;
                }
                let (vector, score) = cvss_of(&rec.severity);
                let db_severity = rec
                    .database_specific
                    .as_ref()
                    .and_then(|d| d.get("severity"))
                    .and_then(|s| s.as_str())
                    .and_then(word_severity);
                let severity = db_severity.or(score.map(|s| VulnSeverity::from_cvss(s).as_str()));
                let aliases = serde_json::to_string(&rec.aliases).unwrap_or_else(|_| "[]".into());
                let summary_text = rec.summary.as_deref().or(rec
                    .details
                    .as_deref()
                    .map(|d| d.lines().next().unwrap_or("")));
                let args = params![
                    rec.id,
                    rec.modified,
                    rec.withdrawn.is_some(),
                    summary_text,
                    severity,
                    vector,
                    score,
                    link(&rec),
                    aliases,
                    unit.source,
                ];
                // An OSV record replaces what is stored under its ID; a
                // secdb entry only adds a stub (when no record exists) and
                // its affected rows.
                let inserted = if is_osv {
                    if exists.exists([&rec.id]).map_err(&e)? {
                        summary.replaced += 1;
                    }
                    del_osv_aff.execute([&rec.id]).map_err(&e)?;
                    del_ids.execute([&rec.id]).map_err(&e)?;
                    put_osv.execute(args).map_err(&e)?
                } else {
                    put_stub.execute(args).map_err(&e)?
                };
                if inserted > 0 {
                    summary.records += 1;
                    if rec.withdrawn.is_some() {
                        summary.withdrawn += 1;
                    }
                    let mut all: Vec<&String> = vec![&rec.id];
                    all.extend(rec.aliases.iter().chain(&rec.upstream));
                    all.sort();
                    all.dedup();
                    for id in all {
                        put_id.execute([id, &rec.id]).map_err(&e)?;
                    }
                }
                for aff in &rec.affected {
                    let Some(pkg) = &aff.package else { continue };
                    if pkg.name.is_empty() || pkg.ecosystem.is_empty() {
                        continue;
                    }
                    let ranges: Vec<&osv::Range> =
                        aff.ranges.iter().filter(|r| r.kind != "GIT").collect();
                    if ranges.is_empty() && aff.versions.is_empty() {
                        continue;
                    }
                    let base = pkg.ecosystem.split(':').next().unwrap_or("");
                    let name = normalize_name(base, &pkg.name);
                    if !is_osv {
                        del_secdb_aff
                            .execute([&rec.id, &pkg.ecosystem, &name])
                            .map_err(&e)?;
                    }
                    let urgency = aff
                        .ecosystem_specific
                        .as_ref()
                        .and_then(|d| d.get("urgency"))
                        .and_then(|s| s.as_str())
                        .and_then(word_severity);
                    put_aff
                        .execute(params![
                            rec.id,
                            pkg.ecosystem,
                            base,
                            name,
                            serde_json::to_string(&ranges).unwrap_or_else(|_| "[]".into()),
                            serde_json::to_string(&aff.versions).unwrap_or_else(|_| "[]".into()),
                            urgency,
                            unit.source,
                        ])
                        .map_err(&e)?;
                    summary.affected += 1;
                }
            }
        }
    }
    let now = now_rfc3339();
    tx.execute(
        "INSERT OR REPLACE INTO meta VALUES('last_import', ?1)",
        [&now],
    )
    .map_err(&e)?;
    let mut imports: Vec<ImportRecord> = tx
        .query_row("SELECT value FROM meta WHERE key='imports'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .map_err(&e)?
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    imports.push(ImportRecord {
        at: now,
        inputs: inputs.to_vec(),
        files: summary.files,
        records: summary.records,
        replaced: summary.replaced,
        affected: summary.affected,
    });
    tx.execute(
        "INSERT OR REPLACE INTO meta VALUES('imports', ?1)",
        [serde_json::to_string(&imports).unwrap_or_else(|_| "[]".into())],
    )
    .map_err(&e)?;
    tx.commit().map_err(&e)?;
    Ok(())
}

pub use pare_findings::time::{now_rfc3339, rfc3339_to_unix};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let now = now_rfc3339();
        let secs = rfc3339_to_unix(&now).unwrap();
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((sys - secs).abs() < 5, "{now} -> {secs} vs {sys}");
        assert_eq!(rfc3339_to_unix("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_to_unix("2000-03-01T00:00:01Z"), Some(951_868_801));
        assert_eq!(rfc3339_to_unix("garbage"), None);
    }

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("PyPI", "Django"), "django");
        assert_eq!(
            normalize_name("PyPI", "zope.interface__x"),
            "zope-interface-x"
        );
        assert_eq!(normalize_name("crates.io", "Foo_Bar"), "foo-bar");
        assert_eq!(normalize_name("Debian", "libc6"), "libc6");
    }
}
