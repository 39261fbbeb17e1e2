//! rpm's SQLite database (`rpmdb.sqlite`: rpm ≥ 4.16, Fedora 33+, RHEL 9,
//! UBI 9) rewritten to the packages that remain, so that `rpm -qa`, syft
//! and Trivy list exactly what the slimmed image holds.
//!
//! What: every row of the removed packages goes, from `Packages` (the
//! header blobs, keyed by `hnum`) and from every index table rpm keeps
//! beside it (`Name`, `Basenames`, `Providename`, `Requirename`,
//! `Sha1header`, …: each `(key, hnum, idx)`), then `VACUUM` so that the
//! freed pages (and the removed headers in them) do not stay in the file.
//! Header bytes 18-19 (WAL or rollback journal) are put back as they were.
//!
//! Why: a database listing removed packages makes every scanner report
//! their CVEs on an image that no longer has their files (noise); dropping
//! the database makes them see no OS package at all (a miss).
//!
//! Example: `rpm-app` slimmed to its program drops `pare-libfoo`, `pare-hello`
//! and `pare-meta`; `rpm --dbpath … -qa` on the result lists `pare-app`,
//! `pare-release` and the imported key, nothing else.
//!
//! Not here: a Berkeley DB `Packages` (RHEL ≤ 8) or an ndb `Packages.db`
//! (SUSE) is kept as it was, with a note (see [`super`]). A `gpg-pubkey`
//! header is a key, not a package: it stays. Matching is by name, `EVR` and
//! arch, so one of two installed versions of a package can go alone.

use pare_catalog::rpm::{open_sqlite, read_sqlite, sqlite_entries};
use pare_catalog::rpm_header::RpmHeader;

/// The rpm database tables rows are deleted from, besides `Packages`:
/// every table with an `hnum` column (rpm's index tables; a table rpm adds
/// later is found the same way).
fn index_tables(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c \
         WHERE m.type = 'table' AND c.name = 'hnum' AND m.name != 'Packages' ORDER BY m.name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// `bytes` (an `rpmdb.sqlite`) without the packages `remove` picks:
/// `Ok(None)` when it picks none (the file stays byte for byte).
///
/// # Errors
/// Not an rpm sqlite database, or sqlite's failure, as a sentence.
pub fn rewrite(
    bytes: &[u8],
    remove: &dyn Fn(&RpmHeader) -> bool,
) -> Result<Option<Vec<u8>>, String> {
    // One copy of the file in memory serves the reading and the rewrite.
    let mut conn = open_sqlite(bytes, false)?;
    let entries = sqlite_entries(&conn)?;
    let total = entries.len();
    let gone: Vec<i64> = entries
        .into_iter()
        .filter_map(|(hnum, h)| match h {
            Ok(h) if h.name != "gpg-pubkey" && remove(&h) => Some(i64::from(hnum)),
            _ => None,
        })
        .collect();
    if gone.is_empty() {
        return Ok(None);
    }
    let sql = |e: rusqlite::Error| format!("sqlite: {e}");
    // A damaged file is kept as it was: deleting rows through a broken
    // b-tree can write a database no reader opens.
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(sql)?;
    if check != "ok" {
        return Err(format!("the database is damaged: {check}"));
    }
    // rpm defines none; one in the image's file would run on the deletes
    // below (a join of every table with itself: a hang), or change rows.
    let triggers: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    if triggers > 0 {
        return Err("the database defines triggers, which rpm's does not".to_string());
    }
    let tx = conn.transaction().map_err(sql)?;
    for table in index_tables(&tx)
        .map_err(sql)?
        .iter()
        .map(String::as_str)
        .chain(["Packages"])
    {
        // Table names come from the database: quoted as identifiers.
        let mut del = tx
            .prepare(&format!(
                "DELETE FROM \"{}\" WHERE hnum = ?1",
                table.replace('"', "\"\"")
            ))
            .map_err(sql)?;
        for h in &gone {
            del.execute([h]).map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)?;
    conn.execute_batch("VACUUM").map_err(sql)?;
    let data = conn.serialize(rusqlite::MAIN_DB).map_err(sql)?;
    let mut out = data.to_vec();
    if out.len() < 100 {
        return Err("sqlite wrote no header".to_string());
    }
    out[18..20].copy_from_slice(&bytes[18..20]);
    // What is written reads back, without the packages removed.
    let left = read_sqlite(&out).map_err(|e| format!("the rewritten database: {e}"))?;
    if left.len() + gone.len() != total {
        return Err("the rewritten database lost other rows".to_string());
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog's fixture, written by the real `rpm` (in WAL mode, as
    /// rpm leaves it): pare-meta, pare-libfoo, pare-hello, pare-release
    /// and an imported key (hnum 1 to 5).
    const DB: &[u8] = include_bytes!(
        "../../../pare_catalog/resources/test/fixtures/rpm/sqlite/var/lib/rpm/rpmdb.sqlite"
    );

    fn names(bytes: &[u8]) -> Vec<String> {
        read_sqlite(bytes)
            .unwrap()
            .into_iter()
            .map(|(_, h)| h.unwrap().name)
            .collect()
    }

    fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn removed_packages_leave_every_table_and_the_file() {
        assert_eq!(&DB[18..20], &[2, 2], "WAL mode, as rpm writes it");
        let before = open_sqlite(DB, true).unwrap();
        let tables = index_tables(&before).unwrap();
        assert!(
            tables.len() > 10 && tables.iter().any(|t| t == "Basenames"),
            "{tables:?}"
        );
        let drop = |h: &RpmHeader| h.name == "pare-libfoo" || h.name == "pare-meta";
        let after = rewrite(DB, &drop).unwrap().unwrap();
        assert_eq!(names(&after), ["pare-hello", "pare-release", "gpg-pubkey"]);
        assert_eq!(&after[18..20], &[2, 2], "the journal mode is kept");
        let conn = open_sqlite(&after, true).unwrap();
        // Every index table lost the removed rows, and kept the others.
        let mut rows_left = 0;
        for t in &tables {
            let q = |w: &str| format!("SELECT count(*) FROM \"{t}\" WHERE {w}");
            assert_eq!(count(&conn, &q("hnum IN (1, 2)")), 0, "{t}");
            assert_eq!(
                count(&conn, &q("hnum NOT IN (1, 2)")),
                count(&before, &q("hnum NOT IN (1, 2)")),
                "{t}"
            );
            rows_left += count(&conn, &q("1"));
        }
        assert!(rows_left > 0);
        assert_eq!(
            conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
                .unwrap(),
            "ok"
        );
        // VACUUM: no free page still holds a removed header.
        assert!(!after.windows(11).any(|w| w == b"pare-libfoo"));
        assert!(after.len() <= DB.len());
        // The same input, the same bytes.
        assert_eq!(rewrite(DB, &drop).unwrap().unwrap(), after);
    }

    #[test]
    fn a_key_is_not_a_package_and_nothing_removed_changes_nothing() {
        let after = rewrite(DB, &|_| true).unwrap().unwrap();
        assert_eq!(names(&after), ["gpg-pubkey"]);
        assert_eq!(rewrite(DB, &|_| false).unwrap(), None);
    }

    #[test]
    fn bad_bytes_are_an_error_not_a_panic() {
        for b in [&b"junk"[..], &DB[..100]] {
            let e = rewrite(b, &|_| true).unwrap_err();
            assert!(e.contains("sqlite") || e.contains("database"), "{e}");
        }
        // Cut and scribbled over: an error, or a database sqlite reads.
        let mut cut = DB[..DB.len() / 2].to_vec();
        cut[5000..6000].fill(0xff);
        if let Ok(Some(b)) = rewrite(&cut, &|_| true) {
            assert!(read_sqlite(&b).is_ok());
        }
    }

    /// A trigger in the image's database would run on the deletes: the
    /// rewrite refuses (and the database is kept as it was, with a note).
    #[test]
    fn a_database_with_a_trigger_is_not_rewritten() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("rpmdb.sqlite");
        std::fs::write(&p, DB).unwrap();
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER slow AFTER DELETE ON Packages BEGIN SELECT count(*) FROM Basenames; END;
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
        drop(conn);
        let bytes = std::fs::read(&p).unwrap();
        let e = rewrite(&bytes, &|h| h.name == "pare-libfoo").unwrap_err();
        assert!(e.contains("triggers"), "{e}");
    }
}
