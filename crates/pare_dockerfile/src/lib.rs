//! Dockerfile parser, hardening rules and fixes.
//!
//! Input: a Dockerfile's text. Output: [`Diagnostic`]s with byte spans and
//! byte-range [`Fix`]es, or one [`ParseError`] naming `path:line:col` and
//! the cause. Nothing here prints or touches the disk, except reading a
//! `.hadolint.yaml` beside the linted file when peer suppressions are on.
//! Files over [`parser::MAX_LEN`] are refused.
#![deny(missing_docs)]

mod checker;
pub mod image;
pub mod parser;
pub mod refs;
mod rules;
pub mod shell;
mod suppress;

use pare_findings::{
    Diagnostic, Fix, ImageRef, LineIndex, LintOptions, LintOutcome, Linter, ParseError, RuleMeta,
    Suppressed,
};
use std::collections::BTreeMap;
use std::path::Path;

pub use parser::{parse, Dockerfile};
pub use rules::RULES;
pub use suppress::{read_hadolint_config, HadolintConfig};

/// The Dockerfile linter.
#[derive(Debug, Clone, Copy, Default)]
pub struct DockerfileLinter;

/// Whether a file name looks like a Dockerfile (`Dockerfile`,
/// `Dockerfile.alpine`, `app.dockerfile`, `Containerfile`).
#[must_use]
pub fn is_dockerfile_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.ends_with("__dockerfile")
        || lower.ends_with("-dockerfile")
        || lower.ends_with("_dockerfile")
}

/// Whether text looks like a Dockerfile: its first line that is not blank
/// or a comment starts with `FROM` or `ARG`, or it opens with a
/// `# syntax=` directive.
#[must_use]
pub fn looks_like_dockerfile(head: &str) -> bool {
    for line in head.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            if c.trim_start().to_ascii_lowercase().starts_with("syntax=") {
                return true;
            }
            continue;
        }
        let mut ws = t.split_whitespace();
        let kw = ws.next().unwrap_or("").to_ascii_uppercase();
        let rest: Vec<&str> = ws.filter(|w| !w.starts_with("--")).collect();
        return match kw.as_str() {
            "FROM" => rest.len() == 1 || (rest.len() == 3 && rest[1].eq_ignore_ascii_case("as")),
            "ARG" => rest.first().is_some_and(|w| {
                let name = w.split('=').next().unwrap_or("");
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }),
            _ => false,
        };
    }
    false
}

impl Linter for DockerfileLinter {
    fn name(&self) -> &'static str {
        "dockerfile"
    }

    fn detect(&self, path: &Path, head: &str) -> bool {
        is_dockerfile_name(path) || looks_like_dockerfile(head)
    }

    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn lint(&self, path: &str, src: &str, opts: &LintOptions) -> Result<LintOutcome, ParseError> {
        let mut config = None;
        if opts.peer_suppressions {
            if let Some(cfg) = suppress::find_hadolint_config(Path::new(path)) {
                if let Ok(text) = std::fs::read_to_string(&cfg) {
                    let source = cfg.display().to_string();
                    config = Some((suppress::read_hadolint_config(&text, &source), source));
                }
            }
        }
        lint_with_config(
            path,
            src,
            opts,
            config.as_ref().map(|(c, s)| (c, s.as_str())),
        )
    }

    fn pin_fixes(
        &self,
        path: &str,
        src: &str,
        lock: &BTreeMap<String, String>,
    ) -> Result<Vec<Fix>, ParseError> {
        let df = parse(path, src)?;
        Ok(pare_findings::lock_pin_fixes(
            &refs::image_refs(&df, src),
            lock,
        ))
    }

    fn image_refs(&self, path: &str, src: &str) -> Result<Vec<ImageRef>, ParseError> {
        let df = parse(path, src)?;
        Ok(refs::image_refs(&df, src))
    }
}

/// Lint with explicit hadolint-style ignore lists (`(codes, source)`), as
/// read from `.hadolint.yaml` files.
///
/// # Errors
/// A [`ParseError`] when the file does not parse.
pub fn lint_with(
    path: &str,
    src: &str,
    opts: &LintOptions,
    hadolint_ignored: &[(Vec<String>, String)],
) -> Result<LintOutcome, ParseError> {
    let cfg = HadolintConfig {
        ignored: hadolint_ignored
            .iter()
            .flat_map(|(c, _)| c.clone())
            .collect(),
        ..HadolintConfig::default()
    };
    let source = hadolint_ignored
        .iter()
        .map(|(_, s)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let cfg = (!hadolint_ignored.is_empty()).then_some((&cfg, source.as_str()));
    lint_with_config(path, src, opts, cfg)
}

/// Lint with a hadolint config (`.hadolint.yaml` as read by
/// [`read_hadolint_config`]) and the file it came from: its `ignored`
/// codes, `override` severities, `failure-threshold`/`no-fail` (carried in
/// [`LintOutcome::fail_at`] / [`LintOutcome::never_fail`]),
/// `disable-ignore-pragma`, and a note for each warning it raised.
///
/// # Errors
/// A [`ParseError`] when the file does not parse.
pub fn lint_with_config(
    path: &str,
    src: &str,
    opts: &LintOptions,
    config: Option<(&HadolintConfig, &str)>,
) -> Result<LintOutcome, ParseError> {
    let df = parse(path, src)?;
    let index = LineIndex::new(src);
    let mut diags = rules::check(&df, src, path, &index, opts);
    let pragmas = opts.peer_suppressions && !config.is_some_and(|(c, _)| c.disable_ignore_pragma);
    let mut sups = suppress::inline(&df, pragmas);
    let mut out = LintOutcome::default();
    if let Some((cfg, source)) = config {
        if !cfg.ignored.is_empty() {
            sups.push(suppress::Suppression {
                codes: cfg.ignored.clone(),
                reason: None,
                source: source.to_string(),
                instruction: None,
                stage: None,
                hadolint: true,
            });
        }
        for d in &mut diags {
            if let Some((_, sev)) = cfg.overrides.iter().rev().find(|(code, _)| {
                d.rule.peer_codes("hadolint").any(|p| p == code) || d.code == code
            }) {
                d.severity = *sev;
            }
        }
        match cfg.failure_threshold {
            Some(None) => out.never_fail = true,
            Some(Some(t)) => out.fail_at = Some(t),
            None => {}
        }
        out.never_fail |= cfg.no_fail;
        out.notes.extend(cfg.warnings.iter().cloned());
    }
    for d in diags {
        let ins = df
            .instructions
            .iter()
            .rposition(|i| i.span.start <= d.span.start);
        let stage = ins.and_then(|i| df.instructions[i].stage);
        let hit = sups.iter().find(|s| {
            let scope = match (s.instruction, s.stage) {
                (Some(i), _) => Some(i) == ins,
                (None, Some(st)) => Some(st) == stage,
                (None, None) => true,
            };
            scope && s.matches(d.rule)
        });
        match hit {
            Some(s) => out.suppressed.push(Suppressed {
                diagnostic: d,
                reason: s.reason.clone(),
                source: s.source.clone(),
            }),
            None => out.diagnostics.push(d),
        }
    }
    out.diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(out)
}

/// Parse a digest lock file:
/// `{"schemaVersion":1,"images":{"docker.io/library/node:20":"sha256:…"}}`.
///
/// # Errors
/// A one-line message naming what is wrong.
pub fn parse_lock(text: &str) -> Result<BTreeMap<String, String>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let obj = v.as_object().ok_or("expected a JSON object")?;
    match obj.get("schemaVersion") {
        Some(n) if n.as_u64() == Some(1) => {}
        Some(n) => return Err(format!("unsupported `schemaVersion` `{n}` (expected `1`)")),
        None => return Err("missing `schemaVersion`".into()),
    }
    let images = obj
        .get("images")
        .and_then(serde_json::Value::as_object)
        .ok_or("missing `images` object")?;
    let mut map = BTreeMap::new();
    for (k, v) in images {
        let d = v
            .as_str()
            .filter(|d| {
                d.len() == 71
                    && d.starts_with("sha256:")
                    && d[7..].bytes().all(|b| b.is_ascii_hexdigit())
            })
            .ok_or_else(|| format!("`images.{k}` is not a `sha256:` digest"))?;
        map.insert(k.clone(), d.to_string());
    }
    Ok(map)
}

/// Every rule's diagnostics for one file, unsuppressed; used by tests.
#[doc(hidden)]
#[must_use]
pub fn check_only(df: &Dockerfile, src: &str, path: &str, opts: &LintOptions) -> Vec<Diagnostic> {
    let index = LineIndex::new(src);
    rules::check(df, src, path, &index, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name_and_content() {
        let l = DockerfileLinter;
        assert!(l.detect(Path::new("a/Dockerfile"), ""));
        assert!(l.detect(Path::new("a/app.Dockerfile"), ""));
        assert!(l.detect(Path::new("a/Dockerfile.alpine"), ""));
        assert!(l.detect(Path::new("build/recipe"), "# comment\n\nfrom alpine\n"));
        assert!(l.detect(Path::new("x"), "# syntax=docker/dockerfile:1\n"));
        assert!(!l.detect(Path::new("deploy.yaml"), "apiVersion: v1\nkind: Pod\n"));
        assert!(!l.detect(Path::new("README.md"), "From the start\n"));
        assert!(!l.detect(Path::new("notes.txt"), "FROM here on, we go to the\n"));
    }

    #[test]
    fn lock_file_round_trip_and_errors() {
        let d = format!("sha256:{}", "a".repeat(64));
        let lock = parse_lock(&format!(
            "{{\"schemaVersion\":1,\"images\":{{\"docker.io/library/node:20\":\"{d}\"}}}}"
        ))
        .unwrap();
        let src = "FROM node:20 AS b\nFROM b\nFROM python:3\n";
        let fixes = DockerfileLinter.pin_fixes("f", src, &lock).unwrap();
        assert_eq!(fixes.len(), 1);
        let out = pare_findings::apply_edits(src, &fixes.iter().collect::<Vec<_>>());
        assert!(
            out.text
                .starts_with(&format!("FROM node:20@{d} AS b\nFROM b\nFROM python:3")),
            "{}",
            out.text
        );
        assert!(parse_lock("{\"schemaVersion\":2,\"images\":{}}")
            .unwrap_err()
            .contains("schemaVersion"));
        assert!(parse_lock("{\"schemaVersion\":1,\"images\":{\"a\":\"md5:x\"}}").is_err());
        assert!(parse_lock("[").is_err());
    }
}
