//! Registry authentication: `WWW-Authenticate` challenges, HTTP basic
//! auth, and the bearer-token flow (anonymous, with credentials, or with an
//! identity token through OAuth2's refresh-token grant). Credentials never
//! appear in `Debug` output or error messages.
//!
//! An identity token (`identitytoken` in Docker's `config.json`, as `docker
//! login` stores it for Azure Container Registry and other OAuth2
//! registries, or a credential helper's reply with the user name
//! `<token>`) is a long-lived refresh token: the registry's token endpoint
//! trades it for an access token when asked with a `POST` of
//! `grant_type=refresh_token` (the distribution spec's OAuth2 token flow,
//! <https://distribution.github.io/distribution/spec/auth/oauth/>). It is
//! kept as the password of the user `<token>`, Docker's own convention.

use base64::Engine as _;
use std::fmt;

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials: anonymous tokens only.
    Anonymous,
    /// A user name and password (or token).
    Basic {
        /// User name.
        username: String,
        /// Password or access token.
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
        }
    }
}

/// The user name Docker uses for an identity token (credential helpers
/// reply with it, and pare stores `identitytoken`s under it).
pub(crate) const IDENTITY_TOKEN_USER: &str = "<token>";

/// The `client_id` pare sends with the refresh-token grant.
pub(crate) const OAUTH_CLIENT_ID: &str = "pare";

impl Credentials {
    /// An identity token (an OAuth2 refresh token), when these are one.
    pub(crate) fn identity_token(&self) -> Option<&str> {
        match self {
            Credentials::Basic { username, password } if username == IDENTITY_TOKEN_USER => {
                Some(password)
            }
            _ => None,
        }
    }

    /// The `Authorization: Basic …` value, when there are credentials.
    pub(crate) fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
        }
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm=…`.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`.
    Bearer {
        /// Token endpoint URL.
        realm: String,
        /// `service` query parameter.
        service: Option<String>,
        /// `scope` query parameter.
        scope: Option<String>,
    },
}

/// Parse a challenge header. Unknown schemes yield `None`.
#[must_use]
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    Some(Challenge::Bearer {
        realm: get("realm")?,
        service: get("service"),
        scope: get("scope"),
    })
}

/// `k="v", k2=v2` pairs; quoted values may contain commas.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next().is_none() {
            return out;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => break,
                    _ => val.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_string(), val.trim().to_string()));
    }
}

/// The token endpoint's reply (`token` or OAuth's `access_token`).
#[derive(serde::Deserialize)]
pub(crate) struct TokenReply {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
}

/// The form fields of OAuth2's refresh-token grant for a registry's token
/// endpoint: `grant_type=refresh_token`, the token, the service, the scope
/// (several space-separated scopes are one field) and a client id.
pub(crate) fn refresh_form<'a>(
    refresh_token: &'a str,
    service: Option<&'a str>,
    scope: &'a str,
) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", OAUTH_CLIENT_ID),
        ("scope", scope),
    ];
    if let Some(s) = service {
        form.push(("service", s));
    }
    form
}

/// Percent-encode a query value.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull,push".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="pare-test""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn identity_tokens() {
        let c = Credentials::Basic {
            username: IDENTITY_TOKEN_USER.into(),
            password: "rt-123".into(),
        };
        assert_eq!(c.identity_token(), Some("rt-123"));
        assert!(!format!("{c:?}").contains("rt-123"));
        assert_eq!(
            refresh_form("rt-123", Some("reg.example"), "repository:a/b:pull"),
            [
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt-123"),
                ("client_id", "pare"),
                ("scope", "repository:a/b:pull"),
                ("service", "reg.example")
            ]
        );
        let basic = Credentials::Basic {
            username: "u".into(),
            password: "p".into(),
        };
        assert_eq!(basic.identity_token(), None);
    }

    #[test]
    fn debug_redacts_password() {
        let c = Credentials::Basic {
            username: "u".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(c.basic_header().unwrap(), "Basic dTpzM2NyZXQ=");
        assert_eq!(
            query_escape("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
