//! SEC007 stripe-secret-key.

use super::{known_prefix, regex_near, Rule};
use crate::entropy::shannon;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC007
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC007",
        name: "stripe-secret-key",
        summary: "A Stripe secret or restricted key is in the image",
        severity: Severity::Critical,
        peers: &["trivy:stripe-secret-token", "gitleaks:stripe-access-token"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds Stripe secret keys (`sk_live_`, `sk_test_`) and restricted keys
(`rk_live_`, `rk_test_`) followed by at least 10 alphanumerics, as whole
words, with at least 3 bits of entropy per character. Publishable keys
(`pk_`) are public by design and not reported.

## Why is this bad?
A live secret key moves money: charges, refunds, payouts. A test key
exposes the test account's data.

## Example
`STRIPE_API_KEY=sk_live_…` in a `.env` copied into the image.

## Fix
Inject the key at run time from a secret store. Roll the key in the Stripe
dashboard.

## References
- Format: Trivy `stripe-secret-token`, gitleaks `stripe-access-token`
- Stripe: https://docs.stripe.com/keys
"#,
    },
    title: "Stripe secret key",
    origin: &["trivy:stripe-secret-token", "gitleaks:stripe-access-token"],
    keywords: &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["sk_live_", "sk_test_", "rk_live_", "rk_test_"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)(?:^|[^A-Za-z0-9_])([sr]k_(?:live|test)_[0-9A-Za-z]{10,99})(?:[^A-Za-z0-9_]|$)",
    )
    .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| shannon(&data[r.start + 8..r.end]) >= 3.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_secret_keys_not_publishable_ones() {
        let k = "sk_live_PareFleet0Gen7NotReal4Kx9Qz";
        assert_eq!(codes("x", &format!("STRIPE_KEY={k}")), ["SEC007"]);
        let (_, e) = &scan("x", &format!("STRIPE_KEY={k}"))[0];
        assert_eq!(e, "STRIPE_KEY=sk_live_********");
        assert!(codes("x", &k.replace("sk_", "pk_")).is_empty());
        assert!(codes("x", "sk_test_xxxxxxxxxxxxxxxx").is_empty());
    }
}
