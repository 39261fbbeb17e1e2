//! Package URLs, encoded per the PURL specification
//! (<https://github.com/package-url/purl-spec>).
//!
//! Each namespace segment, the name, the version and each qualifier value is
//! percent-encoded except for the unreserved characters `A-Z a-z 0-9 . - _ ~`
//! (and `:` in versions, which the spec leaves unencoded, as in Debian
//! epochs `1:2.3`). Qualifiers are sorted by key and empty values dropped.

use std::fmt::Write as _;

fn encode(out: &mut String, s: &str, extra: &[u8]) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') || extra.contains(&b)
        {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Build `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS`. `namespace` may hold
/// several `/`-separated segments (Go module paths); empty segments are
/// dropped.
#[must_use]
pub fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, Option<&str>)],
) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("pkg:");
    out.push_str(ty);
    out.push('/');
    if let Some(ns) = namespace {
        for seg in ns.split('/').filter(|s| !s.is_empty()) {
            encode(&mut out, seg, &[]);
            out.push('/');
        }
    }
    encode(&mut out, name, &[]);
    if !version.is_empty() {
        out.push('@');
        encode(&mut out, version, b":");
    }
    let mut q: Vec<(&str, &str)> = qualifiers
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    q.sort_unstable();
    for (i, (k, v)) in q.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        encode(&mut out, v, b":/");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::purl;

    #[test]
    fn deb_with_qualifiers() {
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "libssl3",
                "3.0.15-1~deb12u1",
                &[("distro", Some("debian-12")), ("arch", Some("amd64"))]
            ),
            "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn encodes_reserved() {
        assert_eq!(
            purl("npm", Some("@types"), "node", "1.0.0+x", &[]),
            "pkg:npm/%40types/node@1.0.0%2Bx"
        );
        assert_eq!(
            purl(
                "golang",
                Some("github.com/a/b"),
                "c",
                "v1.0.0",
                &[("x", None)]
            ),
            "pkg:golang/github.com/a/b/c@v1.0.0"
        );
        assert_eq!(
            purl("deb", Some("debian"), "a", "1:2.0", &[]),
            "pkg:deb/debian/a@1:2.0"
        );
    }
}
