//! SEC005 gitlab-token.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC005
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC005",
        name: "gitlab-token",
        summary: "A GitLab token is in the image",
        severity: Severity::Critical,
        peers: &["trivy:gitlab-pat", "gitleaks:gitlab-pat"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds GitLab personal, project and group access tokens (`glpat-`), deploy
tokens (`gldt-`) and runner authentication tokens (`glrt-`), followed by
at least 20 characters of `[0-9A-Za-z_-]`, as whole words, with at least
3 bits of entropy per character.

## Why is this bad?
The token reads (often writes) repositories, registries and CI settings of
its project or group.

## Example
`RUN git clone https://oauth2:glpat-…@gitlab.com/group/app.git`

## Fix
Mount the token with `RUN --mount=type=secret`; use CI job tokens. Revoke
the token.

## References
- Format: Trivy `gitlab-pat`, gitleaks `gitlab-pat`
- GitLab: https://docs.gitlab.com/ee/security/tokens/
"#,
    },
    title: "GitLab token",
    origin: &["trivy:gitlab-pat", "gitleaks:gitlab-pat"],
    keywords: &["glpat-", "gldt-", "glrt-"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["glpat-", "gldt-", "glrt-"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)(?:^|[^A-Za-z0-9_-])((?:glpat|gldt|glrt)-[0-9A-Za-z_-]{20,64})(?:[^A-Za-z0-9_-]|$)",
    )
    .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| shannon(&data[r.start + 5..r.end]) >= 3.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_tokens() {
        let t = "glpat-Pare7Fleet3Gen9NotReal";
        assert_eq!(codes("x", &format!("GITLAB_TOKEN={t}")), ["SEC005"]);
        let (_, e) = &scan("x", &format!("GITLAB_TOKEN={t}"))[0];
        assert_eq!(e, "GITLAB_TOKEN=glpat-********");
        assert!(codes("x", "glpat-xxxxxxxxxxxxxxxxxxxx").is_empty());
        assert!(codes("x", "glpat-short").is_empty());
    }
}
