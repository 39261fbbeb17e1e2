//! Renderers for lint diagnostics (Dockerfiles, Kubernetes manifests).
//!
//! Every format takes diagnostics in any order and sorts them (path, line,
//! column, code), so output is deterministic.
//!
//! - `concise`: `path:line:col: CODE [peer codes] message`, one per line.
//! - `full`: annotated source snippets (annotate-snippets), plain unless
//!   colour is asked for.
//! - `json`: `{"schemaVersion": 1, "diagnostics": [...], "summary": {...}}`,
//!   documented in `docs/lint.md`.
//! - `sarif`: SARIF 2.1.0, `ruleId` = pare's code, peers in `properties`.
//! - `markdown`: a table for pull-request comments.

use pare_findings::{Applicability, Diagnostic, RuleMeta};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// JSON schema version of the `json` format.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Output formats of `pare lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    /// `path:line:col: CODE message`.
    Concise,
    /// Annotated snippets.
    Full,
    /// pare's JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Markdown table.
    Markdown,
}

impl std::str::FromStr for LintFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "concise" => Self::Concise,
            "full" => Self::Full,
            "json" => Self::Json,
            "sarif" => Self::Sarif,
            "markdown" | "md" => Self::Markdown,
            other => {
                return Err(format!(
                    "unknown format `{other}` (expected concise, full, json, sarif or markdown)"
                ))
            }
        })
    }
}

/// What a renderer needs besides the diagnostics.
#[derive(Debug, Default)]
pub struct RenderContext<'a> {
    /// Source text by path, for `full` snippets.
    pub sources: BTreeMap<String, &'a str>,
    /// Every rule that ran (for SARIF's rule table), in code order.
    pub rules: Vec<&'static RuleMeta>,
    /// ANSI colour in `full` output.
    pub color: bool,
    /// Number of files linted (for summaries).
    pub files: usize,
}

/// Render diagnostics in a format.
#[must_use]
pub fn render(format: LintFormat, diags: &[Diagnostic], ctx: &RenderContext<'_>) -> String {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then(a.message.cmp(&b.message))
    });
    match format {
        LintFormat::Concise => concise(&sorted),
        LintFormat::Full => full(&sorted, ctx),
        LintFormat::Json => json_report(&sorted, ctx),
        LintFormat::Sarif => sarif(&sorted, ctx),
        LintFormat::Markdown => markdown(&sorted, ctx),
    }
}

/// `[hadolint:DL3002 checkov:CKV_DOCKER_3]` peer suffix.
fn peers(d: &Diagnostic) -> String {
    let codes: Vec<&str> = d
        .rule
        .peers
        .iter()
        .filter_map(|p| p.split_once(':').map(|(_, c)| c))
        .collect();
    if codes.is_empty() {
        String::new()
    } else {
        format!(" [{}]", codes.join(" "))
    }
}

fn concise(diags: &[&Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}{} {}",
            d.path,
            d.start.line,
            d.start.col,
            d.code,
            peers(d),
            d.message
        );
    }
    out
}

fn full(diags: &[&Diagnostic], ctx: &RenderContext<'_>) -> String {
    use annotate_snippets::{Level, Renderer, Snippet};
    let renderer = if ctx.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            pare_findings::Severity::High | pare_findings::Severity::Critical => Level::Error,
            pare_findings::Severity::Info => Level::Note,
            _ => Level::Warning,
        };
        let title = format!("{}{}", d.message, peers(d));
        let fix_note = d.fix.as_ref().map(|f| {
            let kind = match f.applicability {
                Applicability::Safe => "fix",
                Applicability::Unsafe => "unsafe fix (`--unsafe`)",
                Applicability::DisplayOnly => "suggestion",
            };
            format!("{kind}: {}", f.title)
        });
        let mut msg = level.title(&title).id(d.code);
        let snippet_text;
        if let Some(src) = ctx.sources.get(&d.path) {
            // Only the lines of the span, so large files stay cheap.
            let start = src[..d.span.start.min(src.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let end_off = d.span.end.clamp(d.span.start, src.len());
            let end = src[end_off..].find('\n').map_or(src.len(), |i| end_off + i);
            snippet_text = &src[start..end];
            let a = d.span.start.min(src.len()) - start;
            let b = (end_off - start).max(a);
            let b = if a == b {
                (a + 1).min(snippet_text.len()).max(a)
            } else {
                b
            };
            msg = msg.snippet(
                Snippet::source(snippet_text)
                    .line_start(d.start.line)
                    .origin(&d.path)
                    .annotation(level.span(a..b).label(d.name)),
            );
        } else {
            let _ = snippet_text;
        }
        let help = d.help.clone();
        if let Some(h) = &help {
            msg = msg.footer(Level::Help.title(h));
        }
        if let Some(f) = &fix_note {
            msg = msg.footer(Level::Note.title(f));
        }
        if !ctx.sources.contains_key(&d.path) {
            let _ = writeln!(out, "{}:{}:{}:", d.path, d.start.line, d.start.col);
        }
        let _ = writeln!(out, "{}\n", renderer.render(msg));
    }
    out
}

#[derive(serde::Serialize)]
struct JsonPos {
    line: usize,
    column: usize,
}

#[derive(serde::Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

#[derive(serde::Serialize)]
struct JsonEdit<'a> {
    start: usize,
    end: usize,
    content: &'a str,
}

#[derive(serde::Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

// Fields in alphabetical order, as the earlier `Value`-based output had them.
#[derive(serde::Serialize)]
struct JsonDiag<'a> {
    code: &'a str,
    end: JsonPos,
    fix: Option<JsonFix<'a>>,
    help: Option<&'a str>,
    message: &'a str,
    name: &'a str,
    path: &'a str,
    peers: &'a [&'a str],
    severity: pare_findings::Severity,
    span: JsonSpan,
    start: JsonPos,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary<'a> {
    by_code: BTreeMap<&'a str, usize>,
    diagnostics: usize,
    files: usize,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiag<'a>>,
    schema_version: u32,
    summary: JsonSummary<'a>,
}

fn diag_json<'a>(d: &'a Diagnostic) -> JsonDiag<'a> {
    JsonDiag {
        code: d.code,
        end: JsonPos {
            line: d.end.line,
            column: d.end.col,
        },
        fix: d.fix.as_ref().map(|f| JsonFix {
            title: &f.title,
            applicability: f.applicability,
            edits: f
                .edits
                .iter()
                .map(|e| JsonEdit {
                    start: e.span.start,
                    end: e.span.end,
                    content: &e.content,
                })
                .collect(),
        }),
        help: d.help.as_deref(),
        message: &d.message,
        name: d.name,
        path: &d.path,
        peers: d.rule.peers,
        severity: d.severity,
        span: JsonSpan {
            start: d.span.start,
            end: d.span.end,
        },
        start: JsonPos {
            line: d.start.line,
            column: d.start.col,
        },
    }
}

fn json_report(diags: &[&Diagnostic], ctx: &RenderContext<'_>) -> String {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for d in diags {
        *by_code.entry(d.code).or_default() += 1;
    }
    let report = JsonReport {
        diagnostics: diags.iter().map(|d| diag_json(d)).collect(),
        schema_version: JSON_SCHEMA_VERSION,
        summary: JsonSummary {
            by_code,
            diagnostics: diags.len(),
            files: ctx.files,
        },
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF 2.1.0 through the shared writer: every rule that ran is in the
/// rule table (sorted by code), each diagnostic a result with its fix.
fn sarif(diags: &[&Diagnostic], ctx: &RenderContext<'_>) -> String {
    use crate::sarif::{
        fingerprint, lint_rule, ArtifactChange, Builder, ByteRegion, Fix, Location,
        PhysicalLocation, Region, Replacement, SarifResult, Text,
    };
    use std::borrow::Cow;
    let mut rules: Vec<&'static RuleMeta> = ctx.rules.clone();
    for d in diags {
        if !rules.iter().any(|r| r.code == d.code) {
            rules.push(d.rule);
        }
    }
    rules.sort_by_key(|r| r.code);
    rules.dedup_by_key(|r| r.code);
    let mut b = Builder::new();
    for r in &rules {
        b.rule(r.code, || lint_rule(r, &[]));
    }
    for d in diags {
        let artifact = b.artifact(&d.path.replace('\\', "/"));
        // The finding's own line, so the fingerprint survives lines added
        // above it.
        let line_text = ctx
            .sources
            .get(&d.path)
            .and_then(|src| src.lines().nth(d.start.line.saturating_sub(1)))
            .map_or(d.message.as_str(), str::trim);
        let mut properties = serde_json::Map::new();
        properties.insert("name".into(), json!(d.name));
        properties.insert("peers".into(), json!(d.rule.peers));
        b.result(SarifResult {
            rule_id: Cow::Borrowed(d.code),
            rule_index: 0,
            level: d.severity.sarif_level(),
            message: Text::plain(d.message.as_str()),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: artifact.clone(),
                    region: Region {
                        start_line: d.start.line,
                        start_column: Some(d.start.col),
                        end_line: Some(d.end.line),
                        end_column: Some(d.end.col),
                    },
                },
            }],
            partial_fingerprints: BTreeMap::from([(
                "pare/v1",
                fingerprint(&[d.code, &artifact.uri, line_text]),
            )]),
            fixes: d
                .fix
                .iter()
                .map(|f| Fix {
                    description: Text::plain(f.title.as_str()),
                    artifact_changes: vec![ArtifactChange {
                        artifact_location: artifact.clone(),
                        replacements: f
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: ByteRegion {
                                    byte_offset: e.span.start,
                                    byte_length: e.span.len(),
                                },
                                inserted_content: Text::plain(e.content.as_str()),
                            })
                            .collect(),
                    }],
                })
                .collect(),
            suppressions: Vec::new(),
            properties,
        });
    }
    b.finish(None)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(diags: &[&Diagnostic], ctx: &RenderContext<'_>) -> String {
    let mut out = String::new();
    let files: std::collections::BTreeSet<&str> = diags.iter().map(|d| d.path.as_str()).collect();
    let _ = writeln!(
        out,
        "### pare lint: {} finding{} in {} of {} file{}\n",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" },
        files.len(),
        ctx.files,
        if ctx.files == 1 { "" } else { "s" }
    );
    if diags.is_empty() {
        return out;
    }
    out.push_str(
        "| location | code | severity | message | peers | fix |\n|---|---|---|---|---|---|\n",
    );
    for d in diags {
        let fix = match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => "safe",
            Some(Applicability::Unsafe) => "unsafe",
            _ => "",
        };
        let _ = writeln!(
            out,
            "| `{}:{}:{}` | {} `{}` | {} | {} | {} | {} |",
            d.path,
            d.start.line,
            d.start.col,
            d.code,
            d.name,
            d.severity,
            md_escape(&d.message),
            md_escape(&d.rule.peers.join(", ")),
            fix
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pare_findings::{Edit, Fix, FixAvailability, LineIndex, Severity, Span};
    use serde_json::Value;

    static RULE: RuleMeta = RuleMeta {
        code: "DF001",
        name: "root-user",
        summary: "Final stage runs as root",
        severity: Severity::High,
        peers: &["hadolint:DL3002", "checkov:CKV_DOCKER_3"],
        fix: FixAvailability::Sometimes,
        doc: "## What it does\nFlags root.",
    };
    static RULE2: RuleMeta = RuleMeta {
        code: "DF015",
        name: "shell-form-entrypoint",
        summary: "Shell form",
        severity: Severity::Low,
        peers: &[],
        fix: FixAvailability::Sometimes,
        doc: "doc",
    };

    const SRC: &str = "FROM alpine:3.20\nCMD node | server.js\n";

    fn sample() -> Vec<Diagnostic> {
        let idx = LineIndex::new(SRC);
        let d2 = Diagnostic::new(
            &RULE2,
            "Dockerfile",
            SRC,
            &idx,
            Span::new(17, 37),
            "`CMD` in shell form",
        )
        .with_fix(Fix::safe(
            "Use exec form",
            vec![Edit::replace(Span::new(21, 37), "[\"node\"]")],
        ));
        let d1 = Diagnostic::new(
            &RULE,
            "Dockerfile",
            SRC,
            &idx,
            Span::new(0, 16),
            "final stage runs as root: no `USER` instruction",
        )
        .with_help("add a `USER`");
        vec![d2, d1]
    }

    fn ctx() -> RenderContext<'static> {
        RenderContext {
            sources: BTreeMap::from([("Dockerfile".to_string(), SRC)]),
            rules: vec![&RULE, &RULE2],
            color: false,
            files: 1,
        }
    }

    #[test]
    fn concise_is_sorted_with_peers() {
        insta::assert_snapshot!(render(LintFormat::Concise, &sample(), &ctx()));
    }

    #[test]
    fn full_is_plain_without_color() {
        let out = render(LintFormat::Full, &sample(), &ctx());
        assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn json_has_schema_version() {
        let out = render(LintFormat::Json, &sample(), &ctx());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["diagnostics"][0]["code"], "DF001");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn sarif_shape() {
        let out = render(LintFormat::Sarif, &sample(), &ctx());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["ruleId"], "DF001");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert_eq!(r["properties"]["peers"][0], "hadolint:DL3002");
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "DF001"
        );
        insta::assert_snapshot!(out);
    }

    #[test]
    fn markdown_table() {
        insta::assert_snapshot!(render(LintFormat::Markdown, &sample(), &ctx()));
        let empty = render(LintFormat::Markdown, &[], &ctx());
        assert!(empty.starts_with("### pare lint: 0 findings in 0 of 1 file"));
    }

    #[test]
    fn formats_parse() {
        assert_eq!("sarif".parse::<LintFormat>(), Ok(LintFormat::Sarif));
        assert!("xml".parse::<LintFormat>().is_err());
    }
}
