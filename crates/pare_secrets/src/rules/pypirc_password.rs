//! SEC012 pypirc-password.

use super::{file_name, is_reference, regex_near, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC012
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC012",
        name: "pypirc-password",
        summary: "A .pypirc holds a package-index password or token",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads every `.pypirc` and reports `password` settings with a literal value
(a password or an API token; distutils' `%(…)s` interpolation is not
reported).

## Why is this bad?
The credential uploads releases to the index: a supply-chain attack.

## Example
`COPY .pypirc /root/` in a build image that is also shipped.

## Fix
Trusted publishing from CI, or `TWINE_PASSWORD` set for the upload step
only (`RUN --mount=type=secret`). Revoke the token.

## References
- Format: https://packaging.python.org/en/latest/specifications/pypirc/; no peer rule (pare)
"#,
    },
    title: "package-index password",
    origin: &["pare"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    file_name(path) == ".pypirc"
}

static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^\s*password\s*[=:]\s*(\S+)").expect("valid regex"));

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| !is_reference(&data[r.clone()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_passwords() {
        let rc = "[pypi]\nusername = __token__\npassword = Pare0Fleet7Gen9NotReal\n";
        assert_eq!(codes("root/.pypirc", rc), ["SEC012"]);
        assert_eq!(scan("root/.pypirc", rc)[0].1, "password = ********");
        assert!(codes("root/.pypirc", "[pypi]\nusername = x\n").is_empty());
        assert!(codes("root/.pypirc", "password = %(pw)s\n").is_empty());
    }
}
