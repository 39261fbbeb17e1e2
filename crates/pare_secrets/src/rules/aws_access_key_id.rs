//! SEC002 aws-access-key-id.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC002
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC002",
        name: "aws-access-key-id",
        summary: "An AWS access key ID is in the image",
        severity: Severity::Critical,
        peers: &["trivy:aws-access-key-id", "gitleaks:aws-access-token"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds AWS access key IDs: `AKIA` (long-term), `ASIA` (temporary) and the
other IAM unique-ID prefixes (`AGPA`, `AIDA`, `AROA`, `AIPA`, `ANPA`,
`ANVA`, `A3T…`) followed by 16 upper-case letters or digits, as a whole
word, with at least 3 bits of entropy per character (gitleaks' threshold).
AWS's documentation example `AKIAIOSFODNN7EXAMPLE` and any ID ending in
`EXAMPLE` are allowed.

## Why is this bad?
An access key ID is half of a credential, and the other half
(`aws_secret_access_key`) is rarely far away: in the same file, env or
build step.

## Example
`ENV AWS_ACCESS_KEY_ID=AKIA…` in a Dockerfile.

## Fix
Give the workload a role (IRSA, ECS task roles, instance profiles) instead
of keys; at build time use `RUN --mount=type=secret`. Deactivate the key in
IAM: it has been published.

## References
- Format: Trivy `aws-access-key-id`, gitleaks `aws-access-token`
- AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
"#,
    },
    title: "AWS access key ID",
    origin: &["trivy:aws-access-key-id", "gitleaks:aws-access-token"],
    keywords: &[
        "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "A3T",
    ],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(
        s,
        &[
            "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA",
        ],
    )
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:^|[^A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16})(?:[^A-Za-z0-9]|$)")
        .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| shannon(&data[r.clone()]) >= 3.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_key_ids_as_words() {
        assert_eq!(
            codes("app/.env", "AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n"),
            ["SEC002"]
        );
        assert_eq!(
            codes("x.json", r#"{"id": "ASIAQ7PARE4TESTW6ZK2"}"#),
            ["SEC002"]
        );
        assert!(
            codes("x", "XAKIAQ7PARE4TESTW6ZK2").is_empty(),
            "inside a word"
        );
        assert!(codes("x", "AKIAQ7PARE4TESTW6ZK2X").is_empty(), "too long");
        assert!(codes("x", "AKIAAAAAAAAAAAAAAAAA").is_empty(), "no entropy");
    }

    #[test]
    fn documentation_examples_are_allowed() {
        assert!(codes("README", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE").is_empty());
    }

    #[test]
    fn redacted_to_the_prefix() {
        let (_, e) = &scan("app/.env", "AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n")[0];
        assert_eq!(e, "AWS_ACCESS_KEY_ID=AKIA********");
    }
}
