//! SEC003 aws-secret-access-key.

use super::{regex_near, reveal_none, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC003
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC003",
        name: "aws-secret-access-key",
        summary: "An AWS secret access key is in the image",
        severity: Severity::Critical,
        peers: &["trivy:aws-secret-access-key"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds AWS secret access keys: 40 base64 characters assigned to a name
like `aws_secret_access_key`, `AWS_SECRET_KEY` or `aws_secret` (with `=`,
`:` or `=>`, quoted or not: `~/.aws/credentials`, `.env`, YAML, JSON,
`ENV`), with at least 4 bits of entropy per character. The name is
required, as in Trivy's rule: 40 random characters alone are not
recognisably AWS's.

## Why is this bad?
With the key ID, it signs requests as that IAM user.

## Example
`~/.aws/credentials` copied into the image by `COPY . /app`.

## Fix
Use roles instead of keys; at build time `RUN --mount=type=secret`.
Deactivate the key in IAM.

## References
- Format: Trivy `aws-secret-access-key`
- AWS: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
"#,
    },
    title: "AWS secret access key",
    origin: &["trivy:aws-secret-access-key"],
    // What can follow `aws` in the regex: `[_]sec…`, `[_]access…`, `[_]key`.
    keywords: &[
        "aws_sec", "awssec", "aws_acc", "awsacc", "aws_key", "awskey", "AWS_SEC", "AWSSEC",
        "AWS_ACC", "AWSACC", "AWS_KEY", "AWSKEY", "Aws",
    ],
    files: None,
    find,
    reveal: reveal_none,
};

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i-u)aws_?(?:sec(?:ret)?)?_?(?:access)?_?key["']?\s*(?::|=>|=)\s*["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#,
    )
    .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| shannon(&data[r.clone()]) >= 4.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    const SECRET: &str = "q8Vd2fPareFleetTestOnly0nlyNotReal7xKz3W";

    #[test]
    fn finds_assigned_secrets() {
        let creds = format!("[default]\naws_access_key_id = AKIAQ7PARE4TESTW6ZK2\naws_secret_access_key = {SECRET}\n");
        assert_eq!(codes("root/.aws/credentials", &creds), ["SEC002", "SEC003"]);
        assert_eq!(
            codes("a.yaml", &format!("AWS_SECRET_KEY: \"{SECRET}\"")),
            ["SEC003"]
        );
        assert_eq!(
            codes("env", &format!("AWS_SECRET_ACCESS_KEY={SECRET}")),
            ["SEC003"]
        );
    }

    #[test]
    fn needs_the_name_and_entropy() {
        assert!(codes("x", &format!("checksum = {SECRET}")).is_empty());
        let low = "aws_secret_access_key = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert!(codes("x", low).is_empty());
    }

    #[test]
    fn fully_redacted() {
        let (_, e) = &scan("env", &format!("aws_secret_access_key = {SECRET}"))[0];
        assert_eq!(e, "aws_secret_access_key = ********");
    }
}
