//! The image config: `Env` values, `history[].created_by` and labels.
//! Every content rule runs over each of them; the config rules (one per
//! file) add what only a name can tell: `DB_PASSWORD=…` is a password
//! whatever it looks like.

mod secret_in_env;
mod secret_in_history;
mod secret_in_label;

use crate::redact::{mask_random, redact, MASK};
use crate::{allow, scan, Finding, Location};
use pare_findings::RuleMeta;
use pare_image::ConfigFile;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// The config rules, in code order.
pub(crate) static RULES: &[&RuleMeta] = &[
    &secret_in_env::RULE,
    &secret_in_history::RULE,
    &secret_in_label::RULE,
];

/// Names that say their value is a credential (`DB_PASSWORD`,
/// `API_KEY`, `GITHUB_TOKEN`, `client.secret`).
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[_.\-])(?:pass(?:word|wd)?|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|secret[_\-]?key|credentials?)(?:$|[_.\-])",
    )
    .expect("valid regex")
});

/// Suffixes that make such a name point at a secret instead of holding
/// one (`PASSWORD_FILE=/run/secrets/db`, `TOKEN_URL`, `SECRET_NAME`).
const REFERENCE_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_URL",
    "_URI",
    "_HOST",
    "_PORT",
    "_USER",
    "_USERNAME",
    "_ENV",
    "_TYPE",
    "_LENGTH",
    "_TTL",
    "_EXPIRY",
    "_ENDPOINT",
    "_HEADER",
    "_ID",
];

/// Whether `name` names a credential.
pub(crate) fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace(['.', '-'], "_");
    SECRET_NAME.is_match(name) && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// Whether `value` is a literal worth calling a credential: not empty or
/// trivial, not a reference (`$VAR`, a path, a URL without a password), not
/// a flag (`true`, `0`).
pub(crate) fn literal_value(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    if v.len() < 6 || crate::rules::is_reference(v.as_bytes()) {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with('~') {
        return false;
    }
    if v.contains("://") && !v.contains('@') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    !(matches!(lower.as_str(), "true" | "false" | "enabled" | "disabled")
        || v.bytes().all(|b| b.is_ascii_digit()))
}

/// `text` for a report: `spans` redacted (with their public prefixes),
/// random-looking tokens masked, at most 160 characters around the first
/// span.
fn excerpt(text: &str, spans: &[(Range<usize>, usize)]) -> String {
    let data = text.as_bytes();
    let mut spans: Vec<(Range<usize>, usize)> = spans.to_vec();
    spans.extend(scan::engine().find_all(data));
    spans.sort_by_key(|(s, _)| s.start);
    let first = spans.first().map_or(0, |(s, _)| s.start);
    let from = first.saturating_sub(80);
    let mut out = String::new();
    let mut at = from;
    for (s, reveal) in &spans {
        if s.start < at {
            continue;
        }
        out.push_str(&mask_random(&data[at..s.start]));
        out.push_str(&redact(&data[s.clone()], *reveal));
        at = s.end;
    }
    out.push_str(&mask_random(&data[at..]));
    let out = out.replace(['\r', '\n', '\t'], " ");
    let mut short: String = out.chars().take(160).collect();
    if from > 0 {
        short.insert(0, '…');
    }
    if out.chars().count() > 160 {
        short.push('…');
    }
    short
}

/// Findings of the content rules in `text`, at `location`.
fn content(text: &str, location: &Location, out: &mut Vec<Finding>) -> Vec<Range<usize>> {
    let hits = scan::engine().rules_in(text);
    let spans: Vec<(Range<usize>, usize)> = hits
        .iter()
        .map(|(r, s)| (s.clone(), (r.reveal)(&text.as_bytes()[s.clone()])))
        .collect();
    for (r, _) in &hits {
        out.push(Finding {
            code: r.meta.code,
            name: r.meta.name,
            severity: r.meta.severity,
            title: r.title,
            location: location.clone(),
            excerpt: excerpt(text, &spans),
        });
    }
    hits.into_iter().map(|(_, s)| s).collect()
}

fn by_name(
    meta: &'static RuleMeta,
    title: &'static str,
    location: Location,
    text: &str,
    value: Range<usize>,
) -> Option<Finding> {
    let v = &text[value.clone()];
    if allow::allowed(meta.code, "", v.as_bytes()).is_some() {
        return None;
    }
    Some(Finding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        title,
        excerpt: excerpt(text, &[(value, 0)]),
        location,
    })
}

/// `NAME=VALUE` assignments in a build step (BuildKit's `|2 A=1 B=2`
/// build-argument prefix, `ENV`/`ARG` lines, shell assignments).
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_.\-]*)=("[^"]*"|'[^']*'|[^\s;&|)]+)"#)
        .expect("valid regex")
});

/// A label's value safe to print: redacted whole when the label's name says
/// it is a credential, else with every secret in it redacted.
#[must_use]
pub fn redact_label(name: &str, value: &str) -> String {
    if secret_name(name) && literal_value(value) {
        MASK.to_string()
    } else {
        crate::redact_text(value)
    }
}

/// The values of credential-named `NAME=VALUE` assignments in `text`.
pub(crate) fn named_values(text: &str) -> Vec<Range<usize>> {
    ASSIGNMENT
        .captures_iter(text)
        .filter_map(|c| Some((c.get(1)?, c.get(2)?)))
        .filter(|(n, v)| secret_name(n.as_str()) && literal_value(v.as_str()))
        .filter(|(_, v)| allow::allowed("SEC018", "", v.as_str().as_bytes()).is_none())
        .map(|(_, v)| v.range())
        .collect()
}

/// Every secret in the image config: env, history, labels, in that order.
#[must_use]
pub fn scan_config(cfg: &ConfigFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &cfg.config.env {
        let (name, value) = e.split_once('=').unwrap_or((e, ""));
        let loc = Location::Env {
            name: name.to_string(),
        };
        let found = content(e, &loc, &mut out);
        let vr = name.len() + 1..e.len();
        if found.is_empty() && !value.is_empty() && secret_name(name) && literal_value(value) {
            out.extend(by_name(
                &secret_in_env::RULE,
                secret_in_env::TITLE,
                loc,
                e,
                vr,
            ));
        }
    }
    let mut layer = 0;
    for (index, h) in cfg.history.iter().enumerate() {
        let this = (!h.empty_layer).then_some(layer);
        if !h.empty_layer {
            layer += 1;
        }
        let Some(text) = h.created_by.as_deref() else {
            continue;
        };
        let loc = Location::History { index, layer: this };
        let found = content(text, &loc, &mut out);
        for c in ASSIGNMENT.captures_iter(text) {
            let (Some(n), Some(v)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let overlaps = found.iter().any(|f| f.start < v.end() && v.start() < f.end);
            if !overlaps && secret_name(n.as_str()) && literal_value(v.as_str()) {
                out.extend(by_name(
                    &secret_in_history::RULE,
                    secret_in_history::TITLE,
                    loc.clone(),
                    text,
                    v.range(),
                ));
            }
        }
    }
    for (name, value) in &cfg.config.labels {
        let text = format!("{name}={value}");
        let loc = Location::Label { name: name.clone() };
        let found = content(&text, &loc, &mut out);
        if found.is_empty() && secret_name(name) && literal_value(value) {
            let vr = name.len() + 1..text.len();
            out.extend(by_name(
                &secret_in_label::RULE,
                secret_in_label::TITLE,
                loc,
                &text,
                vr,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(env: &[&str], history: &[&str], labels: &[(&str, &str)]) -> ConfigFile {
        let labels: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).into()))
            .collect();
        let history: Vec<serde_json::Value> = history
            .iter()
            .map(|h| serde_json::json!({"created_by": h}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "config": {"Env": env, "Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": history,
        }))
        .unwrap()
    }

    fn codes(f: &[Finding]) -> Vec<(&str, String)> {
        f.iter().map(|f| (f.code, f.location.path())).collect()
    }

    #[test]
    fn names_and_values() {
        assert!(
            secret_name("DB_PASSWORD") && secret_name("api-key") && secret_name("GITHUB_TOKEN")
        );
        assert!(!secret_name("PASSWORD_FILE") && !secret_name("GPG_KEY") && !secret_name("PATH"));
        assert!(!secret_name("TOKEN_URL") && !secret_name("TOKENIZERS_PARALLELISM"));
        assert!(literal_value("s3cr3t-Value") && !literal_value("${DB_PASSWORD}"));
        assert!(!literal_value("/run/secrets/db") && !literal_value("x") && !literal_value("true"));
    }

    #[test]
    fn env_history_and_labels() {
        let cfg = config(
            &[
                "PATH=/usr/bin",
                "SECRET_TOKEN=x",
                "AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2",
                "DB_PASSWORD=Pare0Fleet7Gen9NotReal",
                "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
            ],
            &[
                "RUN |1 NPM_TOKEN=Pare0Fleet7Gen9NotReal /bin/sh -c npm ci",
                "/bin/sh -c #(nop)  ENV GITHUB_TOKEN=ghp_PareFleet0Generated9NotReal4u7Kx2QmZ",
                "RUN apt-get install -y curl",
            ],
            &[
                ("org.opencontainers.image.title", "app"),
                ("deploy.api-key", "Pare0Fleet7Gen9NotReal"),
            ],
        );
        let f = scan_config(&cfg);
        assert_eq!(
            codes(&f),
            [
                ("SEC002", "env:AWS_ACCESS_KEY_ID".to_string()),
                ("SEC017", "env:DB_PASSWORD".to_string()),
                ("SEC018", "history[0]".to_string()),
                ("SEC004", "history[1]".to_string()),
                ("SEC019", "label:deploy.api-key".to_string()),
            ]
        );
        for x in &f {
            assert!(
                !x.excerpt.contains("Pare0Fleet7Gen9NotReal"),
                "{}",
                x.excerpt
            );
            assert!(!x.excerpt.contains("Q7PARE4TESTW6ZK2"), "{}", x.excerpt);
            assert!(!x.excerpt.contains("PareFleet0Generated"), "{}", x.excerpt);
        }
        assert_eq!(f[1].excerpt, "DB_PASSWORD=********");
        assert_eq!(f[2].excerpt, "RUN |1 NPM_TOKEN=******** /bin/sh -c npm ci");
        assert_eq!(
            f[2].location,
            Location::History {
                index: 0,
                layer: Some(0)
            }
        );
    }
}
