//! Fuzz the registry's text parsers: image references
//! (`host/repo:tag@sha256:…`) and `WWW-Authenticate` challenges. Whatever
//! parses must print back to a reference that parses to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pare_source::registry::{auth::parse_challenge, Reference};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = Reference::parse(text) {
        let again = Reference::parse(&r.to_string()).expect("a printed reference parses");
        assert_eq!(again, r);
    }
    let _ = parse_challenge(text);
});
