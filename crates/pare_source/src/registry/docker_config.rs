//! Credentials from Docker's `config.json` (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`): `credHelpers` per host, then `auths`
//! (an `identitytoken`, else base64 `user:password` in `auth`), then the
//! default `credsStore`. Helpers are run as `docker-credential-<name> get`
//! with the host on stdin, as Docker does; a helper that answers with the
//! user name `<token>` gives an identity token. An identity token is used
//! for the OAuth2 refresh-token flow ([`super::auth`]), as Docker does
//! (Azure Container Registry's `az acr login` writes one).

use super::auth::Credentials;
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The keys Docker Hub credentials are stored under.
const HUB_KEYS: &[&str] = &[
    "https://index.docker.io/v1/",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    /// An OAuth2 refresh token (`docker login` against ACR and other
    /// OAuth2 registries); preferred over `auth`, as Docker does.
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperReply {
    username: String,
    secret: String,
}

fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// Strip a scheme and path from an `auths` key (`https://host/v1/` → `host`).
fn key_host(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

/// Credentials for `registry` (as written in the reference), or `None`.
///
/// A broken config file or failing helper is not fatal: the pull goes on
/// anonymously and the registry's 401 names the reference.
pub(crate) fn lookup(registry: &str) -> Option<Credentials> {
    let path = config_path()?;
    let bytes = std::fs::read(&path).ok()?;
    let cfg: ConfigFile = serde_json::from_slice(&bytes).ok()?;
    lookup_in(&cfg, registry, &run_helper)
}

fn lookup_in(
    cfg: &ConfigFile,
    registry: &str,
    helper: &dyn Fn(&str, &str) -> Option<Credentials>,
) -> Option<Credentials> {
    let hub = registry == super::reference::DOCKER_HUB;
    let keys: Vec<&str> = if hub {
        HUB_KEYS.to_vec()
    } else {
        vec![registry]
    };
    for k in &keys {
        if let Some(h) = cfg.cred_helpers.get(*k) {
            return helper(h, if hub { HUB_KEYS[0] } else { k });
        }
    }
    for (key, entry) in &cfg.auths {
        if keys.iter().any(|k| key == k || key_host(key) == *k) {
            if let Some(c) = decode_entry(entry) {
                return Some(c);
            }
        }
    }
    let store = cfg.creds_store.as_deref()?;
    helper(store, if hub { HUB_KEYS[0] } else { registry })
}

fn decode_entry(e: &AuthEntry) -> Option<Credentials> {
    if let Some(t) = e.identitytoken.as_deref().filter(|t| !t.trim().is_empty()) {
        return Some(Credentials::Basic {
            username: super::auth::IDENTITY_TOKEN_USER.to_string(),
            password: t.trim().to_string(),
        });
    }
    if let Some(a) = e.auth.as_deref().filter(|a| !a.is_empty()) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (u, p) = text.split_once(':')?;
        return Some(Credentials::Basic {
            username: u.to_string(),
            password: p.to_string(),
        });
    }
    match (&e.username, &e.password) {
        (Some(u), Some(p)) => Some(Credentials::Basic {
            username: u.clone(),
            password: p.clone(),
        }),
        _ => None,
    }
}

/// Run `docker-credential-<name> get` with `server` on stdin.
fn run_helper(name: &str, server: &str) -> Option<Credentials> {
    if !name
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return None;
    }
    let mut child = Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let reply: HelperReply = serde_json::from_slice(&out.stdout).ok()?;
    Some(Credentials::Basic {
        username: reply.username,
        password: reply.secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> ConfigFile {
        serde_json::from_str(json).unwrap()
    }

    fn basic(c: Option<Credentials>) -> Option<(String, String)> {
        match c? {
            Credentials::Basic { username, password } => Some((username, password)),
            Credentials::Anonymous => None,
        }
    }

    #[test]
    fn auths_base64_and_hub_key() {
        // "pare:s3cret" in base64.
        let c = cfg(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"cGFyZTpzM2NyZXQ="},
                        "localhost:5443":{"auth":"dTpwOnE="}}}"#,
        );
        let none = |_: &str, _: &str| None;
        assert_eq!(
            basic(lookup_in(&c, "docker.io", &none)),
            Some(("pare".into(), "s3cret".into()))
        );
        assert_eq!(
            basic(lookup_in(&c, "localhost:5443", &none)),
            Some(("u".into(), "p:q".into()))
        );
        assert!(lookup_in(&c, "ghcr.io", &none).is_none());
    }

    /// ACR's `az acr login` shape: a placeholder user in `auth` and the
    /// refresh token in `identitytoken`, which wins.
    #[test]
    fn identity_token_entries() {
        let c = cfg(
            r#"{"auths":{"pare.azurecr.io":{"auth":"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==",
                        "identitytoken":"eyJhbGciOiJSUzI1NiJ9.refresh"}}}"#,
        );
        let none = |_: &str, _: &str| None;
        let got = lookup_in(&c, "pare.azurecr.io", &none).unwrap();
        assert_eq!(got.identity_token(), Some("eyJhbGciOiJSUzI1NiJ9.refresh"));
    }

    #[test]
    fn helpers_win_and_get_the_host() {
        let c = cfg(
            r#"{"auths":{"ghcr.io":{"auth":"dTpw"}},"credsStore":"desktop",
                        "credHelpers":{"ghcr.io":"gh"}}"#,
        );
        let h = |name: &str, host: &str| {
            Some(Credentials::Basic {
                username: name.to_string(),
                password: host.to_string(),
            })
        };
        assert_eq!(
            basic(lookup_in(&c, "ghcr.io", &h)),
            Some(("gh".into(), "ghcr.io".into()))
        );
        assert_eq!(
            basic(lookup_in(&c, "quay.io", &h)),
            Some(("desktop".into(), "quay.io".into()))
        );
        assert_eq!(
            basic(lookup_in(&c, "docker.io", &h)),
            Some(("desktop".into(), "https://index.docker.io/v1/".into()))
        );
    }
}
