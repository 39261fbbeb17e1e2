//! The interface every linter (Dockerfile, Kubernetes) implements, so the
//! CLI's `lint` and `fix` commands treat them alike.

use crate::{Diagnostic, RuleMeta};
use std::fmt;
use std::path::Path;

/// Which rules run. Codes may be given exactly (`DF001`), by prefix (`DF`,
/// `K8S0`) or as a peer code (`DL3008`, `CKV_K8S_20`), which linters map
/// through their rule tables.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// When non-empty, only these codes run.
    pub select: Vec<String>,
    /// These codes never run.
    pub ignore: Vec<String>,
    /// Honour peer tools' config and inline suppressions (hadolint,
    /// checkov, kube-linter). On by default in the CLI.
    pub peer_suppressions: bool,
}

impl LintOptions {
    /// True when `rule` is enabled by `select`/`ignore`.
    #[must_use]
    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        let matches = |pat: &String| {
            let pat = pat.trim();
            rule.code.starts_with(pat)
                || rule.name == pat
                || rule
                    .peers
                    .iter()
                    .any(|p| p.split_once(':').is_some_and(|(_, c)| c == pat))
        };
        (self.select.is_empty() || self.select.iter().any(matches))
            && !self.ignore.iter().any(matches)
    }
}

/// A diagnostic that an inline suppression or config silenced, kept so that
/// reports can show what was silenced and why.
#[derive(Debug, Clone)]
pub struct Suppressed {
    /// The silenced diagnostic.
    pub diagnostic: Diagnostic,
    /// The reason given, if any (`# pare: ignore=DF001 -- reason`).
    pub reason: Option<String>,
    /// Where the suppression came from (`inline`, `.hadolint.yaml`, ...).
    pub source: String,
}

/// What linting one file produced.
#[derive(Debug, Clone, Default)]
pub struct LintOutcome {
    /// Active diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Silenced diagnostics.
    pub suppressed: Vec<Suppressed>,
    /// Informational notes for stderr (e.g. "Helm template skipped").
    pub notes: Vec<String>,
    /// A peer config's failure threshold (`.hadolint.yaml`
    /// `failure-threshold`): only diagnostics at or above it fail the run.
    /// `None`: every diagnostic does.
    pub fail_at: Option<crate::Severity>,
    /// A peer config says findings never fail the run (`no-fail: true`,
    /// `failure-threshold: none`).
    pub never_fail: bool,
}

impl LintOutcome {
    /// Whether this file's diagnostics fail the run (exit 1).
    #[must_use]
    pub fn fails(&self) -> bool {
        !self.never_fail
            && self
                .diagnostics
                .iter()
                .any(|d| self.fail_at.is_none_or(|t| d.severity >= t))
    }
}

/// A file that could not be parsed. Displays as `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The cause, one line, no trailing period.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// A linter for one kind of file.
pub trait Linter: Sync {
    /// Short name (`dockerfile`, `kubernetes`).
    fn name(&self) -> &'static str;

    /// Whether this linter handles `path`, judged by its name and the first
    /// few KiB of its content (`head`).
    fn detect(&self, path: &Path, head: &str) -> bool;

    /// Every rule, in code order.
    fn rules(&self) -> &'static [RuleMeta];

    /// Lint one file's full text. `path` is used in messages only.
    ///
    /// # Errors
    /// A [`ParseError`] when the file is not valid for this linter.
    fn lint(&self, path: &str, src: &str, opts: &LintOptions) -> Result<LintOutcome, ParseError>;

    /// Fixes that pin image references to the digests of a lock file
    /// (`pare fix --lock FILE`). `lock` maps a normalized `registry/path:tag`
    /// (`docker.io/library/node:20`) to a `sha256:` digest. Linters without
    /// image references keep the default: no fixes.
    ///
    /// # Errors
    /// A [`ParseError`] when the file is not valid for this linter.
    fn pin_fixes(
        &self,
        path: &str,
        src: &str,
        lock: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<crate::Fix>, ParseError> {
        let _ = (path, src, lock);
        Ok(Vec::new())
    }

    /// Fixes that mount an `emptyDir` at each of `dirs` (directories an
    /// image writes at run time) where a read-only root would refuse the
    /// writes (`pare fix --unsafe --image IMAGE`). Linters of files that
    /// mount nothing keep the default: no fixes.
    ///
    /// # Errors
    /// A [`ParseError`] when the file is not valid for this linter.
    fn mount_fixes(
        &self,
        path: &str,
        src: &str,
        dirs: &[String],
    ) -> Result<Vec<crate::Fix>, ParseError> {
        let _ = (path, src, dirs);
        Ok(Vec::new())
    }

    /// Every image reference of `src` in source order, for `pare pin`.
    /// Linters without image references keep the default: none.
    ///
    /// # Errors
    /// A [`ParseError`] when the file is not valid for this linter.
    fn image_refs(&self, path: &str, src: &str) -> Result<Vec<ImageRef>, ParseError> {
        let _ = (path, src);
        Ok(Vec::new())
    }
}

/// An image reference found in a file (`FROM node:20`, `COPY --from=…`,
/// `RUN --mount=…,from=…`, a Kubernetes container's `image:`), for
/// `pare pin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Bytes of the reference as written (no quotes).
    pub span: crate::Span,
    /// The repository after variable substitution, as written otherwise
    /// (`node`, `localhost:5000/app`).
    pub name: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
    /// Bytes of the digest as written, when it is literal text; a pin
    /// inserts `@digest` at `span.end` when there is none.
    pub digest_span: Option<crate::Span>,
}

/// Split `name[:tag][@digest]` (after substitution) into its parts.
/// `None` when it is not a reference (empty, whitespace, `$`).
#[must_use]
pub fn split_image_ref(text: &str) -> Option<(String, Option<String>, Option<String>)> {
    if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == '$') {
        return None;
    }
    let (rest, digest) = match text.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (text, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
        None => (rest, None),
    };
    if name.is_empty() || tag.as_deref() == Some("") || digest.as_deref() == Some("") {
        return None;
    }
    Some((name.to_string(), tag, digest))
}

/// The digest lock file's key of `name:tag`: `registry/repository:tag`
/// with Docker Hub names expanded (`node`, `20` → `docker.io/library/node:20`).
#[must_use]
pub fn image_lock_key(name: &str, tag: &str) -> String {
    crate::ImageName::parse(&format!("{name}:{tag}")).map_or_else(
        // Not a reference (a `$VAR` left): the text as written.
        || format!("{name}:{tag}"),
        |n| n.lock_key(),
    )
}

/// Fixes that pin every unpinned reference of `refs` found in `lock`
/// (normalized or familiar `name:tag` keys) to its digest. An untagged
/// reference gets `:latest` written out too.
#[must_use]
pub fn lock_pin_fixes(
    refs: &[ImageRef],
    lock: &std::collections::BTreeMap<String, String>,
) -> Vec<crate::Fix> {
    let mut out = Vec::new();
    for r in refs.iter().filter(|r| r.digest.is_none()) {
        let tag = r.tag.as_deref().unwrap_or("latest");
        let digest = lock
            .get(&image_lock_key(&r.name, tag))
            .or_else(|| lock.get(&format!("{}:{tag}", r.name)));
        let Some(digest) = digest else { continue };
        let written_tag = if r.tag.is_none() { ":latest" } else { "" };
        out.push(crate::Fix::safe(
            format!("Pin `{}:{tag}` to `{digest}`", r.name),
            vec![crate::Edit::insert(
                r.span.end,
                format!("{written_tag}@{digest}"),
            )],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_expand_docker_hub_names() {
        assert_eq!(image_lock_key("node", "20"), "docker.io/library/node:20");
        assert_eq!(
            image_lock_key("bitnami/redis", "7"),
            "docker.io/bitnami/redis:7"
        );
        assert_eq!(
            image_lock_key("index.docker.io/library/node", "20"),
            "docker.io/library/node:20"
        );
        assert_eq!(
            image_lock_key("localhost:5000/app", "1"),
            "localhost:5000/app:1"
        );
        assert_eq!(image_lock_key("GHCR.io/o/a", "1"), "ghcr.io/o/a:1");
    }

    #[test]
    fn splits_references() {
        assert_eq!(
            split_image_ref("localhost:5000/a:1@sha256:00"),
            Some((
                "localhost:5000/a".into(),
                Some("1".into()),
                Some("sha256:00".into())
            ))
        );
        assert_eq!(split_image_ref("a"), Some(("a".into(), None, None)));
        assert_eq!(split_image_ref("a:"), None);
        assert_eq!(split_image_ref("$X"), None);
    }
}
