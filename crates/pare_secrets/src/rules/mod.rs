//! The content rules, one per file, in code order ([`ALL`]). Each declares
//! its keywords (the pre-filter: the rule runs only near one of them) or
//! the file names it reads whole, and a `find` function returning the
//! byte ranges of the secrets it sees. The config rules (`SEC017`–`SEC019`)
//! live in `crate::config`.
//!
//! Where a format comes from is said in each rule's doc and in
//! [`Rule::origin`]: `trivy:<id>` for Trivy's built-in secret rules
//! (`pkg/fanal/secret/builtin-rules.go`), `gitleaks:<id>` for gitleaks'
//! default config (`config/gitleaks.toml`), `dockle:<code>` for Dockle,
//! `pare` where the format is read from its own documentation (npm, pip,
//! netrc, Docker, git) and no peer publishes a rule.

use pare_findings::RuleMeta;
use regex::bytes::Regex;
use std::ops::Range;

mod aws_access_key_id;
mod aws_secret_access_key;
mod docker_config_auth;
mod git_credentials;
mod github_token;
mod gitlab_token;
mod jwt;
mod netrc_password;
mod npm_token;
mod npmrc_auth;
mod private_key;
mod private_key_file;
mod pypi_token;
mod pypirc_password;
mod slack_token;
mod stripe_key;

/// A content rule.
pub struct Rule {
    /// Code, name, severity, docs.
    pub meta: RuleMeta,
    /// What the secret is, for messages (`AWS access key ID`).
    pub title: &'static str,
    /// Where the format comes from (`trivy:aws-access-key-id`).
    pub origin: &'static [&'static str],
    /// Pre-filter: the rule runs near these strings only, matched
    /// case-sensitively (a rule lists the cases it needs: `aws_key`,
    /// `AWS_KEY`): a case-sensitive automaton of a few dozen literals runs
    /// on SIMD (Teddy), several times faster than a case-insensitive one.
    pub keywords: &'static [&'static str],
    /// For file-format rules: the files (by path, without the leading
    /// `/`) the rule reads line by line, keywords or not.
    pub files: Option<fn(&str) -> bool>,
    /// The secrets near byte `at` of `data` (a keyword hit, or a line
    /// start for file-format rules), as byte ranges of `data`.
    pub find: fn(data: &[u8], at: usize) -> Vec<Range<usize>>,
    /// How many leading bytes of a secret are its format's public prefix
    /// (`AKIA`, `ghp_`), shown in redactions.
    pub reveal: fn(&[u8]) -> usize,
}

/// Every content rule, in code order; earlier rules win when two find the
/// same bytes.
pub static ALL: &[&Rule] = &[
    &private_key::RULE,
    &aws_access_key_id::RULE,
    &aws_secret_access_key::RULE,
    &github_token::RULE,
    &gitlab_token::RULE,
    &slack_token::RULE,
    &stripe_key::RULE,
    &npm_token::RULE,
    &pypi_token::RULE,
    &jwt::RULE,
    &npmrc_auth::RULE,
    &pypirc_password::RULE,
    &netrc_password::RULE,
    &docker_config_auth::RULE,
    &git_credentials::RULE,
    &private_key_file::RULE,
];

/// The line around byte `at`, clipped to 256 bytes before and 1 KiB after
/// it (a minified file's line can be megabytes long).
pub(crate) fn window(data: &[u8], at: usize) -> Range<usize> {
    let at = at.min(data.len());
    let lo = at.saturating_sub(256);
    let hi = (at + 1024).min(data.len());
    let start = memchr::memrchr(b'\n', &data[lo..at]).map_or(lo, |i| lo + i + 1);
    let end = memchr::memchr(b'\n', &data[at..hi]).map_or(hi, |i| at + i);
    start..end
}

/// Matches of capture group `group` of `re` in the window around `at`.
pub(crate) fn regex_near(re: &Regex, group: usize, data: &[u8], at: usize) -> Vec<Range<usize>> {
    let w = window(data, at);
    re.captures_iter(&data[w.clone()])
        .filter_map(|c| c.get(group))
        .map(|m| w.start + m.start()..w.start + m.end())
        .collect()
}

/// Nothing of the value is public.
pub(crate) fn reveal_none(_: &[u8]) -> usize {
    0
}

/// The length of the first of `prefixes` that `s` starts with: a format's
/// fixed prefix (`ghp_`, `sk_live_`), never any of its random part.
pub(crate) fn known_prefix(s: &[u8], prefixes: &[&str]) -> usize {
    prefixes
        .iter()
        .find(|p| s.starts_with(p.as_bytes()))
        .map_or(0, |p| p.len())
}

/// The file name of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A value that is a reference to one held elsewhere, not a secret
/// (`${NPM_TOKEN}`, `$(cat …)`, `%(password)s`, `<token>`).
pub(crate) fn is_reference(v: &[u8]) -> bool {
    v.starts_with(b"$") || v.starts_with(b"%(") || v.starts_with(b"<") || v.starts_with(b"{{")
}

#[cfg(test)]
pub(crate) mod testing {
    //! Rule tests: the whole engine over one file, so that a rule is
    //! checked with its keywords, allow-list and redaction.

    /// Codes and excerpts found in `data` at `path`.
    pub(crate) fn scan(path: &str, data: &str) -> Vec<(String, String)> {
        crate::scan::engine()
            .scan_file(path, data.as_bytes())
            .hits
            .into_iter()
            .map(|h| (h.code, h.excerpt))
            .collect()
    }

    /// The codes only.
    pub(crate) fn codes(path: &str, data: &str) -> Vec<String> {
        scan(path, data).into_iter().map(|(c, _)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_unique_ordered_and_documented() {
        let mut seen = HashSet::new();
        for (i, r) in ALL.iter().enumerate() {
            assert_eq!(r.meta.code, format!("SEC{:03}", i + 1), "code order");
            assert!(seen.insert(r.meta.name), "duplicate {}", r.meta.name);
            for s in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(r.meta.doc.contains(s), "{} lacks {s}", r.meta.code);
            }
            assert!(!r.origin.is_empty());
            assert!(
                !r.keywords.is_empty() || r.files.is_some(),
                "{} reads nothing",
                r.meta.code
            );
        }
    }

    #[test]
    fn known_prefixes_only() {
        assert_eq!(known_prefix(b"ghp_abcdefabcdef", &["gho_", "ghp_"]), 4);
        assert_eq!(known_prefix(b"glpat-ab-cdefabcdef", &["glpat-"]), 6);
        assert_eq!(known_prefix(b"abcdefabcdefabcdef", &["ghp_"]), 0);
    }

    #[test]
    fn window_is_the_line() {
        let d = b"one\ntwo three\nfour";
        assert_eq!(&d[window(d, 6)], b"two three");
        assert_eq!(&d[window(d, 0)], b"one");
        assert_eq!(&d[window(d, 17)], b"four");
    }
}
