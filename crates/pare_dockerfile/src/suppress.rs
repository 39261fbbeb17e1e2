//! Suppressions: pare's `# pare: ignore=CODE -- reason` (and
//! `# pare: ignore-file=CODE -- reason`), hadolint's
//! `# hadolint ignore=DL3008`, `# hadolint global ignore=DL3008` and
//! `# hadolint stage ignore=DL3008` (spaces allowed around `=` and `,`), and
//! `.hadolint.yaml`: `ignored`, `override`, `failure-threshold`, `no-fail`,
//! `disable-ignore-pragma`, with a warning for each unknown key.

use crate::parser::Dockerfile;
use pare_findings::{RuleMeta, Severity};
use std::path::{Path, PathBuf};

/// One suppression.
#[derive(Debug, Clone)]
pub(crate) struct Suppression {
    /// Codes as written (pare codes or names, or peer codes).
    pub codes: Vec<String>,
    /// Reason after `--`.
    pub reason: Option<String>,
    /// `inline`, `file`, `hadolint inline`, `.hadolint.yaml`.
    pub source: String,
    /// Instruction it applies to; `None` for the whole file (or stage).
    pub instruction: Option<usize>,
    /// Stage it applies to (`# hadolint stage ignore=…`).
    pub stage: Option<usize>,
    /// Whether the codes are hadolint codes only.
    pub hadolint: bool,
}

impl Suppression {
    pub fn matches(&self, rule: &RuleMeta) -> bool {
        self.codes.iter().any(|c| {
            if self.hadolint {
                rule.peer_codes("hadolint").any(|p| p == c)
            } else {
                rule.code == c
                    || rule.name == c
                    || rule
                        .peers
                        .iter()
                        .any(|p| p.split_once(':').is_some_and(|(_, x)| x == c))
            }
        })
    }
}

fn split_codes(s: &str) -> Vec<String> {
    s.split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The scope a comment's suppression has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The instruction below the comment.
    Line,
    /// The stage the comment is in.
    Stage,
    /// The whole file.
    File,
}

/// Strip `word` and at least one space or tab after it.
fn word1<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    let rest = t.strip_prefix(word)?;
    let trimmed = rest.trim_start_matches([' ', '\t']);
    (trimmed.len() < rest.len()).then_some(trimmed)
}

/// `ignore = A , B # comment` after the scope word: the codes. Spaces are
/// allowed around `=` and `,`, as hadolint's pragma grammar allows.
fn ignore_list(t: &str, key: &str) -> Option<Vec<String>> {
    let rest = t.strip_prefix(key)?.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('=')?;
    let rest = rest.split('#').next().unwrap_or("");
    let codes: Vec<String> = rest
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    // Codes are single words: `ignore=DL3008 because` is not a list.
    (!codes.is_empty() && codes.iter().all(|c| !c.contains(char::is_whitespace)))
        .then_some(codes)
        .or_else(|| {
            // Keep the first word only when a reason follows without `#`.
            let first = rest.split_whitespace().next()?;
            Some(split_codes(first))
        })
}

/// Parse one comment's text (after `#`).
fn parse_comment(text: &str) -> Option<(Suppression, Scope)> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix("pare:") {
        let rest = rest.trim_start();
        let (body, reason) = match rest.split_once("--") {
            Some((b, r)) => (
                b.trim(),
                Some(r.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (rest.trim(), None),
        };
        let (scope, codes) = if let Some(c) = ignore_list(body, "ignore-file") {
            (Scope::File, c)
        } else if let Some(c) = ignore_list(body, "ignore-stage") {
            (Scope::Stage, c)
        } else {
            (Scope::Line, ignore_list(body, "ignore")?)
        };
        return Some((
            Suppression {
                codes,
                reason,
                source: match scope {
                    Scope::File => "file",
                    Scope::Stage => "stage",
                    Scope::Line => "inline",
                }
                .to_string(),
                instruction: None,
                stage: None,
                hadolint: false,
            },
            scope,
        ));
    }
    let rest = word1(t, "hadolint")?;
    let (scope, rest) = if let Some(r) = word1(rest, "global") {
        (Scope::File, r)
    } else if let Some(r) = word1(rest, "stage") {
        (Scope::Stage, r)
    } else {
        (Scope::Line, rest)
    };
    let codes = ignore_list(rest, "ignore")?;
    Some((
        Suppression {
            codes,
            reason: None,
            source: "hadolint inline".to_string(),
            instruction: None,
            stage: None,
            hadolint: true,
        },
        scope,
    ))
}

/// Inline suppressions of a file. A line suppression covers the instruction
/// directly below its run of comment lines; a stage suppression the stage
/// it is written in (or, above a `FROM`, the stage that `FROM` starts); a
/// file suppression everything. `hadolint_pragmas` off drops hadolint's
/// comments (`--no-peer-suppressions`, `disable-ignore-pragma: true`).
pub(crate) fn inline(df: &Dockerfile, hadolint_pragmas: bool) -> Vec<Suppression> {
    let mut out = Vec::new();
    let by_line: std::collections::HashMap<usize, &str> = df
        .comments
        .iter()
        .map(|c| (c.line, c.text.as_str()))
        .collect();
    for c in &df.comments {
        match parse_comment(&c.text) {
            Some((s, Scope::File)) if hadolint_pragmas || !s.hadolint => out.push(s),
            Some((mut s, Scope::Stage)) if hadolint_pragmas || !s.hadolint => {
                s.stage = df
                    .instructions
                    .iter()
                    .find(|i| i.line > c.line)
                    .or_else(|| df.instructions.last())
                    .and_then(|i| i.stage);
                if s.stage.is_some() {
                    out.push(s);
                }
            }
            _ => {}
        }
    }
    for (i, ins) in df.instructions.iter().enumerate() {
        let mut line = ins.line;
        while let Some(text) = line.checked_sub(1).and_then(|l| by_line.get(&l)) {
            line -= 1;
            if let Some((mut s, Scope::Line)) = parse_comment(text) {
                if hadolint_pragmas || !s.hadolint {
                    s.instruction = Some(i);
                    out.push(s);
                }
            }
        }
    }
    out
}

/// Find `.hadolint.yaml`/`.hadolint.yml` in the file's folder and upward,
/// stopping after the repository root (a folder with `.git`) or the
/// current directory.
pub(crate) fn find_hadolint_config(file: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok();
    let abs = if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.as_ref()?.join(file)
    };
    let mut dir = abs.parent();
    while let Some(d) = dir {
        for name in [".hadolint.yaml", ".hadolint.yml"] {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        if d.join(".git").exists() || cwd.as_deref() == Some(d) {
            break;
        }
        dir = d.parent();
    }
    None
}

/// What pare reads from a `.hadolint.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HadolintConfig {
    /// `ignored:` codes.
    pub ignored: Vec<String>,
    /// `override:` severities: `(code, severity)`.
    pub overrides: Vec<(String, Severity)>,
    /// `failure-threshold:`: only findings at or above it fail the run;
    /// `Some(None)` for `none`/`ignore` (nothing fails).
    pub failure_threshold: Option<Option<Severity>>,
    /// `no-fail: true`.
    pub no_fail: bool,
    /// `disable-ignore-pragma: true`: inline `# hadolint ignore=` comments are not read.
    pub disable_ignore_pragma: bool,
    /// Warnings: unknown keys and values, each naming the line.
    pub warnings: Vec<String>,
}

/// Top-level keys hadolint's config file knows.
const HADOLINT_KEYS: &[&str] = &[
    "ignored",
    "override",
    "failure-threshold",
    "trustedRegistries",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
    "no-fail",
    "no-color",
    "verbose",
    "format",
];

/// hadolint's severity names, as pare severities.
fn hadolint_severity(name: &str) -> Option<Severity> {
    Some(match name {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "info" => Severity::Low,
        "style" => Severity::Info,
        _ => return None,
    })
}

fn scalar(v: &str) -> String {
    v.trim().trim_matches(['"', '\'']).to_string()
}

fn flow_list(v: &str) -> Option<Vec<String>> {
    let inner = v.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .map(scalar)
            .filter(|c| !c.is_empty())
            .collect(),
    )
}

/// Read a hadolint config: `ignored`, `override` (severity per rule),
/// `failure-threshold`, `no-fail`, `disable-ignore-pragma`; other known
/// keys are accepted and have no effect on pare; an unknown key is a
/// warning naming the key and its line. `source` names the file.
pub fn read_hadolint_config(yaml: &str, source: &str) -> HadolintConfig {
    let mut cfg = HadolintConfig::default();
    // (top-level key, nested key under `override`)
    let mut top: Option<String> = None;
    let mut sub: Option<String> = None;
    for (n, line) in yaml.lines().enumerate() {
        let lineno = n + 1;
        let no_comment = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        };
        let t = no_comment.trim();
        if t.is_empty() || t.starts_with('#') || t == "---" {
            continue;
        }
        let indented = no_comment.starts_with([' ', '\t']) || t.starts_with('-');
        if !indented {
            let Some((k, v)) = t.split_once(':') else {
                cfg.warnings
                    .push(format!("{source}:{lineno}: cannot read `{t}`"));
                top = None;
                continue;
            };
            let k = scalar(k);
            let v = v.trim();
            sub = None;
            if !HADOLINT_KEYS.contains(&k.as_str()) {
                cfg.warnings.push(format!(
                    "{source}:{lineno}: unknown key `{k}` (hadolint reads {})",
                    HADOLINT_KEYS.join(", ")
                ));
                top = None;
                continue;
            }
            match k.as_str() {
                "ignored" => {
                    if let Some(l) = flow_list(v) {
                        cfg.ignored.extend(l);
                    }
                }
                "failure-threshold" => match scalar(v).as_str() {
                    "none" | "ignore" => cfg.failure_threshold = Some(None),
                    s => match hadolint_severity(s) {
                        Some(sev) => cfg.failure_threshold = Some(Some(sev)),
                        None => cfg.warnings.push(format!(
                            "{source}:{lineno}: unknown `failure-threshold` `{s}` (error, warning, info, style, ignore, none)"
                        )),
                    },
                },
                "no-fail" => cfg.no_fail = scalar(v) == "true",
                "disable-ignore-pragma" => cfg.disable_ignore_pragma = scalar(v) == "true",
                _ => {}
            }
            top = Some(k);
            continue;
        }
        match top.as_deref() {
            Some("ignored") => {
                if let Some(item) = t.strip_prefix('-') {
                    cfg.ignored.push(scalar(item));
                }
            }
            Some("override") => {
                if let Some(item) = t.strip_prefix('-') {
                    if let Some(sev) = sub.as_deref().and_then(hadolint_severity) {
                        cfg.overrides.push((scalar(item), sev));
                    }
                } else if let Some((k, v)) = t.split_once(':') {
                    let k = scalar(k);
                    if hadolint_severity(&k).is_none() {
                        cfg.warnings.push(format!(
                            "{source}:{lineno}: unknown key `override.{k}` (error, warning, info, style)"
                        ));
                        sub = None;
                        continue;
                    }
                    if let (Some(l), Some(sev)) = (flow_list(v), hadolint_severity(&k)) {
                        cfg.overrides.extend(l.into_iter().map(|c| (c, sev)));
                    }
                    sub = Some(k);
                }
            }
            _ => {}
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hadolint_yaml() {
        let y = "failure-threshold: info\nignored:\n  - DL3008 # pinning\n  - \"DL3015\"\ntrustedRegistries:\n  - x\noverride:\n  error:\n    - DL3002\n  style: [DL4006]\n  loud:\n    - DL1\nstrict_labels: true\n";
        let c = read_hadolint_config(y, ".hadolint.yaml");
        assert_eq!(c.ignored, vec!["DL3008", "DL3015"]);
        assert_eq!(c.failure_threshold, Some(Some(Severity::Low)));
        assert_eq!(
            c.overrides,
            vec![
                ("DL3002".to_string(), Severity::High),
                ("DL4006".to_string(), Severity::Info)
            ]
        );
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(
            c.warnings[0].starts_with(".hadolint.yaml:11: unknown key `override.loud`"),
            "{:?}",
            c.warnings
        );
        assert!(
            c.warnings[1].starts_with(".hadolint.yaml:13: unknown key `strict_labels`"),
            "{:?}",
            c.warnings
        );
        assert_eq!(
            read_hadolint_config(
                "ignored: [DL3008, 'SC2086']\nfailure-threshold: none\n",
                "f"
            )
            .ignored,
            vec!["DL3008", "SC2086"]
        );
        assert_eq!(
            read_hadolint_config("failure-threshold: none\n", "f").failure_threshold,
            Some(None)
        );
    }

    #[test]
    fn parses_comments() {
        let (s, f) = parse_comment(" pare: ignore=DF001,DF011 -- runs as root by design").unwrap();
        assert_eq!(f, Scope::Line);
        assert_eq!(s.codes, vec!["DF001", "DF011"]);
        assert_eq!(s.reason.as_deref(), Some("runs as root by design"));
        let (s, f) = parse_comment("hadolint global ignore=DL3008").unwrap();
        assert!(f == Scope::File && s.hadolint);
        let (s, f) = parse_comment("hadolint ignore = DL3002").unwrap();
        assert_eq!((s.codes, f), (vec!["DL3002".to_string()], Scope::Line));
        let (s, f) = parse_comment("hadolint global ignore = DL3023 , DL3021").unwrap();
        assert_eq!(
            (s.codes, f),
            (
                vec!["DL3023".to_string(), "DL3021".to_string()],
                Scope::File
            )
        );
        let (s, f) = parse_comment("hadolint ignore=DL3002 # because").unwrap();
        assert_eq!((s.codes, f), (vec!["DL3002".to_string()], Scope::Line));
        let (s, f) = parse_comment("hadolint stage ignore=DL3008,DL3015").unwrap();
        assert_eq!((s.codes.len(), f), (2, Scope::Stage));
        assert!(parse_comment("hadolintignore=DL3002").is_none());
        assert!(parse_comment("just a note").is_none());
    }
}
