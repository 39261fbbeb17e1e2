//! Image references in `FROM` and variable substitution.

/// A parsed image reference: `[registry/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, `None` for Docker Hub.
    pub registry: Option<String>,
    /// Repository path (`library/node`, `distroless/static`).
    pub path: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parse a reference; `None` when it is not one (empty, spaces, `$`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '$') {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, p)) if first.contains(['.', ':']) || first == "localhost" => {
                (Some(first.to_ascii_lowercase()), p.to_string())
            }
            _ => (None, name.to_string()),
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
        pare_findings::image_lock_key(&self.familiar_name(), self.tag_or_latest())
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

/// Expand `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}`, `${VAR+alt}` with `lookup`. Returns the text and whether
/// every variable resolved (a variable without value or default did not).
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut ok = true;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() && b[i + 1] == b'$' {
            out.push('$');
            i += 2;
            continue;
        }
        if c != b'$' {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if i + 1 < b.len() && b[i + 1] == b'{' {
            let Some(close) = s[i + 2..].find('}') else {
                out.push_str(&s[i..]);
                return (out, false);
            };
            let inner = &s[i + 2..i + 2 + close];
            i += close + 3;
            let name_end = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_end);
            let val = lookup(name);
            let (colon, mode, word) = if let Some(w) = op.strip_prefix(":-") {
                (true, "-", w)
            } else if let Some(w) = op.strip_prefix(":+") {
                (true, "+", w)
            } else if let Some(w) = op.strip_prefix('-') {
                (false, "-", w)
            } else if let Some(w) = op.strip_prefix('+') {
                (false, "+", w)
            } else {
                (false, "", "")
            };
            let val = val.filter(|v| !(colon && v.is_empty()));
            match (mode, val) {
                ("-", Some(v)) => out.push_str(&v),
                ("-", None) => {
                    let (w, o) = expand(word, lookup);
                    ok &= o;
                    out.push_str(&w);
                }
                ("+", Some(_)) => {
                    let (w, o) = expand(word, lookup);
                    ok &= o;
                    out.push_str(&w);
                }
                ("+", None) => {}
                (_, Some(v)) => out.push_str(&v),
                (_, None) => ok = false,
            }
        } else {
            let rest = &s[i + 1..];
            let n = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if n == 0 {
                out.push('$');
                i += 1;
                continue;
            }
            match lookup(&rest[..n]) {
                Some(v) => out.push_str(&v),
                None => ok = false,
            }
            i += 1 + n;
        }
    }
    (out, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("node:20").unwrap();
        assert_eq!(r.lock_key(), "docker.io/library/node:20");
        assert_eq!(r.familiar(), "node:20");
        let r = ImageRef::parse("localhost:5000/a/b@sha256:ab").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.path, "a/b");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
        let r = ImageRef::parse("gcr.io/distroless/static-debian12:nonroot").unwrap();
        assert!(r.is_distroless());
        assert_eq!(r.short_name(), "static-debian12");
        assert!(ImageRef::parse("a:").is_none());
    }

    #[test]
    fn expands_variables() {
        let look = |n: &str| match n {
            "A" => Some("1".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        assert_eq!(expand("x${A}y$A", &look), ("x1y1".into(), true));
        assert_eq!(expand("${B:-d}", &look), ("d".into(), true));
        assert_eq!(expand("${E:-d}", &look), ("d".into(), true));
        assert_eq!(expand("${E-d}", &look), (String::new(), true));
        assert_eq!(expand("${A:+x}${B:+y}", &look), ("x".into(), true));
        assert_eq!(expand("$B", &look), (String::new(), false));
        assert_eq!(expand("\\$A", &look), ("$A".into(), true));
    }
}
