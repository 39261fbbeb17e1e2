//! SEC008 npm-access-token.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC008
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC008",
        name: "npm-access-token",
        summary: "An npm access token is in the image",
        severity: Severity::Critical,
        peers: &["trivy:npm-access-token", "gitleaks:npm-access-token"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds npm access tokens: `npm_` followed by exactly 36 alphanumerics, as a
whole word, with at least 3 bits of entropy per character. (Trivy requires
quotes around it; pare accepts any word boundary, so that `.npmrc` and
`ENV` values are found too.)

## Why is this bad?
A publish token lets anyone publish new versions of the owner's packages:
a supply-chain attack on every user of them.

## Example
`//registry.npmjs.org/:_authToken=npm_…` in an `.npmrc` left in the image
(also `SEC011`).

## Fix
Use `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`.
Revoke the token on npmjs.com.

## References
- Format: Trivy `npm-access-token`, gitleaks `npm-access-token`
- npm: https://docs.npmjs.com/about-access-tokens
"#,
    },
    title: "npm access token",
    origin: &["trivy:npm-access-token", "gitleaks:npm-access-token"],
    keywords: &["npm_"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["npm_"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:^|[^A-Za-z0-9_])(npm_[0-9A-Za-z]{36})(?:[^A-Za-z0-9_]|$)")
        .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| shannon(&data[r.start + 4..r.end]) >= 3.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_tokens() {
        let t = "npm_PareFleetGen0NotReal7Kx9QzW2mB4vYta1";
        assert_eq!(t.len(), 40);
        assert_eq!(codes("x", &format!("NPM_TOKEN=\"{t}\"")), ["SEC008"]);
        let (_, e) = &scan("x", &format!("NPM_TOKEN=\"{t}\""))[0];
        assert_eq!(e, "NPM_TOKEN=\"npm_********\"");
        assert!(codes("x", "npm_config_cache_directory_is_here_ok").is_empty());
    }
}
