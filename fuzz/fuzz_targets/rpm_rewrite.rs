#![no_main]
//! The rewrite of an `rpmdb.sqlite` in a slimmed image
//! (`pare_slim::pkgdb::rpm`): never panics on any bytes, and what it
//! writes reads back as an rpm database holding no removed package.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let remove = |h: &pare_catalog::rpm_header::RpmHeader| h.name.len() % 2 == 0;
    if let Ok(Some(out)) = pare_slim::pkgdb::rpm::rewrite(data, &remove) {
        let entries = pare_catalog::rpm::read_sqlite(&out).expect("the rewrite reads back");
        for (_, h) in entries {
            if let Ok(h) = h {
                assert!(h.name == "gpg-pubkey" || !remove(&h), "{} stayed", h.name);
            }
        }
    }
});
