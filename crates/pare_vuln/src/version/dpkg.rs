//! Debian package versions (`[epoch:]upstream[-revision]`), ordered as
//! `dpkg --compare-versions` orders them.
//!
//! Written here rather than taken from a crate: the ordering must match
//! libdpkg byte for byte (including which strings are hard errors), and the
//! algorithm is short. Reference: deb-version(7) and libdpkg's
//! `parseversion`/`dpkg_version_compare`.
//!
//! Validity follows libdpkg: the *errors* of `parseversion` (empty, embedded
//! spaces, bad epoch, nothing after the colon, empty revision or upstream)
//! are errors here; its *warnings* (upstream not starting with a digit, odd
//! characters) are accepted, as `dpkg --compare-versions` accepts them.

use super::VersionError;
use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Epoch (0 when absent).
    pub epoch: u32,
    /// Upstream version.
    pub upstream: String,
    /// Debian revision (empty when absent).
    pub revision: String,
}

fn err(version: &str, reason: &'static str) -> VersionError {
    VersionError::new("dpkg", version, reason)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Version {
    /// Parses a version the way libdpkg's `parseversion` does.
    ///
    /// # Errors
    /// The cases libdpkg reports as errors (not its warnings).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let bytes = input.as_bytes();
        let mut start = 0;
        while start < bytes.len() && is_blank(bytes[start]) {
            start += 1;
        }
        if start == bytes.len() {
            return Err(err(input, "version string is empty"));
        }
        let mut end = start;
        while end < bytes.len() && !is_blank(bytes[end]) {
            end += 1;
        }
        if bytes[end..].iter().any(|&b| !is_blank(b)) {
            return Err(err(input, "version string has embedded spaces"));
        }
        let s = &input[start..end];
        let (epoch, rest) = match s.find(':') {
            Some(colon) => {
                let epoch = parse_epoch(&s[..colon]).map_err(|reason| err(input, reason))?;
                let rest = &s[colon + 1..];
                if rest.is_empty() {
                    return Err(err(input, "nothing after colon in version number"));
                }
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(h) => {
                if h + 1 == rest.len() {
                    return Err(err(input, "revision number is empty"));
                }
                (&rest[..h], &rest[h + 1..])
            }
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err(input, "upstream version is empty"));
        }
        Ok(Version {
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }
}

/// `strtol(.., 10)` as libdpkg uses it: leading C whitespace and a sign are
/// accepted, then digits, and the digits must run up to the colon.
fn parse_epoch(s: &str) -> Result<u32, &'static str> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if digits_start == i {
        return Err("epoch in version is empty");
    }
    if i != b.len() {
        return Err("epoch in version is not number");
    }
    let digits = s[digits_start..].trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let too_big = digits.len() > 10 || digits.parse::<u64>().unwrap_or(u64::MAX) > i32::MAX as u64;
    if negative {
        // strtol overflows to LONG_MIN for huge negatives: still negative.
        return Err("epoch in version is negative");
    }
    if too_big {
        return Err("epoch in version is too big");
    }
    Ok(digits.parse::<u32>().unwrap_or(0))
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Weight of a non-digit character: `~` sorts before everything, even the
/// end of the string; letters before other characters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let at = |k: usize| a.get(k).copied();
    let bt = |k: usize| b.get(k).copied();
    while i < a.len() || j < b.len() {
        while at(i).is_some_and(|c| !c.is_ascii_digit())
            || bt(j).is_some_and(|c| !c.is_ascii_digit())
        {
            let (ac, bc) = (order(at(i)), order(bt(j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(i) == Some(b'0') {
            i += 1;
        }
        while bt(j) == Some(b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while let (Some(x), Some(y)) = (at(i), bt(j)) {
            if !(x.is_ascii_digit() && y.is_ascii_digit()) {
                break;
            }
            if first_diff == Ordering::Equal {
                first_diff = x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        if at(i).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Greater;
        }
        if bt(j).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Compares two version strings. A string libdpkg rejects sorts before
/// every valid one; two rejected strings compare as raw bytes.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    super::compare_or_fallback(a, b, Version::parse, |x, y| x.cmp(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn table() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0-0", Equal),
            ("0:1.0", "1.0", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0", "1.0+b1", Less),
            ("1.0a", "1.0+", Less),
            ("1:0.1", "2.0", Greater),
            ("2.36-9+deb12u3", "2.36-9+deb12u4", Less),
            ("3.0.15-1~deb12u1", "3.0.15-1", Less),
            ("1:1.2.13.dfsg-1", "1:1.2.13-1", Greater),
            ("4.3-9.1", "5.2.15-2+b2", Less),
            ("1.01", "1.1", Equal),
            ("10", "9", Greater),
            ("1.0-1-1", "1.0-1", Greater),
            ("a", "1", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "  ",
            "1 2",
            ":1",
            "a:1",
            "1:",
            "1.0-",
            "-1",
            "-1:2",
            "99999999999:1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be an error");
        }
        for ok in [" 1.0 ", "+1:2", "a1", "1.0_x"] {
            assert!(Version::parse(ok).is_ok(), "{ok:?} should parse");
        }
    }
}
