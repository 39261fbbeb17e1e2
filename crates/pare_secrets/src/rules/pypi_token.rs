//! SEC009 pypi-upload-token.

use super::{known_prefix, regex_near, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC009
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC009",
        name: "pypi-upload-token",
        summary: "A PyPI upload token is in the image",
        severity: Severity::High,
        peers: &["trivy:pypi-upload-token", "gitleaks:pypi-upload-token"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds PyPI and TestPyPI API tokens: `pypi-` followed by the macaroon's
fixed base64 start (`AgEIcHlwaS5vcmc`, "pypi.org"; `AgENdGVzdC5weXBpLm9yZw`,
"test.pypi.org") and at least 50 more characters of `[A-Za-z0-9_-]`.

## Why is this bad?
The token uploads releases of the owner's projects: a supply-chain attack.

## Example
`password = pypi-AgEIcHlwaS5vcmc…` in a `.pypirc` (also `SEC012`).

## Fix
Use trusted publishing (OIDC) from CI, or mount the token with
`RUN --mount=type=secret`. Revoke it on pypi.org.

## References
- Format: Trivy `pypi-upload-token`, gitleaks `pypi-upload-token`
- PyPI: https://pypi.org/help/#apitoken
"#,
    },
    title: "PyPI upload token",
    origin: &["trivy:pypi-upload-token", "gitleaks:pypi-upload-token"],
    keywords: &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
    files: None,
    find,
    reveal,
};

fn reveal(s: &[u8]) -> usize {
    known_prefix(s, &["pypi-"])
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000})")
        .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_tokens() {
        let t = format!(
            "pypi-AgEIcHlwaS5vcmc{}",
            "PareFleetGen0NotReal7Kx9Qz".repeat(3)
        );
        assert_eq!(codes("x", &format!("password = {t}")), ["SEC009"]);
        let (_, e) = &scan("x", &format!("TWINE_PASSWORD={t}"))[0];
        assert_eq!(e, "TWINE_PASSWORD=pypi-********");
        assert!(codes("x", "pypi-AgEIcHlwaS5vcmc").is_empty());
    }
}
