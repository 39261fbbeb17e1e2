//! The package database of a slimmed image lists exactly the packages
//! whose files remain, so that the image stays scannable (distroless's
//! `status.d` does the same; slimtoolkit drops the database, and scanners
//! then see no OS packages at all).
//!
//! A package *remains* when one of its files (not a directory) is kept:
//! for dpkg, a file of its `info/<pkg>.list` (or `*.md5sums`); for other
//! ecosystems, one of its files or its metadata location (a Go binary, an
//! npm `package.json`, a Python `METADATA`).
//!
//! dpkg: `status` keeps only the remaining packages' paragraphs; their
//! `info/<pkg>.list` and `info/<pkg>.md5sums` list only the paths kept;
//! every other file under `/var/lib/dpkg` (maintainer scripts,
//! `available`, alternatives) goes. A `status.d/<pkg>` record (and its
//! `.md5sums`) is kept or removed with its package. Python and npm
//! metadata live inside the kept or removed distribution.
//!
//! apk: `installed` keeps the remaining packages' records, each listing
//! only the files kept ([`apk`]); the rest of `/lib/apk/db` goes.
//!
//! rpm: an `rpmdb.sqlite` keeps the remaining packages' rows ([`rpm`]).
//! A Berkeley DB or ndb database is not rewritten: when a package of it
//! remains, it is kept as it was, with a note: scanners then still list
//! the removed packages (noise), but never miss a kept one, as they would
//! if it went with the package manager.

pub mod apk;
pub mod rpm;

use crate::keep::Canon;
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{FsIndex, Kind};
use std::collections::{BTreeSet, HashSet};

/// What the rewrite decided.
#[derive(Debug, Default)]
pub(crate) struct Rewrite {
    pub replaced: Vec<(String, Vec<u8>)>,
    pub kept: Vec<usize>,
    pub removed: Vec<usize>,
    pub notes: Vec<String>,
}

const DPKG: &str = "/var/lib/dpkg";

/// Whether package `p` has a file (not a directory) in `keep`.
fn remains(canon: &Canon<'_>, keep: &BTreeSet<String>, p: &Package) -> bool {
    let idx = canon.idx;
    // A symlink to a directory (`/lib` on merged-`/usr` systems, listed
    // by every package that ships a file under it) is not a file.
    let kept_file = |f: &String| {
        let c = canon.path(f);
        (keep.contains(&c) || keep.contains(f))
            && idx
                .resolve_entry(&c)
                .is_ok_and(|(_, e)| e.kind != Kind::Dir)
    };
    if p.files.iter().any(kept_file) {
        return true;
    }
    // A dpkg or apk record's location is the database itself, which the
    // rewrite keeps: only files count.
    !matches!(
        p.ecosystem,
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm
    ) && p.locations.iter().any(kept_file)
}

/// `(package, conffile)` from dpkg's records: configuration files are in
/// no `*.md5sums` (distroless's `status.d` has no `*.list`), only in the
/// record's `Conffiles:` field (`/etc/services` of `netbase`).
fn conffiles(idx: &FsIndex) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let files = idx
        .captured()
        .into_iter()
        .filter(|(p, _)| *p == "/var/lib/dpkg/status" || p.starts_with("/var/lib/dpkg/status.d/"));
    for (_, b) in files {
        let text = String::from_utf8_lossy(b);
        for para in text.split("\n\n") {
            let Some(name) = para
                .lines()
                .find_map(|l| l.strip_prefix("Package:"))
                .map(str::trim)
            else {
                continue;
            };
            let mut in_conf = false;
            for l in para.lines() {
                if l.starts_with("Conffiles:") {
                    in_conf = true;
                } else if in_conf && l.starts_with(' ') {
                    if let Some(f) = l.split_whitespace().next().filter(|f| f.starts_with('/')) {
                        out.push((name.to_string(), f.to_string()));
                    }
                } else {
                    in_conf = false;
                }
            }
        }
    }
    out
}

/// Decide which packages remain and rewrite the dpkg database in `keep`.
pub(crate) fn rewrite(
    canon: &Canon<'_>,
    packages: &[Package],
    keep: &mut BTreeSet<String>,
) -> Rewrite {
    let idx = canon.idx;
    let mut out = Rewrite::default();
    let conf = conffiles(idx);
    for (i, p) in packages.iter().enumerate() {
        let conffile_kept = p.ecosystem == Ecosystem::Deb
            && conf
                .iter()
                .filter(|(n, _)| *n == p.name)
                .any(|(_, f)| keep.contains(f) || keep.contains(&canon.path(f)));
        if conffile_kept || remains(canon, keep, p) {
            out.kept.push(i);
        } else {
            out.removed.push(i);
        }
    }
    let kept_debs: HashSet<&str> = out
        .kept
        .iter()
        .map(|i| &packages[*i])
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .map(|p| p.name.as_str())
        .collect();
    apk_db(canon, packages, &out.kept, keep, &mut out.replaced);
    let (replaced, notes) = rpm_db(canon, packages, &out, keep);
    out.replaced.extend(replaced);
    out.notes.extend(notes);
    if idx.get(DPKG).is_none() {
        return out;
    }
    // Which dpkg database files stay, by name.
    let stays = |path: &str| -> bool {
        let Some(rest) = path.strip_prefix("/var/lib/dpkg/") else {
            return true;
        };
        if rest == "status" || rest == "info" || rest == "status.d" {
            return true;
        }
        let pkg_of = |f: &str, exts: &[&str]| -> Option<String> {
            exts.iter()
                .find_map(|e| f.strip_suffix(e))
                .map(|s| s.split(':').next().unwrap_or(s).to_string())
        };
        if let Some(f) = rest.strip_prefix("info/") {
            return pkg_of(f, &[".list", ".md5sums"])
                .is_some_and(|p| kept_debs.contains(p.as_str()));
        }
        if let Some(f) = rest.strip_prefix("status.d/") {
            let name = pkg_of(f, &[".md5sums"]).unwrap_or_else(|| f.to_string());
            return kept_debs.contains(name.as_str());
        }
        false
    };
    let added: Vec<String> = idx
        .under(DPKG)
        .filter(|(p, e)| e.kind != Kind::Dir && stays(p))
        .map(|(p, _)| p.to_string())
        .collect();
    keep.extend(added);
    let dropped: Vec<String> = keep
        .iter()
        .filter(|p| p.starts_with("/var/lib/dpkg/") && !stays(p))
        .cloned()
        .collect();
    for d in dropped {
        keep.remove(&d);
    }
    // `status`: the remaining packages' paragraphs.
    let status = format!("{DPKG}/status");
    if let (Some(true), Some(b)) = (idx.get(&status).map(|e| e.is_file()), idx.contents(&status)) {
        let text = String::from_utf8_lossy(b);
        let mut kept = String::new();
        for para in text.split("\n\n") {
            let name = para
                .lines()
                .find_map(|l| l.strip_prefix("Package:"))
                .map(str::trim);
            if name.is_some_and(|n| kept_debs.contains(n)) {
                kept.push_str(para.trim_matches('\n'));
                kept.push_str("\n\n");
            }
        }
        keep.insert(status.clone());
        out.replaced.push((status, kept.into_bytes()));
    } else if idx.get(&status).is_some() {
        out.notes
            .push(format!("`{status}` was not read: it is kept as it was"));
    }
    // info lists and md5sums: only the paths kept.
    let info: Vec<String> = keep
        .iter()
        .filter(|p| {
            p.starts_with("/var/lib/dpkg/info/")
                && (p.ends_with(".list") || p.ends_with(".md5sums"))
        })
        .cloned()
        .collect();
    for f in info {
        let Some(b) = idx.contents(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(b);
        let md5 = f.ends_with(".md5sums");
        let mut new = String::new();
        for line in text.lines() {
            let path = if md5 {
                line.split_once("  ")
                    .map(|(_, p)| format!("/{}", p.trim_start_matches('/')))
            } else {
                Some(line.to_string())
            };
            let Some(path) = path else {
                continue;
            };
            if path == "/." || keep.contains(&path) || keep.contains(&canon.path(&path)) {
                new.push_str(line);
                new.push('\n');
            }
        }
        out.replaced.push((f, new.into_bytes()));
    }
    out
}

/// apk's database: `installed` rewritten to the kept packages and files
/// (kept and put in `replaced`), the rest of `/lib/apk/db` dropped.
fn apk_db(
    canon: &Canon<'_>,
    packages: &[Package],
    kept: &[usize],
    keep: &mut BTreeSet<String>,
    replaced: &mut Vec<(String, Vec<u8>)>,
) {
    let idx = canon.idx;
    let Some(b) = idx
        .get(apk::DB)
        .filter(|e| e.is_file())
        .and_then(|_| idx.contents(apk::DB))
    else {
        return;
    };
    let names: HashSet<&str> = kept
        .iter()
        .map(|i| &packages[*i])
        .filter(|p| p.ecosystem == Ecosystem::Apk)
        .map(|p| p.name.as_str())
        .collect();
    let text = String::from_utf8_lossy(b);
    let new = {
        let keep = &*keep;
        apk::rewrite(&text, &names, &|p| {
            keep.contains(p) || keep.contains(&canon.path(p))
        })
    };
    let prefix = format!("{}/", apk::DB_DIR);
    keep.retain(|p| !p.starts_with(&prefix));
    keep.insert(apk::DB.to_string());
    replaced.push((apk::DB.to_string(), new.into_bytes()));
}

/// rpm's databases that hold a remaining package: an `rpmdb.sqlite`
/// rewritten to the remaining packages ([`rpm::rewrite`]), any other kept
/// as it was with a note naming how many removed packages it still lists.
/// The replaced contents, and the notes.
fn rpm_db(
    canon: &Canon<'_>,
    packages: &[Package],
    out: &Rewrite,
    keep: &mut BTreeSet<String>,
) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let rpm = |i: &&usize| packages[**i].ecosystem == Ecosystem::Rpm;
    let id = |p: &Package| (p.name.clone(), p.version.clone(), p.arch.clone());
    let dbs: BTreeSet<&str> = out
        .kept
        .iter()
        .filter(rpm)
        .flat_map(|i| packages[*i].locations.iter().map(String::as_str))
        .filter(|l| canon.idx.get(l).is_some_and(|e| e.is_file()))
        .collect();
    let kept: HashSet<_> = out
        .kept
        .iter()
        .filter(rpm)
        .map(|i| id(&packages[*i]))
        .collect();
    let (mut replaced, mut notes) = (Vec::new(), Vec::new());
    for db in dbs {
        keep.insert(db.to_string());
        // Removed from this database, and not also a kept package's
        // identity (the same package listed twice).
        let removed: HashSet<_> = out
            .removed
            .iter()
            .filter(rpm)
            .map(|i| &packages[*i])
            .filter(|p| p.locations.iter().any(|l| l == db))
            .map(id)
            .filter(|k| !kept.contains(k))
            .collect();
        if removed.is_empty() {
            continue;
        }
        let bytes = canon.idx.contents(db);
        let sqlite = bytes.is_some_and(|b| b.starts_with(b"SQLite format 3\0"));
        // A `-wal` with frames holds pages the file does not: sqlite would
        // lay them over the rewritten file.
        let wal = format!("{db}-wal");
        let pending = canon.idx.get(&wal).is_some_and(|e| e.size > 0);
        let why = match bytes.filter(|_| sqlite && !pending) {
            Some(b) => match rpm::rewrite(b, &|h| {
                removed.contains(&(h.name.clone(), h.evr(), h.arch.clone()))
            }) {
                Ok(Some(new)) => {
                    replaced.push((db.to_string(), new));
                    // An empty `-wal` and the `-shm` index describe the old
                    // file: sqlite makes new ones.
                    keep.remove(&wal);
                    keep.remove(&format!("{db}-shm"));
                    continue;
                }
                // Listed nowhere in it: nothing to take out.
                Ok(None) => continue,
                Err(e) => e,
            },
            None if bytes.is_none() => "it was not read".to_string(),
            None if pending => format!("`{wal}` holds changes not yet in it"),
            None => "pare rewrites rpm's SQLite database, not a Berkeley DB or ndb one".to_string(),
        };
        notes.push(format!(
            "`{db}` is kept as it was ({why}): it still lists the {} rpm packages removed",
            removed.len()
        ));
    }
    (replaced, notes)
}
