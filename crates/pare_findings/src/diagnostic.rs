//! Lint diagnostics and the static metadata of the rules that produce them.

use crate::{Fix, FixAvailability, LineCol, Severity, Span};
use serde::Serialize;

/// Static description of one rule: its stable code, kebab-case name and
/// documentation. Every linter exposes a plain static slice of these.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable code, never reused (`DF001`, `K8S004`, `IMG002`).
    pub code: &'static str,
    /// Kebab-case name of the bad pattern (`root-user`).
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Equivalent rules in peer tools, prefixed by tool: `hadolint:DL3002`,
    /// `checkov:CKV_K8S_20`, `kube-linter:privileged-container`,
    /// `kube-score:container-security-context-privileged`.
    pub peers: &'static [&'static str],
    /// Whether `pare fix` can repair it.
    pub fix: FixAvailability,
    /// Long documentation: what it does, why, example, fix (Markdown).
    pub doc: &'static str,
}

impl RuleMeta {
    /// Peer codes of one tool (`"hadolint"` -> `["DL3002"]`).
    pub fn peer_codes<'a>(&'a self, tool: &'a str) -> impl Iterator<Item = &'static str> + 'a {
        self.peers.iter().filter_map(move |p| {
            p.split_once(':')
                .and_then(|(t, code)| (t == tool).then_some(code))
        })
    }
}

/// One problem found in one source file.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// The rule that produced it.
    #[serde(skip)]
    pub rule: &'static RuleMeta,
    /// Rule code (copied from `rule` for serialization).
    pub code: &'static str,
    /// Rule name (copied from `rule`).
    pub name: &'static str,
    /// What is wrong here, specifically.
    pub message: String,
    /// Severity (the rule's default unless the linter raised or lowered it).
    pub severity: Severity,
    /// The file, as the user named it.
    pub path: String,
    /// Byte range of the offending text.
    pub span: Span,
    /// Where `span.start` is.
    pub start: LineCol,
    /// Where `span.end` is.
    pub end: LineCol,
    /// Extra advice shown under the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The repair, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic for `rule` at `span` of `src`, with line/column computed.
    #[must_use]
    pub fn new(
        rule: &'static RuleMeta,
        path: &str,
        src: &str,
        index: &crate::LineIndex,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            code: rule.code,
            name: rule.name,
            message: message.into(),
            severity: rule.severity,
            path: path.to_string(),
            span,
            start: index.line_col(src, span.start),
            end: index.line_col(src, span.end),
            help: None,
            fix: None,
        }
    }

    /// Attach a fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Attach help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sort key: path, position, code.
    #[must_use]
    pub fn sort_key(&self) -> (&str, usize, usize, &'static str) {
        (&self.path, self.start.line, self.start.col, self.code)
    }
}
