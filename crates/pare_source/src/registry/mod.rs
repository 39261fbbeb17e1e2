//! Images straight from a registry, over the OCI distribution API.
//!
//! The root document is the manifest or index the registry returns for
//! the reference. It is fetched once, its digest checked against the
//! reference digest (for `@sha256:` references) and `Docker-Content-Digest`,
//! and presented to `pare_image` as a one-entry OCI index that points at it,
//! so the same walk (platform selection, digest checks of every manifest
//! and config) runs as for an OCI layout. Documents an index refers to are
//! fetched from `/manifests/`, everything else from `/blobs/`; blob bodies
//! are handed to the layer pipeline as HTTP body readers, never written to
//! disk, and `pare_image` verifies their digests while it streams them.
//!
//! ## Why `ureq` and not `oci-client`
//! pare's pipeline is synchronous and pulls bytes through `Read`.
//! `oci-client` is async (tokio + reqwest) and its blob API pushes into an
//! `AsyncWrite`, so using it would need a runtime plus a channel bridge to
//! turn pushes back into a `Read`, and twice the dependencies. The part of
//! the distribution API an image read needs is small (manifests, blobs,
//! the token flow), and `ureq` (sync, rustls, webpki roots) covers it with
//! a body reader that is already a `Read`.
//!
//! Limits: documents are capped at [`crate::MAX_DOCUMENT_BYTES`]; requests
//! answered with 429 or 5xx (or failing to connect) are tried at most
//! [`MAX_TRIES`] times, sleeping at most [`RETRY_BUDGET`] in total, honouring
//! `Retry-After`. A blob that fails mid-stream is an error, not retried.
//!
//! One file (about 710 lines of code) for the client: the auth dance, retries
//! and the blob/manifest fetches share one connection and token state;
//! reference parsing and the credential store are separate modules.

pub mod auth;
mod docker_config;
pub mod reference;

pub use auth::Credentials;
pub use reference::Reference;

use crate::{read_capped, BlobLocation, Digest, Error, Result, Root, Source, SourceKind};
use auth::Challenge;
use std::collections::HashSet;
use std::fmt;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Media types pare accepts for the manifests endpoint. Registry 2.8
/// answers 404 (not 406) when the OCI types are missing, so all four are
/// always sent.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

use crate::http::Attempt;
pub use crate::http::{MAX_TRIES, RETRY_BUDGET};

/// How to reach registries: from the command line.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RegistryOptions {
    /// PEM file of CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// Hosts (`host` or `host:port`) spoken to over plain HTTP.
    pub insecure_registries: Vec<String>,
    /// User name (with `password`), overriding Docker's `config.json`.
    pub username: Option<String>,
    /// Password or token (from `--password-stdin`).
    pub password: Option<String>,
}

impl fmt::Debug for RegistryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryOptions")
            .field("ca_file", &self.ca_file)
            .field("insecure_registries", &self.insecure_registries)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl RegistryOptions {
    fn is_insecure(&self, registry: &str) -> bool {
        let host = registry
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|c| c.is_ascii_digit()))
            .map_or(registry, |(h, _)| h);
        self.insecure_registries
            .iter()
            .any(|h| h == registry || h == host)
    }
}

/// A small HTTP client bound to one repository: auth state and retries.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    reference: Reference,
    credentials: Credentials,
    authorization: Mutex<Option<String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("reference", &self.reference)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// A fetched manifest or index.
#[derive(Debug, Clone)]
pub struct ManifestDocument {
    /// Its bytes, as served.
    pub bytes: Vec<u8>,
    /// Its media type (`Content-Type`, else the document's `mediaType`).
    pub media_type: String,
    /// The digest of the bytes (checked against `Docker-Content-Digest`).
    pub digest: Digest,
}

impl Client {
    /// A client for the repository of `reference`.
    ///
    /// # Errors
    /// An unreadable or empty `--ca-file`.
    pub fn new(reference: &Reference, opts: &RegistryOptions) -> Result<Self> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = &opts.ca_file {
            let pem = std::fs::read(path).map_err(|source| Error::Io {
                what: path.display().to_string(),
                source,
            })?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::WrongKind {
                    path: path.display().to_string(),
                    kind: "CA file",
                    reason: "no PEM certificate in it".into(),
                });
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .http_status_as_error(false)
            .user_agent(concat!("pare/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            // Each connection reads the socket (and, over TLS, the
            // decrypted stream) in 512 KiB instead of ureq's 128 KiB: fewer
            // reads and wake-ups per blob. Interleaved runs of `fat` over
            // TLS: 1.5-4.7 % faster, about 1 MiB more per connection.
            .input_buffer_size(512 * 1024)
            .build()
            .into();
        let scheme = if opts.is_insecure(&reference.registry) {
            "http"
        } else {
            "https"
        };
        let credentials = match (&opts.username, &opts.password) {
            (Some(u), Some(p)) => Credentials::Basic {
                username: u.clone(),
                password: p.clone(),
            },
            _ => docker_config::lookup(&reference.registry).unwrap_or(Credentials::Anonymous),
        };
        Ok(Self {
            agent,
            base: format!("{scheme}://{}", reference.api_host()),
            reference: reference.clone(),
            credentials,
            authorization: Mutex::new(None),
        })
    }

    fn err(&self, what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Registry {
            reference: self.reference.name(),
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// `GET` (or `HEAD`) `/v2/<repo>/<path>`, authenticating on a 401 and
    /// retrying 429, 5xx and connection failures. Only 2xx comes back.
    fn request(
        &self,
        head: bool,
        path: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}/v2/{}/{path}", self.base, self.reference.repository);
        let mut authenticated = false;
        crate::http::retrying(
            |tries| {
                let mut req = if head {
                    self.agent.head(&url)
                } else {
                    self.agent.get(&url)
                };
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                let auth = self.lock_auth().clone();
                if let Some(a) = auth {
                    req = req.header("Authorization", a);
                }
                match req.call() {
                    Err(e) if crate::http::is_transient(&e) => Attempt::Retry {
                        after: None,
                        last: self.err(what, transport_reason(&e, &self.base)),
                    },
                    Err(e) => Attempt::Fail(self.err(what, transport_reason(&e, &self.base))),
                    Ok(resp) => match resp.status().as_u16() {
                        200..=299 => Attempt::Done(resp),
                        // The challenge answered is not an attempt.
                        401 if !authenticated => {
                            authenticated = true;
                            match self.authenticate(&resp, what) {
                                Ok(()) => Attempt::Again,
                                Err(e) => Attempt::Fail(e),
                            }
                        }
                        429 | 500..=599 => Attempt::Retry {
                            after: crate::http::retry_after(&resp),
                            last: self.status_error(resp, what, tries),
                        },
                        _ => Attempt::Fail(self.status_error(resp, what, tries)),
                    },
                }
            },
            |tries, slept, _| {
                self.err(
                    what,
                    format!(
                        "the registry is unavailable: still failing after {tries} tries and {}s of waiting",
                        slept.as_secs()
                    ),
                )
            },
        )
    }

    fn lock_auth(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answer a 401: basic credentials, or a bearer token from the realm.
    fn authenticate(&self, resp: &ureq::http::Response<ureq::Body>, what: &str) -> Result<()> {
        let challenge = resp
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(auth::parse_challenge)
            .next();
        match challenge {
            Some(Challenge::Basic) => match self.credentials.basic_header() {
                Some(h) => {
                    *self.lock_auth() = Some(h);
                    Ok(())
                }
                None => Err(self.err(what, self.unauthorized_reason())),
            },
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let token = self.fetch_token(&realm, service.as_deref(), scope.as_deref(), what)?;
                *self.lock_auth() = Some(format!("Bearer {token}"));
                Ok(())
            }
            None => Err(self.err(what, self.unauthorized_reason())),
        }
    }

    fn unauthorized_reason(&self) -> String {
        match &self.credentials {
            Credentials::Anonymous => format!(
                "authentication required (401); log in with `docker login {}` or pass `--username` and `--password-stdin`",
                self.reference.registry
            ),
            Credentials::Basic { username, .. } => {
                format!("authentication failed (401): the registry rejected the password for user `{username}`")
            }
        }
    }

    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        what: &str,
    ) -> Result<String> {
        if !(realm.starts_with("https://")
            || (realm.starts_with("http://") && self.base.starts_with("http://")))
        {
            return Err(self.err(what, format!("refusing token realm `{realm}` (not https)")));
        }
        let default_scope = format!("repository:{}:pull", self.reference.repository);
        let scope = scope.unwrap_or(&default_scope);
        let sent = if let Some(rt) = self.credentials.identity_token() {
            // OAuth2 refresh-token grant (see auth.rs)
            self.agent
                .post(realm)
                .send_form(auth::refresh_form(rt, service, scope))
        } else {
            let mut url = format!(
                "{realm}{}scope={}",
                if realm.contains('?') { '&' } else { '?' },
                auth::query_escape(scope)
            );
            if let Some(s) = service {
                url.push_str(&format!("&service={}", auth::query_escape(s)));
            }
            let mut req = self.agent.get(&url);
            if let Some(h) = self.credentials.basic_header() {
                req = req.header("Authorization", h);
            }
            req.call()
        };
        let resp = sent.map_err(|e| {
            self.err(
                what,
                format!("token request: {}", transport_reason(&e, realm)),
            )
        })?;
        match resp.status().as_u16() {
            200..=299 => {}
            401 | 403 => return Err(self.err(what, self.unauthorized_reason())),
            s => return Err(self.err(what, format!("token request failed ({s})"))),
        }
        let body = read_capped(resp.into_body().into_reader(), 1 << 20, || "token".into())
            .map_err(|_| self.err(what, "unreadable token reply"))?;
        let reply: auth::TokenReply = serde_json::from_slice(&body)
            .map_err(|_| self.err(what, "the token reply is not JSON"))?;
        reply
            .token
            .or(reply.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.err(what, "the token reply has no token"))
    }

    fn status_error(
        &self,
        resp: ureq::http::Response<ureq::Body>,
        what: &str,
        tries: u32,
    ) -> Error {
        let status = resp.status().as_u16();
        let detail = read_capped(resp.into_body().into_reader(), 64 * 1024, String::new)
            .ok()
            .and_then(|b| registry_error_detail(&b))
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let reason = match status {
            401 => self.unauthorized_reason(),
            403 => format!("access denied (403){detail}"),
            404 => format!("not found (404){detail}"),
            429 => format!("too many requests (429), still refused after {tries} tries"),
            500..=599 => {
                format!("server error ({status}), still failing after {tries} tries{detail}")
            }
            s => format!("unexpected HTTP status {s}{detail}"),
        };
        self.err(what, reason)
    }

    /// Fetch a manifest or index by tag or digest, checking its digest
    /// against `Docker-Content-Digest` and against `expected`.
    ///
    /// # Errors
    /// HTTP errors, oversized or mismatching documents.
    pub fn manifest(&self, reference: &str, expected: Option<&Digest>) -> Result<ManifestDocument> {
        let what = format!("manifest `{reference}`");
        let resp = self.request(
            false,
            &format!("manifests/{reference}"),
            Some(MANIFEST_ACCEPT),
            &what,
        )?;
        let header_digest = header(&resp, "docker-content-digest");
        let content_type = header(&resp, "content-type")
            .map(|c| c.split(';').next().unwrap_or("").trim().to_string());
        let bytes = read_capped(
            resp.into_body().into_reader(),
            crate::MAX_DOCUMENT_BYTES,
            || what.clone(),
        )
        .map_err(|e| self.err(&what, e.to_string()))?;
        let algorithm = expected.map_or(crate::Algorithm::Sha256, Digest::algorithm);
        let digest = digest_of(&bytes, algorithm);
        if let Some(e) = expected {
            if *e != digest {
                return Err(self.err(
                    &what,
                    format!("manifest digest mismatch: asked for `{e}`, content is `{digest}`"),
                ));
            }
        }
        if let Some(h) = header_digest.and_then(|h| h.parse::<Digest>().ok()) {
            if h.algorithm() == algorithm && h != digest {
                return Err(self.err(
                    &what,
                    format!("manifest digest mismatch: `Docker-Content-Digest` is `{h}`, content is `{digest}`"),
                ));
            }
        }
        let known = |t: &str| INDEX_TYPES.contains(&t) || MANIFEST_TYPES.contains(&t);
        let media_type = match content_type.filter(|t| known(t)) {
            Some(t) => t,
            None => {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct Typed {
                    media_type: Option<String>,
                }
                let declared = serde_json::from_slice::<Typed>(&bytes)
                    .ok()
                    .and_then(|t| t.media_type)
                    .unwrap_or_default();
                if !known(&declared) {
                    return Err(self.err(
                        &what,
                        format!(
                            "unsupported manifest media type `{}` (pare reads OCI and Docker v2 schema 2 images)",
                            if declared.is_empty() { "unknown" } else { &declared }
                        ),
                    ));
                }
                declared
            }
        };
        Ok(ManifestDocument {
            bytes,
            media_type,
            digest,
        })
    }

    /// The digest a tag resolves to (`HEAD`, `Docker-Content-Digest`),
    /// falling back to fetching the manifest when the header is absent.
    ///
    /// # Errors
    /// HTTP errors.
    pub fn resolve(&self, reference: &str) -> Result<Digest> {
        let what = format!("manifest `{reference}`");
        let resp = self.request(
            true,
            &format!("manifests/{reference}"),
            Some(MANIFEST_ACCEPT),
            &what,
        )?;
        match header(&resp, "docker-content-digest").and_then(|h| h.parse::<Digest>().ok()) {
            Some(d) => Ok(d),
            None => Ok(self.manifest(reference, None)?.digest),
        }
    }

    /// Stream a blob.
    ///
    /// # Errors
    /// HTTP errors.
    pub fn blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + 'static>> {
        let what = format!("blob `{digest}`");
        let resp = self.request(false, &format!("blobs/{digest}"), None, &what)?;
        let expected = header(&resp, "content-length").and_then(|l| l.trim().parse().ok());
        let reader = resp.into_body().into_reader();
        Ok(Box::new(BlobReader {
            inner: reader,
            what: format!("{what} of `{}`", self.reference.name()),
            read: 0,
            expected,
        }))
    }
}

/// Names the blob and repository in network I/O errors, and turns a body
/// that ends before its `Content-Length` into an error (not a short blob).
struct BlobReader<R> {
    inner: R,
    what: String,
    read: u64,
    expected: Option<u64>,
}

impl<R: Read> Read for BlobReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{}: connection lost while streaming ({e})", self.what),
            )
        })?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() {
            if let Some(len) = self.expected.filter(|len| self.read < *len) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: connection lost while streaming (after {} of {len} bytes)",
                        self.what, self.read
                    ),
                ));
            }
        }
        Ok(n)
    }
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn digest_of(bytes: &[u8], algorithm: crate::Algorithm) -> Digest {
    use sha2::Digest as _;
    match algorithm {
        crate::Algorithm::Sha256 => Digest::from_bytes(algorithm, &sha2::Sha256::digest(bytes)),
        crate::Algorithm::Sha512 => Digest::from_bytes(algorithm, &sha2::Sha512::digest(bytes)),
    }
}

/// The first `{"errors":[{"code","message"}]}` entry of a registry reply.
fn registry_error_detail(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let e: Errors = serde_json::from_slice(body).ok()?;
    let first = e.errors.into_iter().next()?;
    let text: String = format!("{} {}", first.code, first.message)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Some(text.trim().to_string())
}

fn transport_reason(e: &ureq::Error, target: &str) -> String {
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => format!(
            "TLS error talking to `{target}`: {e}; pass `--ca-file` for a private CA, or `--insecure-registry HOST` for plain HTTP"
        ),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => format!(
            "TLS error talking to `{target}`: {e}; pass `--ca-file` for a private CA, or `--insecure-registry HOST` for plain HTTP"
        ),
        ureq::Error::Io(_) if target.starts_with("https://") => format!(
            "cannot reach `{target}` over TLS: {e}; for a plain-HTTP registry pass `--insecure-registry {}`, for a private CA `--ca-file`",
            target.trim_start_matches("https://").split('/').next().unwrap_or(target)
        ),
        _ => format!("cannot reach `{target}`: {e}"),
    }
}

/// Collect the digests an index refers to: they are manifests (or nested
/// indexes), served from `/manifests/`, not `/blobs/`.
fn index_children(bytes: &[u8]) -> Vec<Digest> {
    #[derive(serde::Deserialize)]
    struct Idx {
        #[serde(default)]
        manifests: Vec<Desc>,
    }
    #[derive(serde::Deserialize)]
    struct Desc {
        digest: Digest,
    }
    serde_json::from_slice::<Idx>(bytes)
        .map(|i| i.manifests.into_iter().map(|d| d.digest).collect())
        .unwrap_or_default()
}

/// An image in a registry.
#[derive(Debug)]
pub struct Registry {
    name: String,
    reference: Reference,
    client: Client,
    root: ManifestDocument,
    manifests: Mutex<HashSet<Digest>>,
}

impl Registry {
    /// Fetch the manifest or index `reference` names.
    ///
    /// # Errors
    /// Bad CA file, HTTP and auth errors, digest mismatches.
    pub fn open(name: &str, reference: Reference, opts: &RegistryOptions) -> Result<Self> {
        let client = Client::new(&reference, opts)?;
        let root = client.manifest(&reference.manifest_ref(), reference.digest.as_ref())?;
        let mut manifests = HashSet::new();
        if INDEX_TYPES.contains(&root.media_type.as_str()) {
            manifests.extend(index_children(&root.bytes));
        }
        Ok(Self {
            name: name.to_string(),
            reference,
            client,
            root,
            manifests: Mutex::new(manifests),
        })
    }

    /// The reference.
    #[must_use]
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The fetched root document (manifest or index).
    #[must_use]
    pub fn root_document(&self) -> &ManifestDocument {
        &self.root
    }

    fn is_manifest(&self, d: &Digest) -> bool {
        self.manifests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(d)
    }
}

impl Source for Registry {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Registry
    }

    fn root(&self) -> Result<Root> {
        let mut entry = serde_json::json!({
            "mediaType": self.root.media_type,
            "digest": self.root.digest.to_string(),
            "size": self.root.bytes.len(),
        });
        if let Some(t) = &self.reference.tag {
            entry["annotations"] = serde_json::json!({ "org.opencontainers.image.ref.name": t });
        }
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [entry],
        });
        Ok(Root::OciIndex(
            serde_json::to_vec(&index).unwrap_or_default(),
        ))
    }

    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>> {
        let d = match loc {
            BlobLocation::Digest(d) => d,
            BlobLocation::Path(p) => {
                return Err(Error::Missing {
                    what: format!("{p} (a registry serves blobs by digest only)"),
                })
            }
        };
        if *d == self.root.digest {
            return Ok(Box::new(Cursor::new(self.root.bytes.clone())));
        }
        if self.is_manifest(d) {
            let doc = self.client.manifest(&d.to_string(), Some(d))?;
            if INDEX_TYPES.contains(&doc.media_type.as_str()) {
                self.manifests
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend(index_children(&doc.bytes));
            }
            return Ok(Box::new(Cursor::new(doc.bytes)));
        }
        self.client.blob(d)
    }

    fn size(&self, _loc: &BlobLocation) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_matches_host_or_host_port() {
        let o = RegistryOptions {
            insecure_registries: vec!["127.0.0.1".into(), "reg.local:5000".into()],
            ..RegistryOptions::default()
        };
        assert!(o.is_insecure("127.0.0.1:5000"));
        assert!(o.is_insecure("reg.local:5000"));
        assert!(!o.is_insecure("reg.local:5001"));
        assert!(!o.is_insecure("docker.io"));
    }

    #[test]
    fn options_debug_redacts_password() {
        let o = RegistryOptions {
            password: Some("s3cret".into()),
            ..RegistryOptions::default()
        };
        assert!(!format!("{o:?}").contains("s3cret"));
    }

    #[test]
    fn registry_error_detail_is_one_line() {
        let d = registry_error_detail(
            br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known\nto registry"}]}"#,
        )
        .unwrap();
        assert_eq!(d, "NAME_UNKNOWN repository name not knownto registry");
    }
}
