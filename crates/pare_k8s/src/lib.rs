//! Kubernetes manifest parser, hardening rules and fixes.
//!
//! Input: the text of one YAML (or JSON) file, possibly several documents
//! and `kind: List`s. Output: a [`pare_findings::LintOutcome`] with one
//! diagnostic per problem, each with a byte span and, where a safe repair is
//! known, a [`pare_findings::Fix`] made of byte-range edits. Workloads of
//! every kind are followed down to their pod template, and a container's
//! `securityContext` overrides the pod's for the fields both have, as in
//! Kubernetes. Non-workload documents are skipped quietly; unrendered Helm
//! templates are skipped with a note; a syntax error is one
//! [`pare_findings::ParseError`] with line and column.
#![deny(missing_docs)]

mod fix;
mod model;
pub mod mounts;
pub mod refs;
mod rules;
mod suppress;
pub mod yaml;

pub use rules::RULES;

use fix::{Layout, Planner};
use model::{Container, Workload};
use pare_findings::{
    Diagnostic, Fix, LineIndex, LintOptions, LintOutcome, Linter, ParseError, RuleMeta, Span,
    Suppressed,
};
use std::path::Path;

/// The Kubernetes manifest linter (`kubernetes`).
#[derive(Debug, Clone, Copy, Default)]
pub struct K8sLinter;

impl Linter for K8sLinter {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn detect(&self, path: &Path, head: &str) -> bool {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        matches!(ext.as_deref(), Some("yaml" | "yml" | "json"))
            && (head.contains("apiVersion:") || head.contains("\"apiVersion\""))
            && (head.contains("kind:") || head.contains("\"kind\""))
    }

    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn lint(&self, path: &str, src: &str, opts: &LintOptions) -> Result<LintOutcome, ParseError> {
        lint(path, src, opts)
    }

    fn image_refs(
        &self,
        path: &str,
        src: &str,
    ) -> Result<Vec<pare_findings::ImageRef>, ParseError> {
        refs::image_refs(path, src)
    }

    fn mount_fixes(
        &self,
        path: &str,
        src: &str,
        dirs: &[String],
    ) -> Result<Vec<pare_findings::Fix>, ParseError> {
        mounts::fixes(path, src, dirs)
    }

    fn pin_fixes(
        &self,
        path: &str,
        src: &str,
        lock: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<pare_findings::Fix>, ParseError> {
        Ok(pare_findings::lock_pin_fixes(
            &refs::image_refs(path, src)?,
            lock,
        ))
    }
}

/// True when `src` holds unrendered Helm/Go template actions (`{{ .Values.x }}`,
/// `{{- if ... }}`), as opposed to `{{workflow.name}}`-style placeholders
/// inside strings that other tools (Argo) use.
#[must_use]
pub fn is_helm_template(src: &str) -> bool {
    let mut from = 0;
    std::iter::from_fn(|| {
        // `find` with a char pattern is memchr-fast.
        let i = from + src.get(from..)?.find('{')?;
        from = i + 1;
        Some(i)
    })
    .any(|i| {
        if src.as_bytes().get(i + 1) != Some(&b'{') {
            return false;
        }
        let rest = src[i + 2..].trim_start_matches('-').trim_start();
        [
            ".",
            "$",
            "if ",
            "else",
            "end",
            "range ",
            "with ",
            "include ",
            "template ",
            "define ",
            "toYaml",
            "tpl ",
            "/*",
            "required ",
            "default ",
            "printf ",
            "quote ",
        ]
        .iter()
        .any(|p| rest.starts_with(p))
    })
}

/// Lint one manifest file.
///
/// # Errors
/// A [`ParseError`] naming the line and column when the file is not YAML.
pub fn lint(path: &str, src: &str, opts: &LintOptions) -> Result<LintOutcome, ParseError> {
    let mut outcome = LintOutcome::default();
    if is_helm_template(src) {
        outcome.notes.push(format!(
            "{path}: unrendered Helm template skipped (render it with `helm template` first)"
        ));
        return Ok(outcome);
    }
    let index = LineIndex::new(src);
    let (roots, lenient_docs) = workload_documents(path, src, &index)?;
    for root in &roots {
        lint_document(src, path, &index, root, opts, &mut outcome);
    }
    if lenient_docs {
        outcome.notes.push(format!(
            "{path}: under-indented flow or quoted continuation lines accepted, as Kubernetes' own YAML decoder does"
        ));
    }
    // One fix per distinct edit list: containers sharing a pod-level repair
    // must not apply it twice.
    let mut seen: Vec<Vec<pare_findings::Edit>> = Vec::new();
    for d in &mut outcome.diagnostics {
        if let Some(f) = &d.fix {
            if seen.contains(&f.edits) {
                d.fix = None;
            } else {
                seen.push(f.edits.clone());
            }
        }
    }
    outcome
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(outcome)
}

fn lint_document(
    src: &str,
    path: &str,
    index: &LineIndex,
    root: &yaml::Node,
    opts: &LintOptions,
    outcome: &mut LintOutcome,
) {
    let crlf = src
        .find('\n')
        .is_some_and(|i| i > 0 && src.as_bytes()[i - 1] == b'\r');
    let layout = Layout::detect(src, root, crlf);
    for object in model::objects(root) {
        let Some(w) = model::workload(object) else {
            continue;
        };
        let mut ctx = Checker {
            src,
            path,
            index,
            layout,
            diagnostics: Vec::new(),
            notes: Vec::new(),
        };
        for (meta, check) in RULES.iter().zip(rules::CHECKS) {
            if opts.enabled(meta) {
                check(&mut ctx, meta, &w);
            }
        }
        outcome.notes.append(&mut ctx.notes);
        let sups = suppress::collect(&w, opts.peer_suppressions);
        for d in ctx.diagnostics {
            if let Some(s) = sups.iter().find(|s| s.matches(d.rule)) {
                outcome.suppressed.push(Suppressed {
                    diagnostic: d,
                    reason: s.reason.clone(),
                    source: s.source.clone(),
                });
            } else {
                outcome.diagnostics.push(d);
            }
        }
    }
}

/// The root of every document of `src` that may hold workloads, parsed
/// leniently ([`parse_lenient`]) and placed at its offset in `src`, and
/// whether any needed the leniency. Documents that plainly declare a kind
/// that runs no pods are not parsed at all: most bytes of real manifests
/// are CRDs and RBAC. What the linter, `pare pin` and `pare fix --image`
/// read.
///
/// # Errors
/// A [`ParseError`] naming the line and column of the first syntax error.
pub(crate) fn workload_documents(
    path: &str,
    src: &str,
    index: &LineIndex,
) -> Result<(Vec<yaml::Node>, bool), ParseError> {
    let mut roots = Vec::new();
    let mut lenient_docs = false;
    for (base, chunk) in yaml::split_documents(src) {
        if yaml::top_level_kind(chunk).is_some_and(|k| !model::may_hold_workloads(k)) {
            continue;
        }
        let (docs, lenient) = parse_lenient(chunk).map_err(|e| {
            let lc = index.line_col(src, base + e.offset);
            ParseError {
                path: path.to_string(),
                line: lc.line,
                col: lc.col,
                message: e.message,
            }
        })?;
        lenient_docs |= lenient;
        for doc in docs {
            let Some(mut root) = doc.root else { continue };
            root.shift(base);
            roots.push(root);
        }
    }
    Ok((roots, lenient_docs))
}

/// Parse `src`; when the only trouble is continuation lines of a flow
/// collection or quoted scalar indented less than YAML requires (which
/// Kubernetes' decoder and PyYAML accept), retry with those lines joined to
/// the previous one. Joining replaces a line break with a space, so every
/// byte offset stays valid for the original text. Returns whether it had to.
///
/// # Errors
/// The first syntax error of `src`.
pub fn parse_lenient(src: &str) -> Result<(Vec<yaml::Document>, bool), yaml::YamlError> {
    let first = match yaml::parse(src) {
        Ok(docs) => return Ok((docs, false)),
        Err(e) => e,
    };
    let mut text = src.as_bytes().to_vec();
    let mut err = first.clone();
    for _ in 0..64 {
        if !err.message.contains("invalid indentation") {
            break;
        }
        let at = err.offset.min(text.len());
        if err.message.contains("quoted scalar") {
            // The error points at the opening quote: put the whole scalar
            // on one line.
            let Some(end) = quoted_end(&text, at) else {
                break;
            };
            for b in &mut text[at..end] {
                if *b == b'\n' || *b == b'\r' {
                    *b = b' ';
                }
            }
        } else {
            let Some(nl) = text[..at].iter().rposition(|&b| b == b'\n') else {
                break;
            };
            let prev = text[..nl]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            if text[prev..nl].contains(&b'#') {
                break;
            }
            text[nl] = b' ';
            if nl > 0 && text[nl - 1] == b'\r' {
                text[nl - 1] = b' ';
            }
        }
        // Only ASCII bytes were replaced by ASCII, so this stays UTF-8.
        let Ok(joined) = std::str::from_utf8(&text) else {
            break;
        };
        match yaml::parse(joined) {
            Ok(docs) => return Ok((docs, true)),
            Err(e) => err = e,
        }
    }
    Err(first)
}

/// One past the closing quote of the quoted scalar opening at `start`.
fn quoted_end(text: &[u8], start: usize) -> Option<usize> {
    let q = *text.get(start)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            b'\\' if q == b'"' => i += 2,
            b'\'' if q == b'\'' && text.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// What rules see: the file, and where their diagnostics go.
pub(crate) struct Checker<'a> {
    src: &'a str,
    path: &'a str,
    index: &'a LineIndex,
    layout: Layout,
    diagnostics: Vec<Diagnostic>,
    /// Notes for stderr (`hostUsers: false` satisfying a rule).
    notes: Vec<String>,
}

impl<'a> Checker<'a> {
    /// Report `rule` at `span`, with an optional fix.
    pub(crate) fn report(
        &mut self,
        rule: &'static RuleMeta,
        span: Span,
        message: String,
        fix: Option<Fix>,
    ) {
        let mut d = Diagnostic::new(rule, self.path, self.src, self.index, span, message);
        d.fix = fix;
        self.diagnostics.push(d);
    }

    /// The source text of a span, on one line.
    pub(crate) fn src_of(&self, span: Span) -> String {
        self.src
            .get(span.start..span.end)
            .unwrap_or_default()
            .replace(['\n', '\r'], " ")
    }

    /// A note for stderr, prefixed with the file and line of `span`.
    pub(crate) fn note(&mut self, span: Span, message: String) {
        let lc = self.index.line_col(self.src, span.start);
        self.notes
            .push(format!("{}:{}:{}: {message}", self.path, lc.line, lc.col));
    }

    /// A planner for one fix.
    pub(crate) fn planner(&self) -> Planner<'a> {
        Planner::new(self.src, self.layout)
    }

    /// A fix setting a `securityContext` field both levels have: replaced
    /// where the effective value is written, else added at pod level.
    pub(crate) fn fix_pod_level_field(
        &self,
        w: &Workload<'a>,
        c: &Container<'a>,
        field: &'static str,
        value: fix::V,
        title: String,
        safe: bool,
    ) -> Option<Fix> {
        let mut p = self.planner();
        match w.effective(c, field) {
            Some((_, true)) => p.ensure(c.node, &["securityContext", field], value),
            _ => p.ensure(w.pod, &["securityContext", field], value),
        }
        let edits = p.finish()?;
        Some(if safe {
            Fix::safe(title, edits)
        } else {
            Fix::unsafe_edit(title, edits)
        })
    }

    /// A fix setting a container-only `securityContext` field.
    pub(crate) fn fix_container_field(
        &self,
        c: &Container<'a>,
        path: &[&'static str],
        value: fix::V,
        title: String,
        safe: bool,
    ) -> Option<Fix> {
        let mut full = vec!["securityContext"];
        full.extend_from_slice(path);
        let mut p = self.planner();
        p.ensure(c.node, &full, value);
        let edits = p.finish()?;
        Some(if safe {
            Fix::safe(title, edits)
        } else {
            Fix::unsafe_edit(title, edits)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_templates_are_recognised_but_argo_placeholders_are_not() {
        assert!(is_helm_template("image: {{ .Values.image }}\n"));
        assert!(is_helm_template(
            "{{- if .Values.x }}\nkind: Pod\n{{- end }}\n"
        ));
        assert!(!is_helm_template(
            "args: [\"{{inputs.parameters.message}}\"]\n"
        ));
        let out = lint(
            "chart.yaml",
            "kind: Pod\nspec: {{ .Values.spec }}\n",
            &LintOptions::default(),
        )
        .unwrap();
        assert!(out.diagnostics.is_empty());
        assert!(
            out.notes[0].contains("Helm template skipped"),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn a_broken_document_is_one_error_with_line_and_column() {
        let src = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n---\n";
        let err = lint("bad.yaml", src, &LintOptions::default()).unwrap_err();
        assert_eq!(err.path, "bad.yaml");
        assert!(err.line >= 4, "{err}");
        assert!(err.to_string().starts_with("bad.yaml:"));
    }

    #[test]
    fn non_workloads_are_skipped_and_peer_suppressions_can_be_turned_off() {
        let src = "kind: Service\nspec: {ports: [}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    checkov.io/skip1: CKV_K8S_16=cni\nspec:\n  containers:\n  - name: a\n    image: a:1\n    securityContext: {privileged: true}\n";
        let select = LintOptions {
            select: vec!["K8S007".into()],
            peer_suppressions: true,
            ..LintOptions::default()
        };
        let out = lint("m.yaml", src, &select).unwrap();
        assert!(out.diagnostics.is_empty());
        assert_eq!(out.suppressed.len(), 1);
        assert_eq!(out.suppressed[0].reason.as_deref(), Some("cni"));
        let no_peers = LintOptions {
            peer_suppressions: false,
            ..select
        };
        let out = lint("m.yaml", src, &no_peers).unwrap();
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].start.line, 13);
    }

    #[test]
    fn detects_manifests_by_extension_and_content() {
        let l = K8sLinter;
        assert!(l.detect(Path::new("a/deploy.yaml"), "apiVersion: v1\nkind: Pod\n"));
        assert!(l.detect(
            Path::new("a/deploy.json"),
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"
        ));
        assert!(!l.detect(Path::new("a/values.yaml"), "image: x\n"));
        assert!(!l.detect(Path::new("Dockerfile"), "apiVersion: v1\nkind: Pod\n"));
    }

    /// checkov's skip annotations in all three spellings, read where
    /// checkov reads them: a template with annotations of its own hides
    /// the parent's; a `CronJob`'s template annotations are not read.
    #[test]
    fn checkov_skips_where_checkov_reads_them() {
        let opts = LintOptions {
            select: vec!["K8S007".into()],
            peer_suppressions: true,
            ..LintOptions::default()
        };
        let pod = "    spec:\n      containers:\n      - name: a\n        image: a:1\n        securityContext: {privileged: true}\n";
        let count = |src: &str| lint("f.yaml", src, &opts).unwrap().diagnostics.len();
        // The object's annotation, template without annotations: skipped.
        for key in [
            "checkov.io/skip1",
            "bridgecrew.io/skip2",
            "cortex.io/skip3",
            "x.checkov.io/skip-a",
        ] {
            let src = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    {key}: CKV_K8S_16=cni\nspec:\n  template:\n    metadata:\n      labels: {{app: d}}\n{pod}");
            assert_eq!(count(&src), 0, "{key}");
        }
        // The template has annotations of its own: checkov does not copy
        // the parent's down, so the parent's skip does not apply.
        let src = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    checkov.io/skip1: CKV_K8S_16\nspec:\n  template:\n    metadata:\n      labels: {{app: d}}\n      annotations: {{team: x}}\n{pod}");
        assert_eq!(count(&src), 1);
        // ... and the template's own skip does.
        let src = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    metadata:\n      labels: {{app: d}}\n      annotations: {{checkov.io/skip9: CKV_K8S_16=cni}}\n{pod}");
        assert_eq!(count(&src), 0);
        // A CronJob's pod template annotations are not read by checkov.
        let src = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations: {checkov.io/skip1: CKV_K8S_16}\n        spec:\n          containers:\n          - name: a\n            image: a:1\n            securityContext: {privileged: true}\n";
        assert_eq!(count(src), 1);
        // Without peer suppressions nothing is skipped.
        let src = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    checkov.io/skip1: CKV_K8S_16\nspec:\n  template:\n    metadata:\n      labels: {{app: d}}\n{pod}");
        let none = LintOptions {
            peer_suppressions: false,
            ..opts.clone()
        };
        assert_eq!(lint("f.yaml", &src, &none).unwrap().diagnostics.len(), 1);
    }

    /// `hostUsers: false` satisfies the non-root rules with a note.
    #[test]
    fn user_namespace_satisfies_non_root_with_a_note() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostUsers: false\n  containers:\n  - name: a\n    image: a:1\n";
        let opts = LintOptions {
            select: vec!["K8S001".into(), "K8S002".into()],
            ..LintOptions::default()
        };
        let out = lint("p.yaml", src, &opts).unwrap();
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
        assert!(
            out.notes[0].starts_with("p.yaml:6:14: container `a`: `hostUsers: false`"),
            "{:?}",
            out.notes
        );
        let out = lint(
            "p.yaml",
            &src.replace("hostUsers: false", "hostUsers: true"),
            &opts,
        )
        .unwrap();
        assert_eq!(out.diagnostics.len(), 2);
    }
}
