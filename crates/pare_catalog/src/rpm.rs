//! `rpm-db`: RPM packages (Fedora, RHEL and its rebuilds, SUSE, Amazon
//! Linux) from rpm's installed-package database.
//!
//! ## What it does
//! Reads the database in either of its common formats, with no C library:
//! - `rpmdb.sqlite` (rpm ≥ 4.16: Fedora 33+, RHEL 9): the `Packages` table
//!   (`hnum`, `blob`), opened from the captured bytes in memory;
//! - `Packages`, a Berkeley DB hash file (RHEL ≤ 8, CentOS, Amazon Linux
//!   2, older SUSE), through pare's own reader ([`super::rpm_bdb`]);
//! - `Packages.db`, the NDB format (SUSE and openSUSE since 2021), through
//!   pare's own reader ([`super::rpm_ndb`]).
//!
//! Each value is an rpm header blob ([`super::rpm_header`]), which gives the
//! name, `[epoch:]version-release`, architecture, license, vendor, source
//! rpm and the owned files (`BASENAMES`/`DIRNAMES`/`DIRINDEXES`, or the
//! legacy `OLDFILENAMES`; directories dropped). The `gpg-pubkey` entries are
//! imported signing keys, not packages, and are skipped (as syft does).
//! Looked for under `/var/lib/rpm`, `/usr/lib/sysimage/rpm` and
//! `/usr/share/rpm`.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Red Hat's advisories name source rpms and
//! compare `epoch:version-release`, so the epoch and source package are
//! kept.
//!
//! ## Example
//! An installed `pare-libfoo` with `Epoch: 2` built from
//! `pare-libfoo-1.4.0-7.pare1.src.rpm` becomes version `2:1.4.0-7.pare1`
//! and `pkg:rpm/pare-rpm/pare-libfoo@1.4.0-7.pare1?arch=noarch&distro=pare-rpm-1&epoch=2&upstream=pare-libfoo-1.4.0-7.pare1.src.rpm`
//! (the namespace is the distro's `ID`, as syft writes it).
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The database is one file, rewritten by every install. A package's layer
//! is the earliest layer among the files it owns that are still present
//! (an upgrade rewrites all of them). A package that owns no file gets the
//! layer of the packages installed by the same rpm transaction
//! (`INSTALLTID`), else the database's layer.
//!
//! ## References
//! - <https://rpm-software-management.github.io/rpm/manual/format_header.html>
//! - <https://github.com/package-url/purl-spec/blob/main/types-doc/rpm-definition.md>

use super::purl::purl;
use super::rpm_bdb::HashDb;
use super::rpm_header::{parse_header, split_source_rpm, RpmHeader};
use super::{Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};
use std::collections::HashMap;
use std::io::Read as _;

/// Cataloger name.
pub const NAME: &str = "rpm-db";
/// Output version.
pub const VERSION: u32 = 1;
/// sqlite databases.
const SQLITE: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/share/rpm/rpmdb.sqlite",
];
/// Berkeley DB databases.
const BDB: &[&str] = &[
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages",
    "usr/share/rpm/Packages",
];
/// NDB databases.
const NDB: &[&str] = &[
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/share/rpm/Packages.db",
];
/// Files read.
pub const GLOBS: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/share/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages",
    "usr/share/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/share/rpm/Packages.db",
];

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: None,
    run,
};

/// One entry of the database: its key (`hnum`) and its header, or why the
/// header could not be read.
pub type DbEntry = (u32, Result<RpmHeader, String>);

/// A database reader.
type Reader = fn(&[u8]) -> Result<Vec<DbEntry>, String>;

/// An `rpmdb.sqlite`'s bytes as an in-memory connection (read-only, or
/// writable for `pare slim`'s rewrite). `Err` when they are not an sqlite
/// database.
///
/// # Errors
/// Not an sqlite database, too large, or sqlite's refusal.
pub fn open_sqlite(bytes: &[u8], read_only: bool) -> Result<rusqlite::Connection, String> {
    if bytes.len() < 100 || !bytes.starts_with(b"SQLite format 3\0") {
        return Err("not an sqlite database".to_string());
    }
    if i32::try_from(bytes.len()).is_err() {
        return Err("database too large".to_string());
    }
    let mut conn = rusqlite::Connection::open_in_memory().map_err(|e| format!("sqlite: {e}"))?;
    // rpm keeps the database in WAL mode (header bytes 18-19 = 2), which an
    // in-memory database cannot open: read it as a rollback-journal file.
    // Pages still in a `-wal` file are not seen (nor by syft or rpm -qa
    // on a copy without it).
    let version: &[u8] = if bytes[18] == 2 && bytes[19] == 2 {
        &[1, 1]
    } else {
        &bytes[18..20]
    };
    let reader = bytes[..18].chain(version).chain(&bytes[20..]);
    conn.deserialize_read_exact(rusqlite::MAIN_DB, reader, bytes.len(), read_only)
        .map_err(|e| format!("sqlite: {e}"))?;
    Ok(conn)
}

/// Read an `rpmdb.sqlite` from its bytes, in memory. `Err` when the file is
/// not a readable rpm sqlite database; a bad row comes back as `Err` in
/// place.
///
/// # Errors
/// As [`open_sqlite`], or no readable `Packages` table.
pub fn read_sqlite(bytes: &[u8]) -> Result<Vec<DbEntry>, String> {
    sqlite_entries(&open_sqlite(bytes, true)?)
}

/// The entries of an open `rpmdb.sqlite` ([`open_sqlite`]), by `hnum`.
///
/// # Errors
/// No readable `Packages` table.
pub fn sqlite_entries(conn: &rusqlite::Connection) -> Result<Vec<DbEntry>, String> {
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("sqlite: {e}"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1))))
        .map_err(|e| format!("sqlite: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let (hnum, blob) = row.map_err(|e| format!("sqlite: {e}"))?;
        let hnum = u32::try_from(hnum).unwrap_or(u32::MAX);
        let header = blob
            .map_err(|e| format!("sqlite: {e}"))
            .and_then(|b| parse_header(&b));
        out.push((hnum, header));
    }
    Ok(out)
}

/// Read a Berkeley DB `Packages` file. `Err` when it is not a hash
/// database; a bad record or header comes back as `Err` in place (key 0,
/// rpm's next-instance counter, is skipped).
pub fn read_bdb(bytes: &[u8]) -> Result<Vec<DbEntry>, String> {
    let db = HashDb::open(bytes)?;
    let mut out = Vec::new();
    for rec in db.records() {
        match rec {
            Ok((k, v)) => {
                let Some(hnum) = db.u32_of(&k) else {
                    out.push((0, Err(format!("record with a {}-byte key", k.len()))));
                    continue;
                };
                if hnum == 0 {
                    continue;
                }
                out.push((hnum, parse_header(&v)));
            }
            Err(e) => out.push((0, Err(e))),
        }
    }
    out.sort_by_key(|(h, _)| *h);
    Ok(out)
}

/// Read an NDB `Packages.db`. `Err` when it is not one; a bad slot, blob or
/// header comes back as `Err` in place.
pub fn read_ndb(bytes: &[u8]) -> Result<Vec<DbEntry>, String> {
    Ok(super::rpm_ndb::read(bytes)?
        .into_iter()
        .map(|(idx, blob)| (idx, blob.and_then(parse_header)))
        .collect())
}

fn package(cx: &Ctx<'_>, h: RpmHeader, db: &str, layer: usize) -> Package {
    let distro = cx.distro_qualifier();
    let ns = cx.distro.map(|d| d.id.as_str());
    let epoch = h.epoch.map(|e| e.to_string());
    let source = h.source_rpm.as_deref().and_then(split_source_rpm);
    Package {
        purl: purl(
            "rpm",
            ns,
            &h.name,
            &format!("{}-{}", h.version, h.release),
            &[
                ("arch", h.arch.as_deref()),
                ("epoch", epoch.as_deref()),
                ("upstream", h.source_rpm.as_deref()),
                ("distro", distro.as_deref()),
            ],
        ),
        version: h.evr(),
        source_name: source.map(|(n, _)| n.to_string()),
        source_version: source.map(|(_, v)| match h.epoch {
            Some(e) => format!("{e}:{v}"),
            None => v.to_string(),
        }),
        arch: h.arch,
        licenses: h
            .license
            .as_deref()
            .and_then(super::license::normalize)
            .into_iter()
            .collect(),
        layer: cx.layer_ref(layer),
        locations: vec![db.to_string()],
        files: h.files,
        dev: false,
        cataloger: NAME,
        ecosystem: Ecosystem::Rpm,
        name: h.name,
    }
}

/// Turn one database's entries into packages, with layer attribution.
fn emit(cx: &Ctx<'_>, sink: &mut Sink, db: &str, db_layer: usize, entries: Vec<DbEntry>) {
    let mut ok = Vec::new();
    for (hnum, h) in entries {
        match h {
            Ok(h) if h.name == "gpg-pubkey" => {}
            Ok(h) => {
                let layer = h
                    .files
                    .iter()
                    .filter_map(|f| cx.idx.get(f).map(|e| e.layer))
                    .min();
                ok.push((h, layer));
            }
            Err(e) if hnum == 0 => sink.warn(NAME, db, e),
            Err(e) => sink.warn(NAME, db, format!("package {hnum}: {e}")),
        }
    }
    // Packages of one transaction went into one layer.
    let mut by_tid: HashMap<u32, usize> = HashMap::new();
    for (h, layer) in &ok {
        if let (Some(t), Some(l)) = (h.install_tid, layer) {
            let e = by_tid.entry(t).or_insert(*l);
            *e = (*e).min(*l);
        }
    }
    for (h, layer) in ok {
        let layer = layer
            .or_else(|| h.install_tid.and_then(|t| by_tid.get(&t).copied()))
            .unwrap_or(db_layer);
        sink.packages.push(package(cx, h, db, layer));
    }
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    let readers: [(&[&str], Reader); 3] = [(SQLITE, read_sqlite), (BDB, read_bdb), (NDB, read_ndb)];
    for (paths, read) in readers {
        for rel in paths {
            let path = format!("/{rel}");
            let (Some(bytes), Some(entry)) = (cx.idx.contents(&path), cx.idx.get(&path)) else {
                continue;
            };
            match read(bytes) {
                Ok(entries) => emit(cx, sink, &path, entry.layer, entries),
                Err(e) => sink.warn(NAME, &path, e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fixture, run};

    #[test]
    fn sqlite_database() {
        let r = run("rpm/sqlite", NAME);
        assert!(r.warnings.is_empty(), "{r:?}");
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn berkeley_db_database() {
        let r = run("rpm/bdb", NAME);
        assert!(r.warnings.is_empty(), "{r:?}");
        insta::assert_json_snapshot!(r);
    }

    /// Both formats, written by the real tools from the same packages, read
    /// the same.
    #[test]
    fn sqlite_and_bdb_agree() {
        let strip = |mut r: crate::SbomResult| {
            for p in &mut r.packages {
                p.locations.clear();
                p.layer = None;
            }
            r.packages
        };
        assert_eq!(strip(run("rpm/sqlite", NAME)), strip(run("rpm/bdb", NAME)));
    }

    /// `rpm/ndb`: the same packages installed by rpm 4.18.0 with the NDB
    /// backend (see the fixtures' README), in SUSE's place
    /// (`/usr/lib/sysimage/rpm/Packages.db`): the same packages as from
    /// sqlite, the key skipped, no warning.
    #[test]
    fn ndb_database() {
        let r = run("rpm/ndb", NAME);
        assert!(r.warnings.is_empty(), "{r:?}");
        let strip = |mut r: crate::SbomResult| {
            for p in &mut r.packages {
                p.locations.clear();
                p.layer = None;
            }
            r.packages
        };
        let names: Vec<_> = r.packages.iter().map(|p| p.name.clone()).collect();
        assert_eq!(
            names,
            ["pare-hello", "pare-libfoo", "pare-meta", "pare-release"]
        );
        assert_eq!(
            r.packages[0].locations,
            ["/usr/lib/sysimage/rpm/Packages.db"]
        );
        assert_eq!(strip(r), strip(run("rpm/sqlite", NAME)));
    }

    /// A damaged blob costs its package only; a damaged slot page stops
    /// the walk with an error naming the offset.
    #[test]
    fn corrupt_ndb_warns_and_keeps_the_rest() {
        let good = fixture_bytes("rpm/ndb/usr/lib/sysimage/rpm/Packages.db");
        let n = read_ndb(&good).unwrap().len();
        assert_eq!(n, 5, "four packages and the key");
        // The second slot's blob: break its magic.
        let off = u32::from_le_bytes(good[40..44].try_into().unwrap()) as usize * 16;
        let mut bad = good.clone();
        bad[off] = b'X';
        let e = read_ndb(&bad).unwrap();
        let errs: Vec<_> = e.iter().filter_map(|(_, h)| h.as_ref().err()).collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("bad blob magic"), "{errs:?}");
        let mut bad = good.clone();
        bad[48] = b'X'; // the third slot's magic
        let e = read_ndb(&bad).unwrap();
        assert!(e
            .iter()
            .any(|(_, h)| h.as_ref().is_err_and(|m| m.contains("bad slot magic"))));
        assert!(read_ndb(&good[..4000]).is_err());
    }

    fn fixture_bytes(rel: &str) -> Vec<u8> {
        let p = fixture(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("missing fixture {}: {e}", p.display()))
    }

    #[test]
    fn corrupt_bdb_pages_warn_and_keep_the_rest() {
        let good = fixture_bytes("rpm/bdb/var/lib/rpm/Packages");
        let n = read_bdb(&good).unwrap().len();
        assert!(n >= 4, "{n}");
        // Break the first overflow page's type: one package is lost, with
        // an error naming the page; the others survive.
        let ps = 4096;
        let pages = good.len() / ps;
        let first_overflow = (1..pages).find(|p| good[p * ps + 25] == 7).unwrap();
        let mut bad = good.clone();
        bad[first_overflow * ps + 25] = 0;
        let r = read_bdb(&bad).unwrap();
        let errs: Vec<_> = r.iter().filter_map(|(_, h)| h.as_ref().err()).collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains(&format!("page {first_overflow}")),
            "{errs:?}"
        );
        assert_eq!(r.iter().filter(|(_, h)| h.is_ok()).count(), n - 1);
        // A bucket chain that loops back (page 1 → page 1, and bucket 1's
        // page chaining into bucket 0's): each page is read once, and the
        // loop is an error, not a hang.
        for (page, next) in [(1usize, 1u32), (2, 1)] {
            let mut bad = good.clone();
            bad[page * ps + 16..page * ps + 20].copy_from_slice(&next.to_le_bytes());
            let r = read_bdb(&bad).unwrap();
            assert!(
                r.iter().any(|(_, h)| h
                    .as_ref()
                    .is_err_and(|e| e.contains("page 1 is reached twice"))),
                "{page}->{next}"
            );
            assert_eq!(r.iter().filter(|(_, h)| h.is_ok()).count(), n);
        }
        // Truncated file, bad magic: an error for the file, never a panic.
        for len in [0, 100, 600, ps, 2 * ps + 17, good.len() - 1] {
            let _ = read_bdb(&good[..len]);
        }
        let mut bad = good.clone();
        bad[12] ^= 0xff;
        assert!(read_bdb(&bad).unwrap_err().contains("magic"));
        // Every byte flipped in turn: errors or packages, never a panic.
        for i in (0..good.len()).step_by(7) {
            let mut b = good.clone();
            b[i] = b[i].wrapping_add(0x5b);
            let _ = read_bdb(&b);
        }
    }

    #[test]
    fn corrupt_sqlite_warns() {
        let good = fixture_bytes("rpm/sqlite/var/lib/rpm/rpmdb.sqlite");
        assert!(read_sqlite(&good).unwrap().len() >= 4);
        assert!(read_sqlite(&good[..good.len() / 2]).is_err());
        assert!(read_sqlite(b"SQLite format 3\0").is_err());
        assert!(read_sqlite(&[0; 4096]).is_err());
    }

    /// A truncated header blob in the sqlite database (hnum 2) and a
    /// truncated Berkeley DB file: one warning each, naming the file; the
    /// other packages are still produced.
    #[test]
    fn malformed_database_is_a_warning_naming_the_file() {
        let r = run("rpm/malformed", NAME);
        assert_eq!(r.warnings.len(), 2, "{r:?}");
        assert!(r
            .warnings
            .iter()
            .any(|w| w.path == "/var/lib/rpm/rpmdb.sqlite"
                && w.message.starts_with("package 2: header truncated")));
        assert!(r
            .warnings
            .iter()
            .any(|w| w.path == "/usr/lib/sysimage/rpm/Packages"));
        assert_eq!(r.packages.len(), 3, "{r:?}");
        insta::assert_json_snapshot!(r);
    }
}
