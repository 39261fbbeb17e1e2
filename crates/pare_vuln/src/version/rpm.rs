//! RPM versions (`[epoch:]version[-release]`), ordered as rpm 4.18 orders
//! them (`rpmvercmp` on each part, `rpmverCmp` for the whole EVR).
//!
//! Written here rather than taken from a crate: the ordering must follow
//! librpm exactly, including `~` (sorts before the end), `^` (sorts after the
//! end but before anything else) and `rpm.ver`'s rule that a missing
//! release sorts before any release, even an empty one (`1.0 < 1.0- <
//! 1.0-1`). Only ASCII letters and digits form segments.

use super::VersionError;
use std::cmp::Ordering;

/// A parsed EVR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Epoch as written (`None` when absent, compared as `0`).
    pub epoch: Option<String>,
    /// Version.
    pub version: String,
    /// Release, if present.
    pub release: Option<String>,
}

impl Version {
    /// Splits an EVR string as librpm's `rpmverParse` does.
    ///
    /// # Errors
    /// Only the empty string is rejected (librpm: `invalid version`).
    pub fn parse(evr: &str) -> Result<Self, VersionError> {
        if evr.is_empty() {
            return Err(VersionError::new("rpm", evr, "version string is empty"));
        }
        let digits = evr.bytes().take_while(u8::is_ascii_digit).count();
        let after_epoch = &evr[digits..];
        let (epoch, rest) = if let Some(rest) = after_epoch.strip_prefix(':') {
            let e = &evr[..digits];
            (Some(if e.is_empty() { "0" } else { e }.to_owned()), rest)
        } else {
            (None, evr)
        };
        // The release separator is searched after the epoch digits only.
        let (version, release) = match after_epoch.rfind('-') {
            Some(pos) => {
                let abs = digits + pos;
                let v_start = evr.len() - rest.len();
                (
                    evr[v_start..abs].to_owned(),
                    Some(evr[abs + 1..].to_owned()),
                )
            }
            None => (rest.to_owned(), None),
        };
        Ok(Version {
            epoch,
            version,
            release,
        })
    }
}

impl Version {
    /// rpm's EVR comparison (`rpm.ver`): epoch, version, then release, a
    /// missing release sorting first.
    #[must_use]
    pub fn compare(&self, other: &Self) -> Ordering {
        let e1 = self.epoch.as_deref().unwrap_or("0");
        let e2 = other.epoch.as_deref().unwrap_or("0");
        rpmvercmp(e1, e2)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (None, None) => Ordering::Equal,
            })
    }
}

/// librpm's `rpmvercmp` on one part.
#[must_use]
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca.is_none() || cb.is_none() {
            break;
        }
        let isnum = a[i].is_ascii_digit();
        let class = |c: &u8| {
            if isnum {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let ea = i + a[i..].iter().take_while(|c| class(c)).count();
        let eb = j + b[j..].iter().take_while(|c| class(c)).count();
        if eb == j {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (&a[i..ea], &b[j..eb]);
        if isnum {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Compares two EVR strings; the empty string sorts first.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => x.compare(&y),
        (x, y) => x.is_ok().cmp(&y.is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn table() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0-1", Less),
            ("1.0-", "1.0-1", Less),
            ("1.0", "1.0-", Less),
            ("1.0-1", "1.0-2", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1:1.0", "2.0", Greater),
            ("0:2.0", "2.0", Equal),
            ("1.a", "1.1", Less),
            ("1.0010", "1.9", Greater),
            ("1.0.", "1.0", Equal),
            ("2.el9", "2.el9_1", Less),
            ("1_0", "1.0", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn parse_splits_like_librpm() {
        let v = Version::parse("1:2.0-3.el9").unwrap();
        assert_eq!(v.epoch.as_deref(), Some("1"));
        assert_eq!(v.version, "2.0");
        assert_eq!(v.release.as_deref(), Some("3.el9"));
        let v = Version::parse(":1").unwrap();
        assert_eq!(v.epoch.as_deref(), Some("0"));
        let v = Version::parse("a:1-2").unwrap();
        assert_eq!((v.epoch, v.version.as_str()), (None, "a:1"));
        assert!(Version::parse("").is_err());
    }
}
