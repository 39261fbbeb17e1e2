//! Semantic versions as npm's `semver` package parses and orders them
//! (strict mode), used for npm and crates.io.
//!
//! Written here rather than with the `semver` crate: npm accepts a leading
//! `v` and surrounding whitespace, caps the length at 256, rejects numbers
//! above 2^53-1, and compares very large numeric pre-release identifiers as
//! JavaScript numbers (doubles). The `semver` crate (Cargo's rules) differs on
//! each of these; for versions both accept the orders agree, so crates.io
//! uses this module too.

use super::VersionError;
use std::cmp::Ordering;

const MAX_LENGTH: usize = 256;
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A pre-release identifier, typed the way npm types it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ident {
    /// All digits and below 2^53-1: a JavaScript number.
    Num(u64),
    /// Anything else, including all-digit identifiers too big to be safe.
    Text(String),
}

/// A parsed semantic version. Build metadata is kept but not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major, minor, patch.
    pub release: [u64; 3],
    /// Pre-release identifiers.
    pub pre: Vec<Ident>,
    /// Build metadata (ignored by ordering).
    pub build: Vec<String>,
}

fn err(v: &str, reason: &'static str) -> VersionError {
    VersionError::new("semver", v, reason)
}

/// JavaScript's `String.prototype.trim` white space set.
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

impl Version {
    /// Parses like `new SemVer(v)` in npm's `semver` (not loose).
    ///
    /// # Errors
    /// When npm would throw `Invalid Version` or `TypeError`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        if input.encode_utf16().count() > MAX_LENGTH {
            return Err(err(input, "longer than 256 characters"));
        }
        let s = input.trim_matches(js_space);
        let s = s.strip_prefix('v').unwrap_or(s);
        let (s, build) = match s.split_once('+') {
            Some((head, b)) => {
                let parts: Vec<&str> = b.split('.').collect();
                if parts
                    .iter()
                    .any(|p| p.is_empty() || !p.bytes().all(ident_char))
                {
                    return Err(err(input, "invalid build metadata"));
                }
                (head, parts.into_iter().map(str::to_owned).collect())
            }
            None => (s, Vec::new()),
        };
        let (main, pre) = match s.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (s, None),
        };
        let mut release = [0u64; 3];
        let mut parts = main.split('.');
        for slot in &mut release {
            let p = parts
                .next()
                .ok_or_else(|| err(input, "expected major.minor.patch"))?;
            if !numeric(p) || (p.len() > 1 && p.starts_with('0')) {
                return Err(err(input, "invalid version number"));
            }
            let n: u64 = p.parse().unwrap_or(u64::MAX);
            if n > MAX_SAFE_INTEGER {
                return Err(err(input, "version number too large"));
            }
            *slot = n;
        }
        if parts.next().is_some() {
            return Err(err(input, "expected major.minor.patch"));
        }
        let pre = match pre {
            None => Vec::new(),
            Some(p) => p
                .split('.')
                .map(|id| {
                    if id.is_empty() || !id.bytes().all(ident_char) {
                        return Err(err(input, "invalid pre-release identifier"));
                    }
                    if numeric(id) {
                        if id.len() > 1 && id.starts_with('0') {
                            return Err(err(
                                input,
                                "numeric pre-release identifier has a leading zero",
                            ));
                        }
                        if let Ok(n) = id.parse::<u64>() {
                            if n < MAX_SAFE_INTEGER {
                                return Ok(Ident::Num(n));
                            }
                        }
                    }
                    Ok(Ident::Text(id.to_owned()))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Version {
            release,
            pre,
            build,
        })
    }

    /// npm's `SemVer.compare` (build metadata ignored).
    #[must_use]
    pub fn compare(&self, other: &Self) -> Ordering {
        self.release
            .cmp(&other.release)
            .then_with(|| compare_pre(&self.pre, &other.pre))
    }
}

fn compare_pre(a: &[Ident], b: &[Ident]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        _ => {}
    }
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) if x == y => {}
            // npm returns here even when the identifiers compare equal as
            // doubles: the rest is not looked at.
            (Some(x), Some(y)) => return compare_identifiers(x, y),
        }
        i += 1;
    }
}

/// The value npm compares for an all-digit identifier: `+id`, a double.
fn as_double(i: &Ident) -> Option<f64> {
    match i {
        Ident::Num(n) => Some(*n as f64),
        Ident::Text(t) if numeric(t) => t.parse::<f64>().ok(),
        Ident::Text(_) => None,
    }
}

fn compare_identifiers(a: &Ident, b: &Ident) -> Ordering {
    match (as_double(a), as_double(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            let (Ident::Text(x), Ident::Text(y)) = (a, b) else {
                return Ordering::Equal;
            };
            x.as_bytes().cmp(y.as_bytes())
        }
    }
}

/// Compares two strings; invalid versions sort before valid ones and
/// compare to each other as raw strings.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    super::compare_or_fallback(a, b, Version::parse, Version::compare)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn table() {
        let cases = [
            ("1.0.0", "1.0.0", Equal),
            ("v1.0.0", "1.0.0", Equal),
            ("1.0.0+build", "1.0.0", Equal),
            ("1.0.0-alpha", "1.0.0", Less),
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Less),
            ("1.0.0-rc.1", "1.0.0", Less),
            ("1.0.0-0", "1.0.0-a", Less),
            ("0.0.0-0", "0.0.1", Less),
            ("2.0.0", "10.0.0", Less),
            ("1.2.3-x-y", "1.2.3-x", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validity() {
        for bad in [
            "",
            "1",
            "1.0",
            "1.0.0.0",
            "01.0.0",
            "1.0.0-01",
            "1.0.0-",
            "1.0.0+",
            "V1.0.0",
            "=1.0.0",
            "9007199254740992.0.0",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be invalid");
        }
        for ok in [
            " 1.0.0 ",
            "1.0.0-a.b-c",
            "1.0.0+001",
            "9007199254740991.0.0",
        ] {
            assert!(Version::parse(ok).is_ok(), "{ok:?} should parse");
        }
    }
}
