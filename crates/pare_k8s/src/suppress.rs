//! Suppressions written as annotations on the object.
//!
//! - pare's own: `pare.dev/ignore: K8S001, K8S003 -- reason` (codes or
//!   rule names, comma- or space-separated; the reason after ` -- `).
//! - checkov's: `checkov.io/skip1: CKV_K8S_20=reason` (any key containing
//!   `checkov.io/skip`, `bridgecrew.io/skip` or `cortex.io/skip`), read where
//!   checkov reads them.
//! - kube-linter's: `ignore-check.kube-linter.io/<check>: reason`.
//!
//! Peer forms are honoured only with [`pare_findings::LintOptions::peer_suppressions`].

use crate::model::Workload;
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

/// Kinds whose pod template checkov splits into a `Pod` of its own
/// (`SUPPORTED_POD_CONTAINERS_TYPES` in checkov/kubernetes/kubernetes_utils.py).
const CHECKOV_TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "DeploymentConfig",
    "DaemonSet",
    "Job",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
];

/// Annotation keys checkov reads skips from: any key *containing* one of these.
const CHECKOV_SKIP_KEYS: &[&str] = &["checkov.io/skip", "bridgecrew.io/skip", "cortex.io/skip"];

/// The annotations checkov reads skips from for the pod checks of `w`, as
/// checkov 3 does: for the kinds above with a valid template (its metadata
/// has a `name` or `labels`), the template's annotations when the template
/// has an `annotations` key, else the object's (checkov copies them down);
/// for every other kind (`Pod`, `CronJob`, ...), the object's own.
fn checkov_annotations<'a>(w: &Workload<'a>) -> Option<&'a Node> {
    let own = w.object.get("metadata").and_then(|m| m.get("annotations"));
    let kind = w.object.get_str("kind").unwrap_or_default();
    if CHECKOV_TEMPLATE_KINDS.contains(&kind) {
        if let Some(meta) = w
            .pod_meta
            .filter(|m| m.get("name").is_some() || m.get("labels").is_some())
        {
            if let Some((_, ann)) = meta.entry("annotations") {
                return Some(ann);
            }
        }
    }
    own
}

fn pairs(n: Option<&Node>) -> impl Iterator<Item = (&str, &Node)> {
    n.and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// The suppressions of a workload: pare's and kube-linter's from the
/// object's and the pod template's annotations; checkov's (`checkov.io/skip*`,
/// `bridgecrew.io/skip*`, `cortex.io/skip*`, value `CKV_K8S_20=reason` or
/// `CKV_K8S_20`) from where checkov reads them ([`checkov_annotations`]).
pub(crate) fn collect(w: &Workload<'_>, peers: bool) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (key, value) in w.annotations() {
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
    if peers {
        for (key, value) in pairs(checkov_annotations(w)) {
            if !CHECKOV_SKIP_KEYS.iter().any(|p| key.contains(p)) {
                continue;
            }
            let text = value.as_str().unwrap_or_default();
            let (code, why) = text.split_once('=').unwrap_or((text, ""));
            out.push(Suppression {
                target: code.trim().to_string(),
                tool: Some("checkov"),
                reason: reason(why),
                source: format!("annotation `{key}`"),
            });
        }
    }
    out
}
