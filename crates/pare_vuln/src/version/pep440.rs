//! Python versions (PEP 440), parsed and ordered as `packaging.version`
//! (packaging 22+) does: the same regular expression, including its
//! backtracking choices (`1.0a-1` is `1.0a1`), and the same sort key
//! (`1.0.dev0 < 1.0a0 < 1.0 < 1.0.post0`, trailing zeros ignored, local
//! versions after the public one).
//!
//! Written here rather than with `pep440_rs`: that crate accepts some
//! strings `packaging` rejects (and the other way round) and its ordering
//! of unusual local versions is its own; the differential tests hold this
//! module to `packaging` itself. Case-insensitivity and white space are
//! ASCII/Unicode `White_Space` here; Python's regex engine also folds a few
//! non-ASCII letters (`ſ`, `K`), which no real version uses.

use super::VersionError;
use std::cmp::Ordering;

/// A number of any size: ASCII digits without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Num(String);

impl Num {
    fn new(digits: &str) -> Self {
        let t = digits.trim_start_matches('0');
        Num(if t.is_empty() { "0".into() } else { t.into() })
    }

    fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Pre-release kind, normalised (`alpha`→`a`, `beta`→`b`, `c`/`pre`/`preview`→`rc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreKind {
    /// `a`
    Alpha,
    /// `b`
    Beta,
    /// `rc`
    Rc,
}

/// A local version segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    /// All digits: compared as a number, after every text segment.
    Num(Num),
    /// Lower-cased text.
    Text(String),
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Epoch (`N!`).
    pub epoch: Num,
    /// Release numbers.
    pub release: Vec<Num>,
    /// Pre-release.
    pub pre: Option<(PreKind, Num)>,
    /// Post-release number.
    pub post: Option<Num>,
    /// Dev-release number.
    pub dev: Option<Num>,
    /// Local version segments.
    pub local: Option<Vec<Local>>,
}

/// Python's `str.isspace`, close enough: Unicode `White_Space` plus the
/// information separators U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

struct P<'a> {
    s: &'a [u8],
}

fn sep(b: Option<&u8>) -> bool {
    matches!(b, Some(b'-' | b'_' | b'.'))
}

impl P<'_> {
    fn starts_ci(&self, pos: usize, lit: &str) -> bool {
        self.s.len() >= pos + lit.len()
            && self.s[pos..pos + lit.len()].eq_ignore_ascii_case(lit.as_bytes())
    }

    fn digits(&self, pos: usize) -> usize {
        self.s[pos.min(self.s.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    /// `[-_\.]? LABEL [-_\.]? [0-9]*`, all candidates in regex preference
    /// order: (label index, number, end).
    fn labelled(&self, pos: usize, labels: &[&str]) -> Vec<(usize, Option<Num>, usize)> {
        let mut out = Vec::new();
        let starts: Vec<usize> = if sep(self.s.get(pos)) {
            vec![pos + 1, pos]
        } else {
            vec![pos]
        };
        for start in starts {
            for (k, label) in labels.iter().enumerate() {
                if !self.starts_ci(start, label) {
                    continue;
                }
                let after = start + label.len();
                let mut seps = Vec::new();
                if sep(self.s.get(after)) {
                    seps.push(after + 1);
                }
                seps.push(after);
                for p in seps {
                    let n = self.digits(p);
                    if n > 0 {
                        let num = std::str::from_utf8(&self.s[p..p + n]).unwrap_or("0");
                        out.push((k, Some(Num::new(num)), p + n));
                    }
                    out.push((k, None, p));
                }
            }
        }
        out
    }

    fn pre(&self, pos: usize) -> Vec<(Option<(PreKind, Num)>, usize)> {
        const LABELS: [&str; 8] = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"];
        let mut out: Vec<_> = self
            .labelled(pos, &LABELS)
            .into_iter()
            .map(|(k, n, end)| {
                let kind = match LABELS[k] {
                    "a" | "alpha" => PreKind::Alpha,
                    "b" | "beta" => PreKind::Beta,
                    _ => PreKind::Rc,
                };
                (Some((kind, n.unwrap_or_else(|| Num::new("0")))), end)
            })
            .collect();
        out.push((None, pos));
        out
    }

    fn post(&self, pos: usize) -> Vec<(Option<Num>, usize)> {
        let mut out = Vec::new();
        if self.s.get(pos) == Some(&b'-') {
            let n = self.digits(pos + 1);
            if n > 0 {
                let num = std::str::from_utf8(&self.s[pos + 1..pos + 1 + n]).unwrap_or("0");
                out.push((Some(Num::new(num)), pos + 1 + n));
            }
        }
        for (_, n, end) in self.labelled(pos, &["post", "rev", "r"]) {
            out.push((Some(n.unwrap_or_else(|| Num::new("0"))), end));
        }
        out.push((None, pos));
        out
    }

    fn dev(&self, pos: usize) -> Vec<(Option<Num>, usize)> {
        let mut out: Vec<_> = self
            .labelled(pos, &["dev"])
            .into_iter()
            .map(|(_, n, end)| (Some(n.unwrap_or_else(|| Num::new("0"))), end))
            .collect();
        out.push((None, pos));
        out
    }

    /// `(?:\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*)?` then the end (trailing white
    /// space is stripped before parsing).
    fn local_to_end(&self, pos: usize) -> Option<Option<Vec<Local>>> {
        if pos == self.s.len() {
            return Some(None);
        }
        if self.s[pos] != b'+' {
            return None;
        }
        let text = std::str::from_utf8(&self.s[pos + 1..]).ok()?;
        let mut parts = Vec::new();
        for part in text.split(['-', '_', '.']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            parts.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                Local::Num(Num::new(part))
            } else {
                Local::Text(part.to_ascii_lowercase())
            });
        }
        Some(Some(parts))
    }
}

impl Version {
    /// Parses like `packaging.version.Version(s)`.
    ///
    /// # Errors
    /// When `packaging` raises `InvalidVersion`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Self::parse_inner(input)
            .ok_or_else(|| VersionError::new("pep440", input, "not a PEP 440 version"))
    }

    fn parse_inner(input: &str) -> Option<Self> {
        let t = input.trim_matches(py_space);
        let p = P { s: t.as_bytes() };
        let mut pos = 0;
        if matches!(p.s.first(), Some(b'v' | b'V')) {
            pos = 1;
        }
        let mut epoch = Num::new("0");
        let n = p.digits(pos);
        if n > 0 && p.s.get(pos + n) == Some(&b'!') {
            epoch = Num::new(std::str::from_utf8(&p.s[pos..pos + n]).ok()?);
            pos += n + 1;
        }
        let mut release = Vec::new();
        loop {
            let n = p.digits(pos);
            if n == 0 {
                return None;
            }
            release.push(Num::new(std::str::from_utf8(&p.s[pos..pos + n]).ok()?));
            pos += n;
            if p.s.get(pos) == Some(&b'.') && p.digits(pos + 1) > 0 {
                pos += 1;
            } else {
                break;
            }
        }
        for (pre, p1) in p.pre(pos) {
            for (post, p2) in p.post(p1) {
                for (dev, p3) in p.dev(p2) {
                    if let Some(local) = p.local_to_end(p3) {
                        return Some(Version {
                            epoch,
                            release,
                            pre,
                            post,
                            dev,
                            local,
                        });
                    }
                }
            }
        }
        None
    }

    /// `packaging`'s `_cmpkey` ordering.
    #[must_use]
    pub fn compare(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| cmp_release(&self.release, &other.release))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| match (&self.dev, &other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .then_with(|| match (&self.local, &other.local) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_local(a, b),
            })
    }

    /// 0 = before every pre-release (a dev release of the final version),
    /// 1 = a pre-release, 2 = no pre-release.
    fn pre_key(&self) -> (u8, Option<&(PreKind, Num)>) {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => (0, None),
            (None, _, _) => (2, None),
            (Some(p), _, _) => (1, Some(p)),
        }
    }
}

fn cmp_release(a: &[Num], b: &[Num]) -> Ordering {
    let trim = |r: &[Num]| r.len() - r.iter().rev().take_while(|n| n.is_zero()).count();
    let (a, b) = (&a[..trim(a)], &b[..trim(b)]);
    a.cmp(b)
}

fn cmp_local(a: &[Local], b: &[Local]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Local::Num(x), Local::Num(y)) => x.cmp(y),
            (Local::Num(_), Local::Text(_)) => Ordering::Greater,
            (Local::Text(_), Local::Num(_)) => Ordering::Less,
            (Local::Text(x), Local::Text(y)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare(other)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
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
        let order = [
            "1.0.dev0",
            "1.0a1.dev1",
            "1.0a1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0+local.a",
            "1.0+local.1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for w in order.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
        let equal = [
            ("1.0", "1.0.0"),
            ("1.0a-1", "1.0a1"),
            ("1.0-1", "1.0.post1"),
            ("1.0-r1", "1.0.post1"),
            ("1.0c1", "1.0rc1"),
            ("1.0.PREVIEW.2", "1.0rc2"),
            ("v1.0", "1.0"),
            (" 1.0 ", "1.0"),
            ("1.0.post", "1.0.post0"),
            ("1.0+ABC", "1.0+abc"),
            ("01.02", "1.2"),
        ];
        for (a, b) in equal {
            assert_eq!(compare(a, b), Equal, "{a} == {b}");
        }
    }

    #[test]
    fn validity() {
        for bad in [
            "", "1.0-", "1..0", "1.0+", "1.0+a..b", "a", "1.0_", "1.0.-1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be invalid");
        }
        for ok in [
            "1.0-dev-1",
            "1.0a.-post",
            "1.0.post.dev",
            "1!1.0",
            "1.0.r",
            "1.0-dev",
            "1.0_a_1",
        ] {
            assert!(Version::parse(ok).is_ok(), "{ok:?} should parse");
        }
    }
}
