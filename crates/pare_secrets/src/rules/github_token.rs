//! SEC004 github-token.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC004
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC004",
        name: "github-token",
        summary: "A GitHub token is in the image",
        severity: Severity::Critical,
        peers: &[
            "trivy:github-pat",
            "trivy:github-oauth",
            "trivy:github-app-token",
            "trivy:github-refresh-token",
            "trivy:github-fine-grained-pat",
            "gitleaks:github-pat",
        ],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds GitHub tokens by their documented prefixes: personal access tokens
(`ghp_` + 36), OAuth (`gho_`), user-to-server and server-to-server app
tokens (`ghu_`, `ghs_`), refresh tokens (`ghr_` + 76) and fine-grained
PATs (`github_pat_` + 22 + `_` + 59), as whole words, with at least 3 bits
of entropy per character (so `ghp_xxxx…` placeholders pass).

## Why is this bad?
A token acts as its user or app on every repository it can reach: read
private code, push, publish packages.

## Example
`RUN git clone https://ghp_…@github.com/org/private.git` leaves the token in
the image's history and in `.git/config`.

## Fix
Use `RUN --mount=type=secret,id=gh` (the token never lands in a layer) or
a deploy key mounted with `--mount=type=ssh`. Revoke the token.

## References
- Format: Trivy `github-pat`, `github-oauth`, `github-app-token`,
  `github-refresh-token`, `github-fine-grained-pat`; gitleaks `github-pat`
- GitHub: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
"#,
    },
    title: "GitHub token",
    origin: &["trivy:github-pat", "gitleaks:github-pat"],
    keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)(?:^|[^A-Za-z0-9_])((?:ghp|gho|ghu|ghs)_[0-9A-Za-z]{36}|ghr_[0-9A-Za-z]{76}|github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})(?:[^A-Za-z0-9_]|$)",
    )
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

    const PAT: &str = "ghp_PareFleet0Generated9NotReal4u7Kx2QmZ";

    #[test]
    fn finds_tokens() {
        assert_eq!(PAT.len(), 40);
        assert_eq!(
            codes("app/.env", &format!("GITHUB_TOKEN={PAT}")),
            ["SEC004"]
        );
        let url = format!(
            "url = https://x-access-token:{}@github.com/o/r",
            PAT.replace("ghp_", "ghs_")
        );
        assert_eq!(codes(".git/config", &url), ["SEC004"]);
    }

    #[test]
    fn placeholders_and_longer_words_are_not() {
        assert!(codes("x", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").is_empty());
        assert!(codes("x", &format!("{PAT}abc")).is_empty());
    }

    #[test]
    fn redacted() {
        let (_, e) = &scan("x", &format!("token: {PAT}"))[0];
        assert_eq!(e, "token: ghp_********");
    }
}
