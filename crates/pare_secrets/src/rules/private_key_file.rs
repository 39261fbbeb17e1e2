//! SEC016 private-key-file.

use super::{file_name, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use std::ops::Range;

/// SEC016
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC016",
        name: "private-key-file",
        summary: "A file named like a private key (id_rsa, *.ppk) is in the image",
        severity: Severity::High,
        peers: &["gitleaks:private-key"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reports non-empty files named like SSH private keys — `id_rsa`, `id_dsa`,
`id_ecdsa`, `id_ed25519` and their `_sk` (security-key) forms — and PuTTY
keys (`*.ppk`), when no other rule recognised their contents (`SEC001`
finds PEM and OpenSSH keys by content, wherever they are). The whole file
is the secret; nothing of it is shown.

## Why is this bad?
A key in a format pare does not parse is still a key: the name is what
`ssh` and PuTTY look for.

## Example
`COPY deploy/id_rsa /root/.ssh/` with the key in an old or vendor format.

## Fix
Mount keys at build time with `RUN --mount=type=ssh`, at run time from a
secret. Remove the key from `authorized_keys` everywhere: it is published.

## References
- OpenSSH `ssh(1)` FILES; PuTTY `puttygen` key format; pare
"#,
    },
    title: "private key file",
    origin: &["pare"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    let n = file_name(path);
    matches!(
        n,
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
    ) || n.ends_with(".ppk")
}

/// The whole file, once (from its first line), if it has any content.
fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    if at == 0 && data.iter().any(|b| !b.is_ascii_whitespace()) {
        let end = memchr::memchr(b'\n', data).unwrap_or(data.len());
        std::iter::once(0..end.max(1).min(data.len())).collect()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn unrecognised_contents_under_a_key_name() {
        let ppk = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nPareFleetGen0NotReal\n";
        assert_eq!(codes("home/u/.ssh/deploy.ppk", ppk), ["SEC016"]);
        assert_eq!(scan("home/u/.ssh/deploy.ppk", ppk)[0].1, "********");
        assert!(codes("root/.ssh/id_rsa", "").is_empty());
        assert!(codes("root/.ssh/id_rsa.pub", "ssh-rsa AAAA x").is_empty());
    }
}
