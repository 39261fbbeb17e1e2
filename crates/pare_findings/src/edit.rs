//! Fixes as byte-range edits, and applying them.
//!
//! Fixes never re-serialize a document: they replace byte ranges, so
//! comments, quoting and indentation outside the edited ranges survive.

use crate::Span;
use serde::Serialize;

/// One replacement of a byte range (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Range replaced.
    pub span: Span,
    /// New text.
    pub content: String,
}

impl Edit {
    /// Replace `span` with `content`.
    #[must_use]
    pub fn replace(span: Span, content: impl Into<String>) -> Self {
        Self {
            span,
            content: content.into(),
        }
    }

    /// Insert `content` at `offset`.
    #[must_use]
    pub fn insert(offset: usize, content: impl Into<String>) -> Self {
        Self {
            span: Span::empty(offset),
            content: content.into(),
        }
    }

    /// Delete `span`.
    #[must_use]
    pub fn delete(span: Span) -> Self {
        Self {
            span,
            content: String::new(),
        }
    }
}

/// Whether a fix may change behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied.
    DisplayOnly,
    /// Applied only with `--unsafe`: may change what the image does.
    Unsafe,
    /// Applied by default: keeps behaviour.
    Safe,
}

/// Whether a rule offers fixes (declared on the rule, checked by tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    /// Never.
    None,
    /// For some occurrences.
    Sometimes,
    /// For every occurrence.
    Always,
}

/// A repair: a title and edits applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What applying it does (`Add USER 65532:65532`).
    pub title: String,
    /// Safe, unsafe or display-only.
    pub applicability: Applicability,
    /// Non-overlapping edits.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A safe fix.
    #[must_use]
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self {
            title: title.into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    /// An unsafe fix.
    #[must_use]
    pub fn unsafe_edit(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self {
            title: title.into(),
            applicability: Applicability::Unsafe,
            edits,
        }
    }
}

/// Result of [`apply_edits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOutcome {
    /// The new text.
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
    /// How many were skipped because they overlapped an earlier one (a
    /// second `pare fix` run picks them up).
    pub skipped: usize,
}

/// Apply `fixes` to `src`, all-or-nothing per fix, skipping any fix whose
/// edits overlap an already accepted one (or are out of bounds / not on a
/// char boundary). Fixes are considered in order, so callers put the most
/// important first. Two insertions at the same offset are both kept, in
/// order.
#[must_use]
pub fn apply_edits(src: &str, fixes: &[&Fix]) -> FixOutcome {
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    let mut skipped = 0;
    'fix: for fix in fixes {
        for e in &fix.edits {
            let bad_bounds = e.span.end > src.len()
                || !src.is_char_boundary(e.span.start)
                || !src.is_char_boundary(e.span.end);
            let clash = accepted.iter().any(|a| {
                a.span.overlaps(&e.span)
                    || (!e.span.is_empty()
                        && a.span.is_empty()
                        && a.span.start > e.span.start
                        && a.span.start < e.span.end)
                    || (!a.span.is_empty()
                        && e.span.is_empty()
                        && e.span.start > a.span.start
                        && e.span.start < a.span.end)
            });
            if bad_bounds || clash {
                skipped += 1;
                continue 'fix;
            }
        }
        accepted.extend(fix.edits.iter());
        applied += 1;
    }
    // Stable sort keeps same-offset insertions in acceptance order.
    accepted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut pos = 0;
    for e in accepted {
        out.push_str(&src[pos..e.span.start.max(pos)]);
        out.push_str(&e.content);
        pos = pos.max(e.span.end);
    }
    out.push_str(&src[pos..]);
    FixOutcome {
        text: out,
        applied,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_non_overlapping_and_skips_clashes() {
        let src = "FROM x\nCMD a b\n";
        let f1 = Fix::safe("user", vec![Edit::insert(7, "USER 1\n")]);
        let f2 = Fix::safe(
            "exec",
            vec![Edit::replace(Span::new(11, 14), "[\"a\", \"b\"]")],
        );
        let f3 = Fix::safe("clash", vec![Edit::replace(Span::new(12, 13), "z")]);
        let out = apply_edits(src, &[&f1, &f2, &f3]);
        assert_eq!(out.text, "FROM x\nUSER 1\nCMD [\"a\", \"b\"]\n");
        assert_eq!((out.applied, out.skipped), (2, 1));
    }

    #[test]
    fn out_of_bounds_edit_is_skipped_not_panicking() {
        let f = Fix::safe("bad", vec![Edit::replace(Span::new(3, 99), "x")]);
        let out = apply_edits("abc", &[&f]);
        assert_eq!(out.text, "abc");
        assert_eq!(out.skipped, 1);
    }
}
