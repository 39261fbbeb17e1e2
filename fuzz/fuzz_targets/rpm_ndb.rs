#![no_main]
//! rpm NDB `Packages.db` reader: never panics, every blob stays in bounds.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(blobs) = pare_catalog::rpm_ndb::read(data) {
        for (_, b) in blobs {
            if let Ok(b) = b {
                assert!(b.len() <= data.len());
            }
        }
    }
    let _ = pare_catalog::rpm::read_ndb(data);
});
