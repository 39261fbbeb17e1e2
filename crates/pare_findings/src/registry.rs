//! The one rule model: every rule family (Dockerfile `DF`, Kubernetes
//! `K8S`, image hygiene `IMG`, secrets, verify, the gate's `POL`) declares
//! its rules as one module per rule holding `META: RuleMeta` and a check,
//! listed once with [`declare_rules!`], and every registry passes
//! [`validate`] (tested for each family in `crates/pare/src/rules.rs`).

use crate::RuleMeta;

/// Declare a family's registry from its rule modules, in code order: a
/// `static` slice of their `META`s and one of their `check` functions, in
/// the same order so that `RULES[i]` is checked by `CHECKS[i]`.
///
/// ```text
/// pare_findings::declare_rules! {
///     /// Every Dockerfile rule, in code order.
///     pub RULES, CHECKS: CheckFn = [root_user, unpinned_base_image]
/// }
/// ```
#[macro_export]
macro_rules! declare_rules {
    ($(#[$attr:meta])* $vis:vis $rules:ident, $checks:ident: $check_ty:ty = [$($rule:ident),* $(,)?]) => {
        $(#[$attr])*
        $vis static $rules: &[$crate::RuleMeta] = &[$($rule::META),*];
        /// The checks, in the same order as the rules.
        pub(crate) static $checks: &[$check_ty] = &[$($rule::check),*];
    };
}

/// The documentation sections every rule has, in this order.
pub const DOC_SECTIONS: &[&str] = &["## What it does", "## Why", "## Example"];

/// What is wrong with a family's registry: codes out of order, reused or
/// without the family's prefix; names reused or not kebab-case; missing
/// summary or documentation sections. Empty when the registry is sound.
#[must_use]
pub fn validate<'a>(prefix: &str, rules: impl IntoIterator<Item = &'a RuleMeta>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut prev: Option<&str> = None;
    let mut names = std::collections::HashSet::new();
    for r in rules {
        let number = r.code.strip_prefix(prefix);
        if !number.is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit())) {
            problems.push(format!("{}: not `{prefix}` and three digits", r.code));
        }
        if let Some(p) = prev {
            if p >= r.code {
                problems.push(format!(
                    "{}: after {p} (codes in order, never reused)",
                    r.code
                ));
            }
        }
        prev = Some(r.code);
        if !names.insert(r.name) {
            problems.push(format!("{}: name `{}` used twice", r.code, r.name));
        }
        let kebab = !r.name.is_empty()
            && !r.name.starts_with('-')
            && !r.name.ends_with('-')
            && r.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !kebab {
            problems.push(format!("{}: name `{}` is not kebab-case", r.code, r.name));
        }
        if r.summary.trim().is_empty() {
            problems.push(format!("{}: no summary", r.code));
        }
        let mut at = 0;
        for section in DOC_SECTIONS {
            match r.doc[at..].find(section) {
                Some(i) => at += i + section.len(),
                None => problems.push(format!("{}: documentation lacks `{section}`", r.code)),
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FixAvailability, Severity};

    const fn meta(code: &'static str, name: &'static str, doc: &'static str) -> RuleMeta {
        RuleMeta {
            code,
            name,
            summary: "s",
            severity: Severity::Low,
            peers: &[],
            fix: FixAvailability::None,
            doc,
        }
    }

    const DOC: &str = "## What it does\nx\n## Why is this bad?\ny\n## Example\nz";

    mod first {
        pub(super) const META: crate::RuleMeta = super::meta("XX001", "first-rule", super::DOC);
        pub(super) fn check() -> u8 {
            1
        }
    }
    mod second {
        pub(super) const META: crate::RuleMeta = super::meta("XX002", "second-rule", super::DOC);
        pub(super) fn check() -> u8 {
            2
        }
    }

    crate::declare_rules! {
        /// Test registry.
        RULES, CHECKS: fn() -> u8 = [first, second]
    }

    #[test]
    fn the_macro_keeps_rules_and_checks_in_step() {
        assert_eq!(RULES.len(), 2);
        assert_eq!(RULES[1].code, "XX002");
        assert_eq!((CHECKS[1])(), 2);
        assert!(
            validate("XX", RULES).is_empty(),
            "{:?}",
            validate("XX", RULES)
        );
    }

    #[test]
    fn validate_finds_each_problem() {
        let bad = [
            meta("XX002", "Bad_Name", DOC),
            meta("XX001", "dup", "## What it does\n"),
            meta("YY003", "dup", DOC),
        ];
        let p = validate("XX", &bad).join("\n");
        for want in [
            "XX002: name `Bad_Name` is not kebab-case",
            "XX001: after XX002",
            "XX001: documentation lacks `## Why`",
            "YY003: not `XX` and three digits",
            "YY003: name `dup` used twice",
        ] {
            assert!(p.contains(want), "{want} not in:\n{p}");
        }
    }
}
