//! SEC011 npmrc-credentials.

use super::{file_name, is_reference, regex_near, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC011
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC011",
        name: "npmrc-credentials",
        summary: "An .npmrc holds registry credentials",
        severity: Severity::High,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads every `.npmrc` (and `npmrc`, npm's global config) and reports
`_authToken`, `_auth` and `_password` settings with a literal value, for
any registry (`//registry.example/:_authToken=…`). Values that refer to
the environment (`${NPM_TOKEN}`) are how npm recommends it and are not
reported.

## Why is this bad?
The token or password reads (often publishes to) the registry, private
packages included.

## Example
`COPY .npmrc /app/` before `npm ci`, never removed; or removed in a later
layer, which leaves it in the earlier one.

## Fix
`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, or
`_authToken=${NPM_TOKEN}` with the variable set only for that step.
Revoke the token.

## References
- Format: npm's `.npmrc` (https://docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration); no peer rule (pare)
"#,
    },
    title: "npm registry credential",
    origin: &["pare"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    matches!(file_name(path), ".npmrc" | "npmrc")
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)^\s*(?:[^\s=#;]*:)?(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"';#]+)"#)
        .expect("valid regex")
});

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
    fn finds_literal_credentials() {
        let rc =
            "registry=https://npm.example/\n//npm.example/:_authToken=Pare0Fleet7Gen9NotReal\n";
        assert_eq!(codes("root/.npmrc", rc), ["SEC011"]);
        let (_, e) = &scan("root/.npmrc", rc)[0];
        assert_eq!(e, "//npm.example/:_authToken=********");
        assert_eq!(
            codes("usr/etc/npmrc", "_auth = cGFyZTpmbGVldA==\n"),
            ["SEC011"]
        );
    }

    #[test]
    fn environment_references_and_other_files_are_not() {
        assert!(codes("app/.npmrc", "//npm.example/:_authToken=${NPM_TOKEN}\n").is_empty());
        assert!(codes("app/notes.txt", "_authToken=Pare0Fleet7Gen9NotReal\n").is_empty());
    }
}
