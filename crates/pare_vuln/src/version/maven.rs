//! Maven versions, ordered as Maven 3.8.7's
//! `org.apache.maven.artifact.versioning.ComparableVersion` orders them.
//!
//! Every string is a version: it is split at `.`, `-` and digit/letter
//! transitions into a tree of items (numbers, qualifiers, sub-lists),
//! trailing "null" items (`0`, `""`, `final`, `ga`, `release`) are dropped,
//! and trees are compared item by item. Qualifiers order as
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
//! release < sp`, unknown qualifiers after `sp`, alphabetically.
//!
//! Written here: no Rust crate reproduces `ComparableVersion`, and its
//! quirks decide real matches (`1.0.0.Final == 1.0.0`, `1-1 < 1.1`, a
//! number beyond 9 digits being a different item type than one within 9).
//! Digits are ASCII only; Java's `Character.isDigit` also takes other
//! Unicode digits, which no Maven version uses.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Up to 9 digits.
    Int(u32),
    /// 10 to 18 digits.
    Long(u64),
    /// More digits (leading zeros stripped, `"0"`-only runs kept as is).
    Big(String),
    /// A qualifier after alias resolution.
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// Index of the empty (release) qualifier in [`QUALIFIERS`].
const RELEASE_INDEX: usize = 5;

/// Maven's `comparableQualifier` (`"<index>"` for a known qualifier,
/// `"7-<q>"` otherwise), kept unallocated: known ones order by index and
/// before every unknown one; unknown ones order by their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier<'a> {
    Known(usize),
    Other(&'a str),
}

fn comparable_qualifier(q: &str) -> Qualifier<'_> {
    match QUALIFIERS.iter().position(|x| *x == q) {
        Some(i) => Qualifier::Known(i),
        None => Qualifier::Other(q),
    }
}

fn qualifier_cmp(a: Qualifier<'_>, b: Qualifier<'_>) -> Ordering {
    match (a, b) {
        (Qualifier::Known(x), Qualifier::Known(y)) => x.cmp(&y),
        (Qualifier::Known(_), Qualifier::Other(_)) => Ordering::Less,
        (Qualifier::Other(_), Qualifier::Known(_)) => Ordering::Greater,
        (Qualifier::Other(x), Qualifier::Other(y)) => java_cmp(x, y),
    }
}

/// Java's `String.compareTo`: UTF-16 code units.
fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn big_is_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

fn big_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Item {
    fn string(value: &str, followed_by_digit: bool) -> Item {
        let mut v = value;
        if followed_by_digit && value.len() == 1 {
            v = match value {
                "a" => "alpha",
                "b" => "beta",
                "m" => "milestone",
                other => other,
            };
        }
        let v = match v {
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        Item::Str(v.to_owned())
    }

    fn number(buf: &str) -> Item {
        // Maven's stripLeadingZeroes keeps an all-zero run as it is.
        let stripped = match buf.find(|c| c != '0') {
            Some(i) => &buf[i..],
            None => buf,
        };
        if stripped.len() <= 9 {
            Item::Int(stripped.parse().unwrap_or(0))
        } else if stripped.len() <= 18 {
            Item::Long(stripped.parse().unwrap_or(0))
        } else {
            Item::Big(stripped.to_owned())
        }
    }

    fn parse_item(is_digit: bool, buf: &str) -> Item {
        if is_digit {
            Item::number(buf)
        } else {
            Item::string(buf, false)
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(v) => *v == 0,
            Item::Long(v) => *v == 0,
            Item::Big(s) => big_is_zero(s),
            Item::Str(s) => comparable_qualifier(s) == Qualifier::Known(RELEASE_INDEX),
            Item::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo(null)`.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(_) | Item::Long(_) | Item::Big(_) => {
                if self.is_null() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_cmp(comparable_qualifier(s), Qualifier::Known(RELEASE_INDEX)),
            Item::List(l) => l
                .iter()
                .map(Item::cmp_null)
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
        }
    }

    fn cmp(&self, other: &Item) -> Ordering {
        use Item::{Big, Int, List, Long, Str};
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Long(a), Long(b)) => a.cmp(b),
            (Big(a), Big(b)) => big_cmp(a, b),
            (Int(_), Long(_) | Big(_)) | (Long(_), Big(_)) => Ordering::Less,
            (Long(_) | Big(_), Int(_)) | (Big(_), Long(_)) => Ordering::Greater,
            (Int(_) | Long(_) | Big(_), Str(_) | List(_)) => Ordering::Greater,
            (Str(_), Int(_) | Long(_) | Big(_) | List(_)) => Ordering::Less,
            (Str(a), Str(b)) => qualifier_cmp(comparable_qualifier(a), comparable_qualifier(b)),
            (List(_), Int(_) | Long(_) | Big(_)) => Ordering::Less,
            (List(_), Str(_)) => Ordering::Greater,
            (List(a), List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp(r),
            (Some(l), None) => l.cmp_null(),
            (None, Some(r)) => r.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Drops trailing null items, skipping over non-empty sub-lists as
/// Maven's `ListItem.normalize` does.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    items: Vec<Item>,
}

/// Builder that mirrors Maven's parse: a stack of open lists, each new
/// list nested as the last item of the previous one.
struct Builder {
    /// Open lists, outermost first; each is later folded into its parent.
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn add(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn top_is_empty(&self) -> bool {
        self.stack.last().is_none_or(Vec::is_empty)
    }

    fn open(&mut self) {
        self.stack.push(Vec::new());
    }

    fn finish(mut self) -> Vec<Item> {
        // Maven normalises from the innermost list outwards; a nested list
        // is normalised before its parent looks at whether it is empty.
        while self.stack.len() > 1 {
            let mut inner = self.stack.pop().unwrap_or_default();
            normalize(&mut inner);
            self.add(Item::List(inner));
        }
        let mut root = self.stack.pop().unwrap_or_default();
        normalize(&mut root);
        root
    }
}

impl Version {
    /// Parses any string (Maven has no invalid versions).
    #[must_use]
    pub fn parse(version: &str) -> Self {
        let lower = version.to_lowercase();
        let v = lower.as_str();
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0;
        for (i, c) in v.char_indices() {
            if c == '.' {
                if i == start {
                    b.add(Item::Int(0));
                } else {
                    b.add(Item::parse_item(is_digit, &v[start..i]));
                }
                start = i + 1;
            } else if c == '-' {
                if i == start {
                    b.add(Item::Int(0));
                } else {
                    b.add(Item::parse_item(is_digit, &v[start..i]));
                }
                start = i + 1;
                b.open();
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // A qualifier followed by a number: the qualifier starts
                    // a list of its own unless the current one is empty.
                    if !b.top_is_empty() {
                        b.open();
                    }
                    b.add(Item::string(&v[start..i], true));
                    start = i;
                    b.open();
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    b.add(Item::parse_item(true, &v[start..i]));
                    start = i;
                    b.open();
                }
                is_digit = false;
            }
        }
        if v.len() > start {
            if !is_digit && !b.top_is_empty() {
                b.open();
            }
            b.add(Item::parse_item(is_digit, &v[start..]));
        }
        Version { items: b.finish() }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two Maven version strings.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    Version::parse(a).cmp(&Version::parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// From Maven's `ComparableVersionTest`.
    #[test]
    fn ordering() {
        let order = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
            "1.1",
            "1.2",
            "1.123",
        ];
        for w in order.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn equal() {
        let eq = [
            ("1", "1.0.0"),
            ("1", "1-0"),
            ("1a", "1-a"),
            ("1a", "1.0-a"),
            ("1x", "1-x"),
            ("1.0.0.Final", "1.0.0"),
            ("1-ga", "1"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1b2", "1-beta-2"),
            ("1m3", "1-milestone-3"),
            ("1X", "1x"),
        ];
        for (a, b) in eq {
            assert_eq!(compare(a, b), Equal, "{a} == {b}");
        }
        assert_eq!(compare("1.0000000000.1", "1.1.1"), Greater);
        assert_eq!(compare("2.17.0", "2.17.1"), Less);
        assert_eq!(compare("2.9.10.8", "2.10.0"), Less);
    }
}
