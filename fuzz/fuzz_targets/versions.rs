//! Every version parser and comparator on arbitrary input: no panics, and
//! comparison is antisymmetric.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pare_vuln::version::VersionScheme;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once('\t').unwrap_or((text, ""));
    for scheme in VersionScheme::ALL {
        let _ = scheme.validate(a);
        let ab = scheme.compare(a, b);
        let ba = scheme.compare(b, a);
        assert_eq!(ab, ba.reverse(), "{scheme}: {a:?} vs {b:?}");
    }
});
