//! SEC006 slack-token.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC006
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC006",
        name: "slack-token",
        summary: "A Slack token or incoming-webhook URL is in the image",
        severity: Severity::High,
        peers: &[
            "trivy:slack-access-token",
            "trivy:slack-web-hook",
            "gitleaks:slack-bot-token",
        ],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds Slack tokens (`xoxb-` bot, `xoxp-` user, `xoxa-`, `xoxr-`, `xoxs-`
followed by at least 10 characters of `[0-9A-Za-z-]`) and incoming-webhook
URLs (`https://hooks.slack.com/services/T…/B…/…`), with at least 3 bits
of entropy per character.

## Why is this bad?
A bot or user token reads and posts in the workspace; a webhook posts as
the app to its channel (phishing from a trusted name).

## Example
`ENV SLACK_WEBHOOK=https://hooks.slack.com/services/T…/B…/…`

## Fix
Inject the token at run time from a secret store. Revoke it in Slack's
app settings.

## References
- Format: Trivy `slack-access-token`, `slack-web-hook`; gitleaks `slack-bot-token`
- Slack: https://api.slack.com/authentication/token-types
"#,
    },
    title: "Slack token",
    origin: &["trivy:slack-access-token", "trivy:slack-web-hook"],
    keywords: &[
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xoxr-",
        "xoxs-",
        "hooks.slack.com/services/",
    ],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(
        s,
        &[
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxr-",
            "xoxs-",
            "https://hooks.slack.com/services/",
        ],
    )
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)(?:^|[^A-Za-z0-9_-])(xox[baprs]-[0-9A-Za-z-]{10,250}|https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})(?:[^A-Za-z0-9_-]|$)",
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
    fn finds_tokens_and_webhooks() {
        let t = "xoxb-2718281828-3141592653-PareFleetGenNotReal7";
        assert_eq!(codes("x", &format!("SLACK_BOT_TOKEN={t}")), ["SEC006"]);
        let (_, e) = &scan("x", &format!("SLACK_BOT_TOKEN={t}"))[0];
        assert_eq!(e, "SLACK_BOT_TOKEN=xoxb-********");
        let hook = "https://hooks.slack.com/services/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";
        assert_eq!(codes("x", hook), ["SEC006"]);
        assert!(codes("x", "xoxb-xxxxxxxxxxxxxxxx").is_empty());
    }
}
