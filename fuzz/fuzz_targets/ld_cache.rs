#![no_main]
//! glibc's `ld.so.cache` as `pare slim` reads and rewrites it
//! (`pare_slim::ldcache`): never panics on any bytes, and a rewrite reads
//! back as a cache listing exactly the entries kept, in order.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(libs) = pare_slim::ldcache::libs(data) else {
        return;
    };
    let keep = |l: &pare_slim::ldcache::Lib| l.name.len() % 2 == 0;
    if let Some(out) = pare_slim::ldcache::rewrite(data, &keep) {
        let back = pare_slim::ldcache::libs(&out).expect("the rewrite reads back");
        let want: Vec<_> = libs.into_iter().filter(|l| keep(l)).collect();
        assert_eq!(back, want);
    }
});
