//! SEC010 jwt.

use super::{known_prefix, regex_near, Rule};
use base64::Engine as _;
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC010
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC010",
        name: "jwt",
        summary: "A JSON Web Token is in the image",
        severity: Severity::Medium,
        peers: &["trivy:jwt-token", "gitleaks:jwt"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds JSON Web Tokens: three base64url parts separated by dots, the first
two starting `eyJ` (`{"`), whose header decodes to a JSON object with an
`alg`. The decoding check is pare's: it drops the base64 blobs that only
look like tokens.

## Why is this bad?
A token is a bearer credential until it expires, and service-account or
API tokens often never do.

## Example
`ENV API_TOKEN=eyJhbGciOi…` or a Kubernetes service-account token copied
into the image.

## Fix
Fetch tokens at run time (projected service-account tokens, a secret
store). Revoke or rotate the token's signing key if it does not expire.

## References
- Format: RFC 7519; Trivy `jwt-token`, gitleaks `jwt`
"#,
    },
    title: "JSON Web Token",
    origin: &["trivy:jwt-token", "gitleaks:jwt"],
    keywords: &["eyJ"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["eyJ"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})(?:[^A-Za-z0-9_.-]|$)")
        .expect("valid regex")
});

/// The header part decodes to a JSON object naming an `alg`.
fn has_jwt_header(token: &[u8]) -> bool {
    let header = token.split(|&b| b == b'.').next().unwrap_or_default();
    let Ok(json) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json)
        .is_ok_and(|m| m.contains_key("alg"))
}

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
        .into_iter()
        .filter(|r| has_jwt_header(&data[r.clone()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    // {"alg":"HS256","typ":"JWT"} . {"sub":"pare-fleet","note":"generated"} . fake signature
    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwYXJlLWZsZWV0Iiwibm90ZSI6ImdlbmVyYXRlZCJ9.UGFyZUZsZWV0R2VuTm90UmVhbFNpZw";

    #[test]
    fn finds_tokens_with_a_jwt_header() {
        assert_eq!(
            codes("x", &format!("Authorization: Bearer {JWT}")),
            ["SEC010"]
        );
        let (_, e) = &scan("x", &format!("token={JWT}"))[0];
        assert_eq!(e, "token=eyJ********");
        // eyJ + base64 of {"a":1} (no alg): not a JWT header
        assert!(codes(
            "x",
            "eyJhIjoxfQxxxxxxxxxxxx.eyJhIjoxfQxxxxxxxxxxxx.abcdefghijklmnop"
        )
        .is_empty());
    }
}
