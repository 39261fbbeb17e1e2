//! `pare verify`'s user resolution (`/etc/passwd`, `/etc/group`, the
//! config's `User`) and the NSS services of an `nsswitch.conf`: any bytes,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{0}');
    let passwd = parts.next();
    let group = parts.next();
    let user = parts.next();
    let u = pare_verify::user::resolve_in(passwd, group, user);
    assert!(u.errors.len() <= 2);
    let _ = pare_reach::runtime::nss_services(&text);
});
