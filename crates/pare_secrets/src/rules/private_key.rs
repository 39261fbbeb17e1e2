//! SEC001 private-key.

use super::{reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC001
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC001",
        name: "private-key",
        summary: "A private key (PEM or OpenSSH) is in the image",
        severity: Severity::High,
        peers: &["trivy:private-key", "gitleaks:private-key"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Finds private keys in PEM and OpenSSH form: a `-----BEGIN … PRIVATE KEY-----`
line (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP `PRIVATE KEY BLOCK`), at least
32 base64 characters of key material, and the matching `-----END` line. In
any file of any layer, including files a later layer deleted.

## Why is this bad?
Anyone who can pull the image has the key: a TLS server's identity, an SSH
login, a signing key. Deleting it in a later layer (`RUN rm`) does not
help: the layer that added it still ships it.

## Example
`COPY id_ed25519 /root/.ssh/` in a build stage that becomes the final image.

## Fix
Mount keys at run time (Kubernetes secrets, `docker run -v`), or use
`RUN --mount=type=secret` / `--mount=type=ssh` at build time, which never
writes the key into a layer. Then rotate the key: it has been published.

## References
- Format: RFC 7468 (PEM), OpenSSH `PROTOCOL.key`; Trivy `private-key`, gitleaks `private-key`
- Docker: https://docs.docker.com/build/building/secrets/
"#,
    },
    title: "private key",
    origin: &["trivy:private-key", "gitleaks:private-key"],
    keywords: &["-----BEGIN"],
    files: None,
    find,
    reveal: reveal_none,
};

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)\A-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY( BLOCK)?-----[ \t]*\r?\n((?s:.){0,16384}?)-----END[ A-Z0-9_-]{0,40}PRIVATE KEY( BLOCK)?-----",
    )
    .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    let end = (at + 17_000).min(data.len());
    let Some(c) = RE.captures(&data[at..end]) else {
        return Vec::new();
    };
    let Some(body) = c.get(2) else {
        return Vec::new();
    };
    let b64 = body
        .as_bytes()
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .count();
    // Documentation elides the body (`...`): at least 32 characters of key.
    if b64 < 32 {
        return Vec::new();
    }
    std::iter::once(at + body.start()..at + body.end()).collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    // A generated (never real, never used) Ed25519 key shape: random base64.
    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDx3V9PareFleetGeneratedNotARealKey0000000000000000000000000A\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn finds_pem_and_openssh_keys() {
        assert_eq!(codes("root/.ssh/id_ed25519", KEY), ["SEC001"]);
        let rsa = KEY.replace("OPENSSH", "RSA");
        assert_eq!(codes("etc/ssl/private/app.key", &rsa), ["SEC001"]);
    }

    #[test]
    fn the_excerpt_never_holds_key_material() {
        let (_, excerpt) = &scan("k.pem", KEY)[0];
        assert!(
            excerpt.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"),
            "{excerpt}"
        );
        assert!(!excerpt.contains("b3BlbnNz"), "{excerpt}");
        assert!(!excerpt.contains("Generated"), "{excerpt}");
    }

    #[test]
    fn public_keys_and_elided_examples_are_not_keys() {
        assert!(codes("a.pem", &KEY.replace("PRIVATE", "PUBLIC")).is_empty());
        let elided = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n";
        assert!(codes("README", elided).is_empty());
        assert!(codes("x", "-----BEGIN PRIVATE KEY-----\nno end line\n").is_empty());
    }
}
