//! Image references in `FROM` and variable substitution.

/// The parsed image name (the workspace's one type, in `pare_findings`).
pub use pare_findings::ImageName as ImageRef;

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
