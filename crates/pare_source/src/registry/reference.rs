//! Image references as the distribution spec and Docker write them:
//! `[host[:port]/]path[:tag][@algorithm:hex]`, with Docker Hub defaults
//! (`alpine` is `docker.io/library/alpine:latest`, served by
//! `registry-1.docker.io`).

use crate::Digest;
use std::fmt;

/// Host that names Docker Hub in references.
pub const DOCKER_HUB: &str = "docker.io";
/// Host that serves Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host as written (`localhost:5000`, `docker.io`).
    pub registry: String,
    /// Repository path (`library/alpine`).
    pub repository: String,
    /// Tag, when given (or `latest` when neither tag nor digest is).
    pub tag: Option<String>,
    /// Digest, when given.
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parse a reference.
    ///
    /// # Errors
    /// A reason, when the text is not a valid reference.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.len() > 4096 {
            return Err("empty or overlong reference".into());
        }
        // The workspace's one reference parser (Docker Hub defaults, a `:`
        // before the last `/` is a port); this type adds the distribution
        // spec's validation and a typed digest for the wire.
        let name = pare_findings::ImageName::parse(text).ok_or_else(|| {
            "not an image reference (`[host[:port]/]path[:tag][@digest]`)".to_string()
        })?;
        let digest = name
            .digest
            .as_deref()
            .map(|d| d.parse::<Digest>().map_err(|e| e.to_string()))
            .transpose()?;
        if let Some(t) = &name.tag {
            if !valid_tag(t) {
                return Err(format!("invalid tag `{t}`"));
            }
        }
        let registry = name.registry().to_string();
        if !valid_host(&registry) {
            return Err(format!("invalid registry host `{registry}`"));
        }
        let repository = name.path;
        if !valid_path(&repository) {
            return Err(format!(
                "invalid repository `{repository}` (lower-case letters, digits and `._-/`)"
            ));
        }
        let tag = if name.tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            name.tag
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host the API is served from (`registry-1.docker.io` for Docker Hub).
    #[must_use]
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// The tag or digest to ask the manifests endpoint for (digest wins).
    #[must_use]
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }

    /// `host/repository` without tag or digest.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn valid_host(h: &str) -> bool {
    let (host, port) = match h.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || h.starts_with('[') => (host, Some(port)),
        _ => (h, None),
    };
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        v6.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-')
            })
    };
    host_ok
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit()))
}

/// Path components: `[a-z0-9]+` joined by `.`, `_`, `__` or `-` runs.
fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 255
        && p.split('/').all(|comp| {
            let b = comp.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
                && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
                && b.iter().all(|&c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
                })
                && !comp.contains("..")
                && !comp.contains("___")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }

    #[test]
    fn docker_hub_defaults() {
        let a = r("alpine");
        assert_eq!(a.registry, "docker.io");
        assert_eq!(a.api_host(), "registry-1.docker.io");
        assert_eq!(a.repository, "library/alpine");
        assert_eq!(a.tag.as_deref(), Some("latest"));
        assert_eq!(a.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r("bitnami/redis:7").repository, "bitnami/redis");
        assert_eq!(r("index.docker.io/library/debian:12").registry, "docker.io");
    }

    #[test]
    fn hosts_ports_tags_digests() {
        let x = r("localhost:5000/pare/x:v1");
        assert_eq!(
            (x.registry.as_str(), x.repository.as_str(), x.tag.as_deref()),
            ("localhost:5000", "pare/x", Some("v1"))
        );
        let h = format!("sha256:{}", "a".repeat(64));
        let d = r(&format!("ghcr.io/o/r@{h}"));
        assert_eq!(d.tag, None);
        assert_eq!(d.manifest_ref(), h);
        let both = r(&format!("127.0.0.1:5443/a/b:1.2@{h}"));
        assert_eq!(both.tag.as_deref(), Some("1.2"));
        assert_eq!(both.manifest_ref(), h);
        assert_eq!(r("localhost/x").registry, "localhost");
        assert_eq!(r("[::1]:5000/x:t").registry, "[::1]:5000");
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "UPPER/case",
            "a//b",
            "a:",
            "repo@sha256:short",
            "host:port:x/y",
            "-a",
            "a/../b",
            "x:bad tag",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
