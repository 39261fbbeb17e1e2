//! Suppressions written as annotations on the object.
//!
//! - pare's own: `pare.dev/ignore: K8S001, K8S003 -- reason` (codes or
//!   rule names, comma- or space-separated; the reason after ` -- `).
//! - checkov's: `checkov.io/skip1: CKV_K8S_20=reason` (any `checkov.io/skip*`).
//! - kube-linter's: `ignore-check.kube-linter.io/<check>: reason`.
//!
//! Peer forms are honoured only with [`pare_findings::LintOptions::peer_suppressions`].

use crate::yaml::Node;
use pare_findings::RuleMeta;

/// One suppression found on an object.
#[derive(Debug, Clone)]
pub(crate) struct Suppression {
    /// A pare code or name, or a peer code (`CKV_K8S_20`, `privileged-container`).
    pub(crate) target: String,
    /// Peer tool the target belongs to, `None` for pare's own.
    pub(crate) tool: Option<&'static str>,
    pub(crate) reason: Option<String>,
    pub(crate) source: String,
}

impl Suppression {
    pub(crate) fn matches(&self, rule: &RuleMeta) -> bool {
        match self.tool {
            None => rule.code == self.target || rule.name == self.target,
            Some(tool) => rule.peer_codes(tool).any(|c| c == self.target),
        }
    }
}

fn reason(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The suppressions in `annotations` (key, value node) pairs.
pub(crate) fn collect<'a>(
    annotations: impl Iterator<Item = (&'a str, &'a Node)>,
    peers: bool,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (key, value) in annotations {
        let text = value.as_str().unwrap_or_default();
        if key == "pare.dev/ignore" {
            let (codes, why) = text.split_once("--").unwrap_or((text, ""));
            for code in codes.split([',', ' ']).filter(|c| !c.is_empty()) {
                out.push(Suppression {
                    target: code.to_string(),
                    tool: None,
                    reason: reason(why),
                    source: format!("annotation `{key}`"),
                });
            }
        } else if peers && key.starts_with("checkov.io/skip") {
            let (code, why) = text.split_once('=').unwrap_or((text, ""));
            out.push(Suppression {
                target: code.trim().to_string(),
                tool: Some("checkov"),
                reason: reason(why),
                source: format!("annotation `{key}`"),
            });
        } else if let Some(check) = key
            .strip_prefix("ignore-check.kube-linter.io/")
            .filter(|_| peers)
        {
            out.push(Suppression {
                target: check.to_string(),
                tool: Some("kube-linter"),
                reason: reason(text),
                source: format!("annotation `{key}`"),
            });
        }
    }
    out
}
