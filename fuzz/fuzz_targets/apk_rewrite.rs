#![no_main]
//! The rewrite of apk's `installed` database in a slimmed image
//! (`pare_slim::pkgdb::apk`): never panics, only removes lines, and what
//! it writes reads back as a database.

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let names: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("P:")).collect();
    let kept: HashSet<&str> = names.iter().step_by(2).copied().collect();
    let out = pare_slim::pkgdb::apk::rewrite(&text, &kept, &|p| p.len() % 2 == 0);
    let lines: HashSet<&str> = text.split('\n').collect();
    for l in out.split('\n').filter(|l| !l.is_empty()) {
        assert!(lines.contains(l), "a line the database did not have: {l:?}");
    }
    let _ = pare_catalog::apk::parse_installed(&out);
});
