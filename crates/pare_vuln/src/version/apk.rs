//! Alpine package versions, ordered as apk-tools 2.x orders them.
//!
//! Grammar (Gentoo-style): `digits{.digits}[letter]{_suffix[digits]}[-rN]`,
//! where suffix is one of `alpha beta pre rc` (before the release) or
//! `cvs svn git hg p` (after it). Comparison walks both strings token by
//! token; when one string runs out or hits an invalid token first, the
//! token *kinds* decide (a pre-release suffix loses to the end, anything
//! else wins).
//!
//! Written here rather than taken from a crate: no Rust crate follows
//! apk-tools' token state machine, whose quirks matter (leading zeros in a
//! dotted component make it compare as a fraction: `1.01 < 1.1`; invalid
//! strings still compare up to their first bad token). Digit runs are
//! accumulated in an `i64`; apk-tools uses a C `int`, whose overflow past
//! 2^31 is undefined, so such versions have no defined reference order.

use super::VersionError;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    Invalid = -1,
    DigitOrZero = 0,
    Digit = 1,
    Letter = 2,
    Suffix = 3,
    SuffixNo = 4,
    RevisionNo = 5,
    End = 6,
}

const PRE: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    tok: Tok,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s: s.as_bytes(),
            pos: 0,
            tok: Tok::Digit,
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.s[self.pos..]
    }

    /// Decides the kind of the next token from the separator at the cursor,
    /// consuming the separator.
    fn advance_kind(&mut self) {
        let rest = self.rest();
        let cur = self.tok;
        let next = match rest.first().copied() {
            None | Some(0) => Tok::End,
            Some(c) if matches!(cur, Tok::Digit | Tok::DigitOrZero) && c.is_ascii_lowercase() => {
                Tok::Letter
            }
            Some(c) if cur == Tok::Letter && c.is_ascii_digit() => Tok::Digit,
            Some(c) if cur == Tok::Suffix && c.is_ascii_digit() => Tok::SuffixNo,
            Some(c) => {
                let n = match c {
                    b'.' => Tok::DigitOrZero,
                    b'_' => Tok::Suffix,
                    b'-' if rest.get(1) == Some(&b'r') => {
                        self.pos += 1;
                        Tok::RevisionNo
                    }
                    _ => Tok::Invalid,
                };
                self.pos += 1;
                n
            }
        };
        let allowed_backwards = matches!(
            (next, cur),
            (Tok::DigitOrZero, Tok::Digit)
                | (Tok::Suffix, Tok::SuffixNo)
                | (Tok::Digit, Tok::Letter)
        );
        self.tok = if next < cur && !allowed_backwards {
            Tok::Invalid
        } else {
            next
        };
    }

    /// Reads the value of the current token and moves to the next one.
    fn value(&mut self) -> i64 {
        let rest = self.rest();
        if rest.is_empty() {
            self.tok = Tok::End;
            return 0;
        }
        let mut i = 0;
        let mut v: i64 = 0;
        let mut forced = None;
        match self.tok {
            Tok::DigitOrZero if rest[0] == b'0' => {
                // A component with leading zeros sorts like a fraction:
                // the more zeros, the smaller.
                while i < rest.len() && rest[i] == b'0' {
                    i += 1;
                }
                v = -(i as i64);
                forced = Some(Tok::Digit);
            }
            Tok::DigitOrZero | Tok::Digit | Tok::SuffixNo | Tok::RevisionNo => {
                while i < rest.len() && rest[i].is_ascii_digit() {
                    v = v
                        .saturating_mul(10)
                        .saturating_add(i64::from(rest[i] - b'0'));
                    i += 1;
                }
            }
            Tok::Letter => {
                v = i64::from(rest[0]);
                i = 1;
            }
            Tok::Suffix => {
                if let Some(k) = PRE.iter().position(|p| rest.starts_with(p.as_bytes())) {
                    v = k as i64 - PRE.len() as i64;
                    i = PRE[k].len();
                } else if let Some(k) = POST.iter().position(|p| rest.starts_with(p.as_bytes())) {
                    v = k as i64;
                    i = POST[k].len();
                } else {
                    self.tok = Tok::Invalid;
                    return -1;
                }
            }
            Tok::Invalid | Tok::End => {
                self.tok = Tok::Invalid;
                return -1;
            }
        }
        self.pos += i;
        if self.pos >= self.s.len() {
            self.tok = Tok::End;
        } else if let Some(t) = forced {
            self.tok = t;
        } else {
            self.advance_kind();
        }
        v
    }
}

/// Whether apk-tools would accept the string as a version.
#[must_use]
pub fn is_valid(s: &str) -> bool {
    let mut c = Cursor::new(s);
    while c.tok != Tok::End && c.tok != Tok::Invalid {
        c.value();
    }
    c.tok == Tok::End
}

/// A validated apk version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    /// Validates an apk version.
    ///
    /// # Errors
    /// When apk-tools' `apk_version_validate` rejects the string.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if is_valid(s) {
            Ok(Version(s.to_owned()))
        } else {
            Err(VersionError::new("apk", s, "not an apk version"))
        }
    }

    /// The version text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two strings as apk-tools does, valid or not: tokens are
/// compared until they differ or either string ends or turns invalid.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut ca, mut cb) = (Cursor::new(a), Cursor::new(b));
    let (mut av, mut bv) = (0i64, 0i64);
    while ca.tok == cb.tok && ca.tok != Tok::End && ca.tok != Tok::Invalid && av == bv {
        av = ca.value();
        bv = cb.value();
    }
    match av.cmp(&bv) {
        Ordering::Equal => {}
        o => return o,
    }
    if ca.tok == cb.tok {
        return Ordering::Equal;
    }
    // One side continues: a pre-release suffix loses, otherwise the
    // token kind decides (a longer version wins over the end).
    if ca.tok == Tok::Suffix && peek_suffix(&ca) < 0 {
        return Ordering::Less;
    }
    if cb.tok == Tok::Suffix && peek_suffix(&cb) < 0 {
        return Ordering::Greater;
    }
    match ca.tok.cmp(&cb.tok) {
        Ordering::Greater => Ordering::Less,
        Ordering::Less => Ordering::Greater,
        Ordering::Equal => Ordering::Equal,
    }
}

fn peek_suffix(c: &Cursor<'_>) -> i64 {
    let mut probe = Cursor {
        s: c.s,
        pos: c.pos,
        tok: c.tok,
    };
    probe.value()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn table() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0-r0", Less),
            ("1.0-r1", "1.0-r2", Less),
            ("1.1_rc1", "1.1", Less),
            // apk-tools 2.x quirk: after a `0` component the suffix is not
            // seen as a suffix, so the longer string wins.
            ("1.0_rc1", "1.0", Greater),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_p1", "1.0", Greater),
            ("1.0_git20230101", "1.0", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0a", "1.0b", Less),
            ("1.01", "1.1", Less),
            ("1.001", "1.01", Less),
            ("1.2.3", "1.2", Greater),
            ("3.0.15-r0", "3.1.4-r5", Less),
            ("1.36.1-r15", "1.36.1-r2", Greater),
            ("2.0", "10.0", Less),
            ("1.2_rc1-r1", "1.2-r0", Less),
            // Invalid keys seen in secdb, traced through apk-tools 2.x by
            // hand: the bad `-2` is an INVALID token, the lowest kind, and
            // the lower kind wins once the values so far are equal.
            ("1.11-20-r0", "1.11-r0", Greater),
            ("1.11-20-r0", "1.11", Greater),
            ("10.0.11-0", "10.0.11", Greater),
            ("10.0.11-0", "10.0.11-r0", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validity() {
        for ok in [
            "1",
            "1.2.3",
            "1.0a",
            "1.0_rc1",
            "1.0_p",
            "1.0-r1",
            "1.0_alpha1_p2-r3",
            "0",
            "",
            "a",
        ] {
            assert!(is_valid(ok), "{ok} should be valid");
        }
        for bad in [
            "1.11-20-r0",
            "10.0.11-0",
            "1.0-",
            "1.0-x1",
            "1.0_foo",
            "1.0ab",
            "1.0-r1.2",
        ] {
            assert!(!is_valid(bad), "{bad:?} should be invalid");
        }
    }
}
