//! Go versions: module versions (`golang.org/x/mod/semver` rules, including
//! pseudo-versions, which are ordinary pre-releases such as
//! `v0.0.0-20230101000000-abcdef123456`) and Go toolchain versions
//! (`go1.21rc1`, `go1.22.3`, ordered as `go/version.Compare` orders them).
//!
//! OSV writes Go ranges without the `v` (`introduced: "1.22.0-0"`), so a
//! missing `v` is added before parsing. The `stdlib` and `toolchain`
//! packages use semver in OSV (`1.21.0-rc.1`); a toolchain string such as
//! `go1.21rc1` is converted with [`toolchain_to_semver`] before it is
//! compared against one.
//!
//! Written here: `x/mod/semver` is Go code, and its rules are short.

use super::VersionError;
use std::cmp::Ordering;

/// A parsed Go module version (`x/mod/semver`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: String,
    minor: String,
    patch: String,
    prerelease: String,
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (v.as_bytes()[0] == b'0' && n != 1) {
        return None;
    }
    Some((&v[..n], &v[n..]))
}

fn ident_ok(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_num(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

impl Version {
    /// Parses a module version; the leading `v` is optional here.
    ///
    /// # Errors
    /// When `semver.IsValid("v" + ...)` would be false.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse_semver(input)
            .ok_or_else(|| VersionError::new("go", input, "not a Go semantic version"))
    }

    /// `semver.Compare` for two valid versions.
    #[must_use]
    pub fn compare(&self, other: &Self) -> Ordering {
        cmp_int(&self.major, &other.major)
            .then_with(|| cmp_int(&self.minor, &other.minor))
            .then_with(|| cmp_int(&self.patch, &other.patch))
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
    }

    /// Whether this is a pseudo-version (`vX.Y.Z-[0.]yyyymmddhhmmss-abcdef123456`).
    #[must_use]
    pub fn is_pseudo(&self) -> bool {
        let Some(last) = self.prerelease.rsplit(['-', '.']).next() else {
            return false;
        };
        let parts: Vec<&str> = self.prerelease.split(['-', '.']).collect();
        parts.len() >= 3
            && last.len() == 12
            && last
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && parts[parts.len() - 2].len() == 14
            && is_num(parts[parts.len() - 2])
    }
}

/// Lenient: a missing `v` is added.
fn parse_semver(input: &str) -> Option<Version> {
    if input.starts_with('v') {
        parse_semver_strict(input)
    } else {
        parse_semver_strict(&format!("v{input}"))
    }
}

/// Exactly `x/mod/semver`'s `parse`: the `v` is required.
fn parse_semver_strict(input: &str) -> Option<Version> {
    let v = input.strip_prefix('v')?;
    let (major, mut v) = parse_int(v)?;
    let (minor, patch);
    if v.is_empty() {
        return Some(Version {
            major: major.into(),
            minor: "0".into(),
            patch: "0".into(),
            prerelease: String::new(),
        });
    }
    v = v.strip_prefix('.')?;
    (minor, v) = parse_int(v)?;
    if v.is_empty() {
        return Some(Version {
            major: major.into(),
            minor: minor.into(),
            patch: "0".into(),
            prerelease: String::new(),
        });
    }
    v = v.strip_prefix('.')?;
    (patch, v) = parse_int(v)?;
    let mut prerelease = "";
    if let Some(rest) = v.strip_prefix('-') {
        let end = rest.find('+').unwrap_or(rest.len());
        let pre = &rest[..end];
        for id in pre.split('.') {
            if !ident_ok(id) || (is_num(id) && id.len() > 1 && id.starts_with('0')) {
                return None;
            }
        }
        prerelease = &v[..=end];
        v = &rest[end..];
    }
    if let Some(build) = v.strip_prefix('+') {
        if !build.split('.').all(ident_ok) {
            return None;
        }
        v = "";
    }
    if !v.is_empty() {
        return None;
    }
    Some(Version {
        major: major.into(),
        minor: minor.into(),
        patch: patch.into(),
        prerelease: prerelease.into(),
    })
}

/// Compares decimal strings without leading zeros (longer is larger).
fn cmp_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(dx), Some(dy)) if dx == dy => {}
            (Some(dx), Some(dy)) => {
                let (ix, iy) = (is_num(dx), is_num(dy));
                if ix != iy {
                    return if ix {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                }
                if ix {
                    match dx.len().cmp(&dy.len()) {
                        Ordering::Equal => {}
                        o => return o,
                    }
                }
                return dx.cmp(dy);
            }
        }
    }
}

/// Exactly `semver.Compare` from `golang.org/x/mod/semver`: the `v` is
/// required; invalid versions compare equal to each other and less than
/// every valid one.
#[must_use]
pub fn compare_strict(a: &str, b: &str) -> Ordering {
    match (parse_semver_strict(a), parse_semver_strict(b)) {
        (Some(x), Some(y)) => x.compare(&y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// Exactly `semver.IsValid`.
#[must_use]
pub fn is_valid_strict(v: &str) -> bool {
    parse_semver_strict(v).is_some()
}

/// `semver.Compare` semantics: invalid versions compare equal to each other
/// and less than every valid version. A missing `v` is tolerated, and a
/// `go1.x` toolchain string is converted to semver first.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    if a.starts_with("go") && b.starts_with("go") {
        return compare_toolchain(a, b);
    }
    let conv = |s: &str| {
        if s.starts_with("go") {
            toolchain_to_semver(s).and_then(|v| parse_semver(&v))
        } else {
            parse_semver(s)
        }
    };
    match (conv(a), conv(b)) {
        (Some(x), Some(y)) => x.compare(&y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
    }
}

/// The semver [`compare`] orders by: `go1.x` toolchain strings converted,
/// a missing `v` tolerated; `None` when invalid.
#[must_use]
pub fn parse_lenient(s: &str) -> Option<Version> {
    if s.starts_with("go") {
        toolchain_to_semver(s).and_then(|v| parse_semver(&v))
    } else {
        parse_semver(s)
    }
}

/// A Go toolchain version (`go/version` / `internal/gover`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Gover<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    kind: &'a str,
    pre: &'a str,
}

fn parse_gover(x: &str) -> Gover<'_> {
    let bad = Gover::default();
    let Some((major, x)) = parse_int(x) else {
        return bad;
    };
    let mut v = Gover {
        major,
        ..Gover::default()
    };
    if x.is_empty() {
        v.minor = "0";
        v.patch = "0";
        return v;
    }
    let Some(x) = x.strip_prefix('.') else {
        return bad;
    };
    let Some((minor, x)) = parse_int(x) else {
        return bad;
    };
    v.minor = minor;
    if x.is_empty() {
        // Before Go 1.21 a missing patch meant `.0`; since then `go1.21`
        // is the language version, older than `go1.21rc1`.
        if cmp_int(minor, "21") == Ordering::Less {
            v.patch = "0";
        }
        return v;
    }
    if let Some(x) = x.strip_prefix('.') {
        return match parse_int(x) {
            Some((patch, "")) => {
                v.patch = patch;
                v
            }
            _ => bad,
        };
    }
    let k = x.bytes().take_while(|b| !b.is_ascii_digit()).count();
    if k == 0 || !x[..k].bytes().all(|b| b.is_ascii_lowercase()) {
        return bad;
    }
    v.kind = &x[..k];
    let x = &x[k..];
    if x.is_empty() {
        return v;
    }
    match parse_int(x) {
        Some((pre, "")) => {
            v.pre = pre;
            v
        }
        _ => bad,
    }
}

fn strip_go(v: &str) -> &str {
    let v = v.split('-').next().unwrap_or("");
    v.strip_prefix("go").filter(|_| v.len() >= 2).unwrap_or("")
}

/// `go/version.Compare` on `goX.Y[.Z|rcN|betaN]` strings: `go1.21 <
/// go1.21rc1 < go1.21.0 < go1.21.1`. Invalid strings compare equal to each
/// other and less than valid ones.
#[must_use]
pub fn compare_toolchain(a: &str, b: &str) -> Ordering {
    let (x, y) = (parse_gover(strip_go(a)), parse_gover(strip_go(b)));
    cmp_int(x.major, y.major)
        .then_with(|| cmp_int(x.minor, y.minor))
        .then_with(|| cmp_int(x.patch, y.patch))
        .then_with(|| x.kind.cmp(y.kind))
        .then_with(|| cmp_int(x.pre, y.pre))
}

/// Converts a toolchain tag to the semver OSV uses for `stdlib`:
/// `go1.21rc1` → `v1.21.0-rc.1`, `go1.22.3` → `v1.22.3`, `go1.20` →
/// `v1.20.0`. `None` when the tag is not a Go release.
#[must_use]
pub fn toolchain_to_semver(tag: &str) -> Option<String> {
    let g = parse_gover(strip_go(tag));
    if g.major.is_empty() {
        return None;
    }
    let patch = if g.patch.is_empty() { "0" } else { g.patch };
    let mut s = format!("v{}.{}.{}", g.major, g.minor, patch);
    if !g.kind.is_empty() {
        s.push('-');
        s.push_str(g.kind);
        if !g.pre.is_empty() {
            s.push('.');
            s.push_str(g.pre);
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// From the `x/mod/semver` documentation and tests.
    #[test]
    fn module_versions() {
        let cases = [
            ("v1.0.0", "v1.0.0", Equal),
            ("v1", "v1.0.0", Equal),
            ("v1.2", "v1.2.0", Equal),
            ("1.2.3", "v1.2.3", Equal),
            ("v1.0.0-alpha", "v1.0.0", Less),
            ("v1.0.0-alpha", "v1.0.0-alpha.1", Less),
            ("v1.0.0-alpha.1", "v1.0.0-alpha.beta", Less),
            ("v1.0.0-beta.2", "v1.0.0-beta.11", Less),
            ("v1.0.0+meta", "v1.0.0", Equal),
            ("1.22.0-0", "1.22.0-rc.1", Less),
            ("1.22.0-0", "1.21.9", Greater),
            ("v0.0.0-20230101000000-abcdef123456", "v0.0.1", Less),
            (
                "v0.0.0-20230101000000-abcdef123456",
                "v0.0.0-20230202000000-abcdef123456",
                Less,
            ),
            ("v1.2.4-0.20230101000000-abcdef123456", "v1.2.3", Greater),
            ("v1.2.4-0.20230101000000-abcdef123456", "v1.2.4", Less),
            ("bad", "v0.0.0", Less),
            ("bad", "worse", Equal),
            ("v1.0.0-01", "v0.0.1", Less),
            ("v01.0.0", "v0.0.1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    /// From `go/version` and `internal/gover` tests in the Go tree.
    #[test]
    fn toolchain_versions() {
        let cases = [
            ("go1.21", "go1.21rc1", Less),
            ("go1.21rc1", "go1.21.0", Less),
            ("go1.21rc1", "go1.21rc2", Less),
            ("go1.21beta1", "go1.21rc1", Less),
            ("go1.21.0", "go1.21.1", Less),
            ("go1.20", "go1.20.0", Equal),
            ("go1.21", "go1.21.0", Less),
            ("go1.22.3", "go1.22.10", Less),
            ("go1.9", "go1.10", Less),
            ("go1", "go1.0.0", Equal),
            ("go1.22.3-bigcorp", "go1.22.3", Equal),
            ("", "go1.0", Less),
            ("go1.21.3rc1", "go1.0", Less),
            ("go1.021", "go1.0", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_toolchain(a, b), want, "{a} vs {b}");
            assert_eq!(compare_toolchain(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn toolchain_conversion() {
        assert_eq!(
            toolchain_to_semver("go1.21rc1").as_deref(),
            Some("v1.21.0-rc.1")
        );
        assert_eq!(toolchain_to_semver("go1.22.3").as_deref(), Some("v1.22.3"));
        assert_eq!(toolchain_to_semver("go1.20").as_deref(), Some("v1.20.0"));
        assert_eq!(
            toolchain_to_semver("go1.21beta1").as_deref(),
            Some("v1.21.0-beta.1")
        );
        assert_eq!(toolchain_to_semver("devel"), None);
        assert_eq!(compare("go1.21rc1", "1.21.0-rc.2"), Less);
        assert_eq!(compare("go1.22.3", "1.22.4"), Less);
    }

    #[test]
    fn pseudo_versions() {
        assert!(Version::parse("v0.0.0-20230101000000-abcdef123456")
            .unwrap()
            .is_pseudo());
        assert!(Version::parse("v1.2.4-0.20230101000000-abcdef123456")
            .unwrap()
            .is_pseudo());
        assert!(!Version::parse("v1.2.4-rc.1").unwrap().is_pseudo());
    }
}
