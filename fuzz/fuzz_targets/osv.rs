//! OSV (JSON and YAML) and Alpine secdb parsing on arbitrary input: no
//! panics, and parsed records convert without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_vuln::{osv, secdb::SecDb};

fuzz_target!(|data: &[u8]| {
    let _ = osv::many_from_json(data);
    if let Ok(db) = serde_json::from_slice::<SecDb>(data) {
        let _ = db.into_records();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = osv::from_yaml(text);
    }
});
