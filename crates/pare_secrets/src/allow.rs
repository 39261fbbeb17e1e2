//! The allow-list: findings that are known not to be secrets, dropped
//! before they are reported (and counted in the report by reason).
//!
//! Every entry is narrow: a value that documentation publishes as an
//! example, a placeholder, or a path where a package ships test fixtures,
//! and then only for the rules that fixture trips. Files an image's own
//! build adds elsewhere are never allowed by path. Entries found on the
//! fleet's real Debian, Python and Node images are marked as such.

/// Why the finding of rule `code` in `path` (without the leading `/`;
/// empty for config values) with secret bytes `secret` is not reported,
/// or `None` when it is.
#[must_use]
pub fn allowed(code: &str, path: &str, secret: &[u8]) -> Option<&'static str> {
    if let Some(r) = example_value(secret) {
        return Some(r);
    }
    if let Some(r) = placeholder(code, secret) {
        return Some(r);
    }
    package_fixture(code, path)
}

/// Values vendors publish in their documentation.
fn example_value(secret: &[u8]) -> Option<&'static str> {
    // AWS's documentation key pair (AKIAIOSFODNN7EXAMPLE /
    // wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) and gitleaks' allowance
    // for any key ending in EXAMPLE.
    let s = String::from_utf8_lossy(secret);
    (s.ends_with("EXAMPLE") || s.ends_with("EXAMPLEKEY")).then_some("documentation example value")
}

/// Placeholders where a value is expected (`.npmrc`, `.netrc`, config
/// rules): `changeme`, `xxxxxxxx`, `<password>`, `your-token`, `***`.
fn placeholder(code: &str, secret: &[u8]) -> Option<&'static str> {
    if !matches!(
        code,
        "SEC011" | "SEC012" | "SEC013" | "SEC014" | "SEC015" | "SEC017" | "SEC018" | "SEC019"
    ) {
        return None;
    }
    let s = String::from_utf8_lossy(secret).to_ascii_lowercase();
    let words = [
        "changeme",
        "change_me",
        "changeit",
        "password",
        "passwd",
        "secret",
        "example",
        "dummy",
        "placeholder",
        "redacted",
        "your_",
        "your-",
        "yourtoken",
        "xxxx",
        "****",
        "token_here",
    ];
    let same = s.bytes().all(|b| b == s.as_bytes()[0]);
    (same || words.iter().any(|w| s.contains(w)) || s.starts_with('<'))
        .then_some("placeholder value")
}

/// Test fixtures that Debian, Python and Node packages ship: test keys of
/// TLS and SSH libraries, JWT examples of JWT libraries. Only under the
/// package managers' own trees, only for private keys and JWTs.
fn package_fixture(code: &str, path: &str) -> Option<&'static str> {
    if !matches!(code, "SEC001" | "SEC010") {
        return None;
    }
    let managed = [
        "usr/lib/python3/dist-packages/",
        "usr/local/lib/python3.",
        "usr/lib/python3.",
        "usr/share/",
        "usr/lib/node_modules/",
    ];
    let in_tree = managed.iter().any(|m| path.starts_with(m)) || path.contains("/node_modules/");
    let test_dir = [
        "/test/",
        "/tests/",
        "/testing/",
        "/testdata/",
        "/test_data/",
        "/fixtures/",
        "/examples/",
        "/doc/",
    ]
    .iter()
    .any(|d| path.contains(d));
    (in_tree && test_dir).then_some("test fixture or example shipped by a package")
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn examples_placeholders_and_package_fixtures() {
        assert!(allowed("SEC002", "", b"AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(allowed("SEC003", "", b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_some());
        assert!(allowed("SEC013", "root/.netrc", b"changeme").is_some());
        assert!(allowed("SEC017", "", b"xxxxxxxx").is_some());
        assert!(allowed(
            "SEC001",
            "usr/lib/python3/dist-packages/foo/tests/key.pem",
            b"k"
        )
        .is_some());
        assert!(allowed("SEC001", "usr/lib/node_modules/x/test/fixtures/k.pem", b"k").is_some());
    }

    #[test]
    fn real_findings_are_never_allowed_by_path_outside_package_trees() {
        assert!(allowed("SEC001", "app/tests/key.pem", b"k").is_none());
        assert!(allowed("SEC001", "root/.ssh/id_ed25519", b"k").is_none());
        assert!(allowed(
            "SEC002",
            "usr/share/doc/x/examples/creds",
            b"AKIAQ7PARE4TESTW6ZK2"
        )
        .is_none());
        assert!(allowed("SEC013", "root/.netrc", b"Pare0Fleet7Gen9NotReal").is_none());
    }
}
