//! SEC015 git-credentials.

use super::{file_name, regex_near, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC015
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC015",
        name: "git-credentials",
        summary: "A git credential store (.git-credentials) holds a password",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads `.git-credentials` and git's XDG store (`git/credentials`), where
`git credential-store` writes one `https://user:password@host` URL per
line, and reports the password part of each.

## Why is this bad?
The password (usually a token) clones, and often pushes to, every
repository the account reaches.

## Example
`git config --global credential.helper store` in a build step, then a
clone: the token is written to `/root/.git-credentials`.

## Fix
`RUN --mount=type=secret` for the token, or an SSH deploy key with
`--mount=type=ssh`. Revoke the token.

## References
- Format: `git-credential-store(1)`; no peer rule (pare)
"#,
    },
    title: "git credential",
    origin: &["pare"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    file_name(path) == ".git-credentials" || path.ends_with("git/credentials")
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)[A-Za-z][A-Za-z0-9+.-]*://[^:/\s@]*:([^@\s]+)@").expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_stored_passwords() {
        let store = "https://ci:Pare0Fleet7Gen9NotReal@git.example\n";
        assert_eq!(codes("root/.git-credentials", store), ["SEC015"]);
        assert_eq!(
            scan("root/.git-credentials", store)[0].1,
            "https://ci:********@git.example"
        );
        assert!(codes("root/.git-credentials", "https://git.example\n").is_empty());
    }
}
