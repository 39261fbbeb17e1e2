//! The one parsed image name of the workspace: `[registry/]path[:tag][@digest]`
//! with Docker Hub's defaults, and the digest lock file's key. Linters,
//! `pare pin` and `pare fix --lock` all use it; `pare_source`'s registry
//! `Reference` adds the distribution spec's validation on top for the wire.

/// A parsed image reference: `[registry/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName {
    /// Registry host, `None` for Docker Hub.
    pub registry: Option<String>,
    /// Repository path (`library/node`, `distroless/static`).
    pub path: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given.
    pub digest: Option<String>,
}

impl ImageName {
    /// Parse a reference; `None` when it is not one (empty, spaces, `$`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let (name, tag, digest) = crate::split_image_ref(s)?;
        let (registry, path) = match name.split_once('/') {
            Some((first, p)) if first.contains(['.', ':']) || first == "localhost" => {
                let host = first.to_ascii_lowercase();
                let host = (host != "docker.io" && host != "index.docker.io").then_some(host);
                (host, p.to_string())
            }
            _ => (None, name),
        };
        let path = if registry.is_none() && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Some(Self {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// Registry, defaulting to `docker.io`.
    #[must_use]
    pub fn registry(&self) -> &str {
        self.registry.as_deref().unwrap_or("docker.io")
    }

    /// Last path component (`node`, `static`).
    #[must_use]
    pub fn short_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Familiar name without tag (`node`, `gcr.io/distroless/static`).
    #[must_use]
    pub fn familiar_name(&self) -> String {
        match &self.registry {
            None => self
                .path
                .strip_prefix("library/")
                .unwrap_or(&self.path)
                .to_string(),
            Some(r) => format!("{r}/{}", self.path),
        }
    }

    /// The tag, `latest` when absent.
    #[must_use]
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// Normalized `registry/path:tag` key of the digest lock file
    /// (`docker.io/library/node:20`).
    #[must_use]
    pub fn lock_key(&self) -> String {
        format!("{}/{}:{}", self.registry(), self.path, self.tag_or_latest())
    }

    /// Familiar `name:tag` (`node:20`).
    #[must_use]
    pub fn familiar(&self) -> String {
        format!("{}:{}", self.familiar_name(), self.tag_or_latest())
    }

    /// Distroless-style bases without shell or package manager.
    #[must_use]
    pub fn is_distroless(&self) -> bool {
        let n = self.familiar_name();
        n.contains("distroless")
            || n.starts_with("cgr.dev/chainguard/static")
            || self
                .tag
                .as_deref()
                .is_some_and(|t| t.contains("distroless"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keys() {
        let r = ImageName::parse("node:20").unwrap();
        assert_eq!(
            (r.registry(), r.path.as_str()),
            ("docker.io", "library/node")
        );
        assert_eq!(r.lock_key(), "docker.io/library/node:20");
        assert_eq!(r.familiar(), "node:20");
        let r = ImageName::parse("Index.Docker.IO/library/node").unwrap();
        assert_eq!(r.lock_key(), "docker.io/library/node:latest");
        let r = ImageName::parse("localhost:5000/a/b@sha256:ab").unwrap();
        assert_eq!(r.registry(), "localhost:5000");
        assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
        assert!(
            ImageName::parse("gcr.io/distroless/static-debian12:nonroot")
                .unwrap()
                .is_distroless()
        );
        assert!(ImageName::parse("a:").is_none());
        assert!(ImageName::parse("$BASE").is_none());
    }
}
