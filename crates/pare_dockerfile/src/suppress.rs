//! Suppressions: pare's `# pare: ignore=CODE -- reason` (and
//! `# pare: ignore-file=CODE -- reason`), hadolint's
//! `# hadolint ignore=DL3008` and `# hadolint global ignore=DL3008`, and the
//! `ignored` list of `.hadolint.yaml`.

use crate::parser::Dockerfile;
use pare_findings::RuleMeta;
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
    /// Instruction it applies to; `None` for the whole file.
    pub instruction: Option<usize>,
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

/// Parse one comment's text (after `#`).
fn parse_comment(text: &str) -> Option<(Suppression, bool)> {
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
        let (file, codes) = if let Some(c) = body.strip_prefix("ignore-file=") {
            (true, c)
        } else if let Some(c) = body.strip_prefix("ignore=") {
            (false, c)
        } else {
            return None;
        };
        let codes = codes.split_whitespace().next().unwrap_or("");
        return Some((
            Suppression {
                codes: split_codes(codes),
                reason,
                source: if file { "file" } else { "inline" }.to_string(),
                instruction: None,
                hadolint: false,
            },
            file,
        ));
    }
    let rest = t.strip_prefix("hadolint")?;
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let codes = rest.strip_prefix("ignore=")?;
    let codes = codes.split_whitespace().next().unwrap_or("");
    Some((
        Suppression {
            codes: split_codes(codes),
            reason: None,
            source: "hadolint inline".to_string(),
            instruction: None,
            hadolint: true,
        },
        global,
    ))
}

/// Inline suppressions of a file. A line suppression covers the instruction
/// directly below its run of comment lines.
pub(crate) fn inline(df: &Dockerfile, peer: bool) -> Vec<Suppression> {
    let mut out = Vec::new();
    let by_line: std::collections::HashMap<usize, &str> = df
        .comments
        .iter()
        .map(|c| (c.line, c.text.as_str()))
        .collect();
    for c in &df.comments {
        if let Some((s, true)) = parse_comment(&c.text) {
            if peer || !s.hadolint {
                out.push(s);
            }
        }
    }
    for (i, ins) in df.instructions.iter().enumerate() {
        let mut line = ins.line;
        while let Some(text) = line.checked_sub(1).and_then(|l| by_line.get(&l)) {
            line -= 1;
            if let Some((mut s, false)) = parse_comment(text) {
                if peer || !s.hadolint {
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

/// The `ignored:` codes of a hadolint config (block or flow list).
pub(crate) fn hadolint_ignored(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_list = false;
    for line in yaml.lines() {
        let no_comment = line.split(" #").next().unwrap_or("");
        if no_comment.trim().is_empty() || no_comment.trim_start().starts_with('#') {
            continue;
        }
        let indented = no_comment.starts_with([' ', '\t', '-']);
        if let Some(rest) = no_comment.strip_prefix("ignored:") {
            let rest = rest.trim();
            if let Some(flow) = rest.strip_prefix('[') {
                out.extend(
                    flow.trim_end_matches(']')
                        .split(',')
                        .map(|c| c.trim().trim_matches(['"', '\'']).to_string())
                        .filter(|c| !c.is_empty()),
                );
                in_list = false;
            } else {
                in_list = true;
            }
            continue;
        }
        if in_list && indented {
            if let Some(item) = no_comment.trim().strip_prefix('-') {
                out.push(item.trim().trim_matches(['"', '\'']).to_string());
            }
        } else {
            in_list = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hadolint_yaml() {
        let y = "failure-threshold: info\nignored:\n  - DL3008 # pinning\n  - \"DL3015\"\ntrustedRegistries:\n  - x\n";
        assert_eq!(hadolint_ignored(y), vec!["DL3008", "DL3015"]);
        assert_eq!(
            hadolint_ignored("ignored: [DL3008, 'SC2086']\n"),
            vec!["DL3008", "SC2086"]
        );
    }

    #[test]
    fn parses_comments() {
        let (s, f) = parse_comment(" pare: ignore=DF001,DF011 -- runs as root by design").unwrap();
        assert!(!f);
        assert_eq!(s.codes, vec!["DF001", "DF011"]);
        assert_eq!(s.reason.as_deref(), Some("runs as root by design"));
        let (s, f) = parse_comment("hadolint global ignore=DL3008").unwrap();
        assert!(f && s.hadolint);
        assert!(parse_comment("just a note").is_none());
    }
}
