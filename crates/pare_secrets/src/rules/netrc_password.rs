//! SEC013 netrc-password.

use super::{file_name, regex_near, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC013
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC013",
        name: "netrc-password",
        summary: "A .netrc holds a password",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads every `.netrc` and `_netrc` and reports each `password` token's
value (curl, git, pip, ftp and many more read this file).

## Why is this bad?
Each `machine` entry is a login to that host, and tools use it silently.

## Example
`RUN echo "machine git.example login ci password …" > ~/.netrc` in a build
step (the history shows it too: `SEC018`).

## Fix
Mount the file with `RUN --mount=type=secret,id=netrc,target=/root/.netrc`.
Change the password.

## References
- Format: GNU inetutils `netrc(5)`; no peer rule (pare)
"#,
    },
    title: ".netrc password",
    origin: &["pare"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    matches!(file_name(path), ".netrc" | "_netrc")
}

static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)(?:^|\s)password\s+(\S+)").expect("valid regex"));

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_passwords() {
        let rc = "machine git.example login ci password Pare0Fleet7Gen9NotReal\n";
        assert_eq!(codes("root/.netrc", rc), ["SEC013"]);
        assert_eq!(
            scan("root/.netrc", rc)[0].1,
            "machine git.example login ci password ********"
        );
        assert!(codes("root/.netrc", "machine git.example login ci\n").is_empty());
    }
}
