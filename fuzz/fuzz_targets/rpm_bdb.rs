#![no_main]
//! Berkeley DB hash reader + header parser over rpm's `Packages` file:
//! never panics, never loops. Seed with
//! `crates/pare_catalog/resources/test/fixtures/rpm/bdb/var/lib/rpm/Packages`
//! and run with `-max_len=65536`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pare_catalog::rpm::read_bdb(data);
});
