//! Policy rules: ordered; the first rule whose every condition holds decides
//! a finding's action.

use crate::subject::{Kind, LayerClass, Reach, Subject};
use globset::{GlobBuilder, GlobMatcher};
use pare_findings::{Ecosystem, VulnSeverity};
use serde::Serialize;
use std::fmt;

/// What to do with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Fail the gate (exit 1).
    Fail,
    /// Report, but pass.
    Warn,
    /// Do not report (still listed under "ignored" with the reason).
    Ignore,
}

impl Action {
    /// Name as written in `pare.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Fail => "fail",
            Action::Warn => "warn",
            Action::Ignore => "ignore",
        }
    }

    /// Parse a name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fail" => Some(Action::Fail),
            "warn" => Some(Action::Warn),
            "ignore" => Some(Action::Ignore),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A case-insensitive glob with its source text.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    /// Compile a glob (`*`, `?`, `[...]`), matched case-insensitively.
    ///
    /// # Errors
    /// An invalid glob.
    pub fn new(text: &str) -> Result<Self, String> {
        let glob = GlobBuilder::new(text)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("invalid pattern `{text}`: {}", e.kind()))?;
        Ok(Self {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether `s` matches.
    #[must_use]
    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }

    /// The glob as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One rule. Every condition given must hold; an absent condition matches
/// anything. `kinds` defaults to `[vulnerability]`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Name shown as the reason of each decision.
    pub name: String,
    /// Where it was written (`pare.toml:12`), or `default policy`.
    pub origin: String,
    /// Action when it matches.
    pub action: Action,
    /// Finding kinds.
    pub kinds: Vec<Kind>,
    /// Severities.
    pub severities: Vec<VulnSeverity>,
    /// Whether a fixed version must (true) or must not (false) exist.
    pub fix: Option<bool>,
    /// Layer classes.
    pub layers: Vec<LayerClass>,
    /// Reachability values.
    pub reach: Vec<Reach>,
    /// Ecosystems.
    pub ecosystems: Vec<Ecosystem>,
    /// Package name globs.
    pub packages: Vec<Pattern>,
    /// ID globs, matched against every ID and alias.
    pub ids: Vec<Pattern>,
}

impl Rule {
    /// Not knowing never passes: a failing rule that asks for the app's
    /// layers also matches a layer of unknown origin, and one that asks for
    /// reachable findings also matches unknown reachability (the safer
    /// reading). A rule that only warns or ignores never matches an unknown
    /// it did not name, so `layer = "base"` or `reachability =
    /// "unreachable"` never demotes what is not known to be so.
    fn fails_closed(&self) -> bool {
        self.action == Action::Fail
    }

    /// Whether every condition of the rule holds for `s`.
    #[must_use]
    pub fn matches(&self, s: &Subject) -> bool {
        let kind_ok = if self.kinds.is_empty() {
            s.kind == Kind::Vulnerability
        } else {
            self.kinds.contains(&s.kind)
        };
        kind_ok
            && (self.severities.is_empty() || self.severities.contains(&s.severity))
            && self.fix.is_none_or(|f| f == s.fixed)
            && (self.layers.is_empty()
                || self.layers.contains(&s.layer)
                || (self.fails_closed()
                    && s.layer == LayerClass::Unknown
                    && self.layers.contains(&LayerClass::App)))
            && (self.reach.is_empty()
                || self.reach.contains(&s.reach)
                || (self.fails_closed()
                    && s.reach == Reach::Unknown
                    && self.reach.contains(&Reach::Reachable)))
            && (self.ecosystems.is_empty()
                || s.ecosystem.is_some_and(|e| self.ecosystems.contains(&e)))
            && (self.packages.is_empty() || self.packages.iter().any(|p| p.is_match(&s.package)))
            && (self.ids.is_empty()
                || self
                    .ids
                    .iter()
                    .any(|p| p.is_match(&s.id) || s.ids.iter().any(|i| p.is_match(i))))
    }

    /// The rule's conditions in `pare.toml` syntax, for explanations.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.kinds.is_empty() {
            parts.push(format!(
                "kind = {}",
                list(self.kinds.iter().map(|k| k.as_str()))
            ));
        }
        if !self.severities.is_empty() {
            parts.push(format!(
                "severity = {}",
                list(self.severities.iter().map(|s| s.as_str()))
            ));
        }
        if let Some(f) = self.fix {
            parts.push(format!("fix = {f}"));
        }
        if !self.layers.is_empty() {
            parts.push(format!(
                "layer = {}",
                list(self.layers.iter().map(|l| l.as_str()))
            ));
        }
        if !self.reach.is_empty() {
            parts.push(format!(
                "reachability = {}",
                list(self.reach.iter().map(|r| r.as_str()))
            ));
        }
        if !self.ecosystems.is_empty() {
            parts.push(format!(
                "ecosystem = {}",
                list(self.ecosystems.iter().map(|e| e.as_str()))
            ));
        }
        if !self.packages.is_empty() {
            parts.push(format!(
                "package = {}",
                list(self.packages.iter().map(Pattern::as_str))
            ));
        }
        if !self.ids.is_empty() {
            parts.push(format!(
                "id = {}",
                list(self.ids.iter().map(Pattern::as_str))
            ));
        }
        if parts.is_empty() {
            "any vulnerability".to_string()
        } else {
            parts.join(", ")
        }
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.len() == 1 {
        format!("\"{}\"", v[0])
    } else {
        format!(
            "[{}]",
            v.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The default policy, used when `pare.toml` declares no rules: block
/// critical CVEs with a known fix in the application's own layers (or in
/// layers whose origin is unknown: not knowing never passes); warn on every
/// other critical (the base image's, which a base bump fixes) and on fixable
/// highs; warn on expired, stale and invalid ignore entries and invalid VEX
/// statements; fail on every secret in the image (a credential in any
/// layer is published with it); everything else is ignored by policy
/// (listed, with this reason).
#[must_use]
pub fn default_rules() -> Vec<Rule> {
    let base = |name: &str, action| Rule {
        name: name.to_string(),
        origin: "default policy".to_string(),
        action,
        kinds: Vec::new(),
        severities: Vec::new(),
        fix: None,
        layers: Vec::new(),
        reach: Vec::new(),
        ecosystems: Vec::new(),
        packages: Vec::new(),
        ids: Vec::new(),
    };
    vec![
        Rule {
            severities: vec![VulnSeverity::Critical],
            fix: Some(true),
            layers: vec![LayerClass::App, LayerClass::Unknown],
            ..base("fixable-critical-in-app", Action::Fail)
        },
        Rule {
            severities: vec![VulnSeverity::Critical],
            ..base("critical", Action::Warn)
        },
        Rule {
            severities: vec![VulnSeverity::High],
            fix: Some(true),
            ..base("fixable-high", Action::Warn)
        },
        Rule {
            kinds: vec![
                Kind::ExpiredIgnore,
                Kind::StaleIgnore,
                Kind::InvalidIgnore,
                Kind::InvalidVex,
            ],
            ..base("ignore-hygiene", Action::Warn)
        },
        Rule {
            kinds: vec![Kind::Secret],
            ..base("secret", Action::Fail)
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(sev: &str, fixed: bool, layer: LayerClass) -> Subject {
        Subject {
            kind: Kind::Vulnerability,
            id: "CVE-2024-1".into(),
            ids: vec!["CVE-2024-1".into(), "GHSA-xxxx".into()],
            severity: sev.parse().unwrap(),
            fixed,
            layer,
            reach: Reach::Reachable,
            ecosystem: Some(Ecosystem::Deb),
            package: "libssl3".into(),
            purl: "pkg:deb/debian/libssl3@3".into(),
            paths: vec![],
        }
    }

    fn first<'a>(rules: &'a [Rule], s: &Subject) -> Option<&'a Rule> {
        rules.iter().find(|r| r.matches(s))
    }

    #[test]
    fn default_policy_fails_only_fixable_critical_in_app() {
        let rules = default_rules();
        let decide = |s: &Subject| first(&rules, s).map_or(Action::Ignore, |r| r.action);
        assert_eq!(
            decide(&subject("critical", true, LayerClass::App)),
            Action::Fail
        );
        assert_eq!(
            decide(&subject("critical", true, LayerClass::Unknown)),
            Action::Fail
        );
        assert_eq!(
            decide(&subject("critical", true, LayerClass::Base)),
            Action::Warn
        );
        assert_eq!(
            decide(&subject("critical", false, LayerClass::App)),
            Action::Warn
        );
        assert_eq!(
            decide(&subject("high", true, LayerClass::App)),
            Action::Warn
        );
        assert_eq!(
            decide(&subject("high", false, LayerClass::App)),
            Action::Ignore
        );
        assert_eq!(
            decide(&subject("medium", true, LayerClass::App)),
            Action::Ignore
        );
        let mut stale = subject("unknown", false, LayerClass::Unknown);
        stale.kind = Kind::StaleIgnore;
        assert_eq!(decide(&stale), Action::Warn);
        let mut secret = subject("low", false, LayerClass::Base);
        secret.kind = Kind::Secret;
        assert_eq!(
            decide(&secret),
            Action::Fail,
            "a secret fails wherever it is"
        );
    }

    #[test]
    fn unknown_layer_and_reach_fail_closed_and_never_demote() {
        let mut fail = default_rules().remove(0);
        fail.layers = vec![LayerClass::App];
        fail.reach = vec![Reach::Reachable];
        let mut s = subject("critical", true, LayerClass::Unknown);
        s.reach = Reach::Unknown;
        assert!(
            fail.matches(&s),
            "a failing rule reads unknown as app and reachable"
        );
        let mut demote = default_rules().remove(1);
        demote.action = Action::Ignore;
        demote.reach = vec![Reach::Unreachable];
        assert!(!demote.matches(&s), "unknown is not unreachable");
        demote.reach = Vec::new();
        demote.layers = vec![LayerClass::Base];
        assert!(!demote.matches(&s), "unknown is not base");
        // A warning rule that names app does not take unknowns either.
        demote.action = Action::Warn;
        demote.layers = vec![LayerClass::App];
        assert!(!demote.matches(&s));
    }

    #[test]
    fn id_patterns_match_aliases_case_insensitively() {
        let mut r = default_rules().remove(1);
        r.ids = vec![Pattern::new("ghsa-*").unwrap()];
        assert!(r.matches(&subject("critical", true, LayerClass::App)));
        r.packages = vec![Pattern::new("openssl*").unwrap()];
        assert!(!r.matches(&subject("critical", true, LayerClass::App)));
        assert_eq!(
            r.describe(),
            "severity = \"critical\", package = \"openssl*\", id = \"ghsa-*\""
        );
    }
}
