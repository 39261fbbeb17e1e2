//! Redaction: what pare prints instead of a secret.
//!
//! A secret is replaced by at most its *public* prefix — the part its
//! format fixes for every key (`AKIA`, `ghp_`, `sk_live_`), which names the
//! kind but carries no secret bits — followed by eight `*`, whatever its
//! length, so that not even the length is told. Around it, an excerpt
//! keeps the text that says what the value is (`aws_secret_access_key =`),
//! and masks every other token that looks random (a second key on the same
//! line).

use crate::entropy::shannon;

/// What replaces the secret part of a value.
pub const MASK: &str = "********";

/// `secret` redacted, revealing its first `reveal` bytes (its public
/// prefix; clamped to a quarter of the value, so a short value shows
/// nothing of itself).
#[must_use]
pub fn redact(secret: &[u8], reveal: usize) -> String {
    let reveal = if secret.len() >= 16 {
        reveal.min(secret.len() / 4 + 8).min(secret.len() - 8)
    } else {
        0
    };
    let mut out = String::from_utf8_lossy(&secret[..reveal]).into_owned();
    out.push_str(MASK);
    out
}

/// Whether a token looks random enough to be a credential: long, mixing
/// digits and letters or both cases, and not a plain word.
fn looks_random(t: &[u8]) -> bool {
    if t.len() < 12 {
        return false;
    }
    let digit = t.iter().any(u8::is_ascii_digit);
    let alpha = t.iter().any(u8::is_ascii_alphabetic);
    let upper = t.iter().any(u8::is_ascii_uppercase);
    let lower = t.iter().any(u8::is_ascii_lowercase);
    ((digit && alpha) || (upper && lower)) && shannon(t) >= 3.0
}

fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-' | b'.')
}

/// `text` with every random-looking token masked: for excerpt context
/// around a secret that was already cut out, and for config strings shown
/// in reports (history, labels).
#[must_use]
pub fn mask_random(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if token_byte(text[i]) {
            let start = i;
            while i < text.len() && token_byte(text[i]) {
                i += 1;
            }
            let t = &text[start..i];
            if looks_random(t) {
                out.extend_from_slice(MASK.as_bytes());
            } else {
                out.extend_from_slice(t);
            }
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with every secret any rule finds in it redacted — the content
/// rules' matches and the values of credential-named assignments
/// (`DB_PASSWORD=…`, `--build-arg`s recorded as `|1 NPM_TOKEN=…`) — and
/// nothing else changed: safe to print where the text itself is the
/// point (a `history` line, a label, a command line).
#[must_use]
pub fn redact_text(text: &str) -> String {
    let data = text.as_bytes();
    let mut spans = crate::scan::engine().find_all(data);
    spans.extend(
        crate::config::named_values(text)
            .into_iter()
            .map(|r| (r, 0)),
    );
    spans.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::new();
    let mut at = 0;
    for (s, reveal) in spans {
        if s.start < at {
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&data[at..s.start]));
        out.push_str(&redact(&data[s.clone()], reveal));
        at = s.end;
    }
    out.push_str(&String::from_utf8_lossy(&data[at..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_all_but_the_public_prefix() {
        assert_eq!(redact(b"AKIAQ7PARE4TESTW6ZK2", 4), "AKIA********");
        assert_eq!(redact(b"hunter2", 4), "********", "short: nothing shown");
        let r = redact(b"q8Vd2fPareFleetTestOnly0nlyNotReal7xKz3W", 0);
        assert_eq!(r, "********");
    }

    #[test]
    fn random_tokens_are_masked_words_kept() {
        let m =
            mask_random(b"aws_secret_access_key = q8Vd2fPareFleetTestOnly0nlyNotReal7xKz3W # prod");
        assert_eq!(m, "aws_secret_access_key = ******** # prod");
        assert_eq!(
            mask_random(b"RUN apt-get install -y curl"),
            "RUN apt-get install -y curl"
        );
    }

    #[test]
    fn text_keeps_everything_but_the_secrets() {
        let pip = "RUN pip install flask==3.0.3 requests==2.31.0 /usr/lib/python3.11";
        assert_eq!(redact_text(pip), pip);
        assert_eq!(
            redact_text("RUN |2 NPM_TOKEN=Pare0Fleet7Gen9NotReal MODE=prod /bin/sh -c npm ci"),
            "RUN |2 NPM_TOKEN=******** MODE=prod /bin/sh -c npm ci"
        );
        assert_eq!(
            redact_text("--token=ghp_PareFleet0Generated9NotReal4u7Kx2QmZ --verbose"),
            "--token=ghp_******** --verbose"
        );
    }
}
