//! Apply a [`Policy`] to findings: suppressions first (VEX statements, then
//! ignore entries), then the first matching rule, else the default action.
//! Expired and stale ignore entries become findings of their own, decided
//! by the same rules.

use crate::ignore::{IgnoreEntry, Suppression};
use crate::rule::{Action, Rule};
use crate::subject::{Kind, LayerClass, Reach, Subject};
use crate::vex::{self, Statement};
use pare_findings::Date;
use pare_findings::VulnSeverity;
use serde::Serialize;

/// Everything the gate applies.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Ordered rules.
    pub rules: Vec<Rule>,
    /// For findings no rule matches.
    pub default_action: Action,
    /// Ignore entries from every source.
    pub ignores: Vec<IgnoreEntry>,
    /// VEX statements from every document.
    pub vex: Vec<Statement>,
    /// The files read (`pare.toml`, `.trivyignore`, …), for the report.
    pub sources: Vec<String>,
    /// Unknowns the team accepts (`[[unknowns.accept]]`).
    pub accept_unknowns: Vec<crate::AcceptUnknown>,
}

impl Policy {
    /// Things to tell the user about the policy that are not findings: one
    /// line per ignore file with entries for Trivy scanners pare does not
    /// run (misconfigurations, licenses), which are skipped.
    #[must_use]
    pub fn notes(&self) -> Vec<String> {
        let mut by_file: std::collections::BTreeMap<&str, Vec<&IgnoreEntry>> =
            std::collections::BTreeMap::new();
        // Secret entries apply to pare's own secrets (see IgnoreEntry::matches).
        for e in self
            .ignores
            .iter()
            .filter(|e| e.scanner.is_some_and(|sc| sc != "secret"))
        {
            let file = e
                .origin
                .rsplit_once(':')
                .map_or(e.origin.as_str(), |(f, _)| f);
            by_file.entry(file).or_default().push(e);
        }
        by_file
            .into_iter()
            .map(|(file, es)| {
                let mut scanners: Vec<&str> = es.iter().filter_map(|e| e.scanner).collect();
                scanners.sort_unstable();
                scanners.dedup();
                let ids: Vec<&str> = es.iter().map(|e| e.id.as_str()).collect();
                format!(
                    "`{file}`: {} entr{} for Trivy's {} scanner{} (not run by pare) skipped: {}",
                    es.len(),
                    if es.len() == 1 { "y" } else { "ies" },
                    scanners.join(", "),
                    if scanners.len() == 1 { "" } else { "s" },
                    ids.join(", ")
                )
            })
            .collect()
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            rules: crate::rule::default_rules(),
            default_action: Action::Ignore,
            ignores: Vec::new(),
            vex: Vec::new(),
            sources: Vec::new(),
            accept_unknowns: Vec::new(),
        }
    }
}

/// The decision on one finding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// What happens.
    pub action: Action,
    /// The rule that decided (`fixable-critical-in-app`), or `ignore-entry`,
    /// `vex`, `default-action`.
    pub rule: String,
    /// Why, for people.
    pub why: String,
    /// The suppression, when an ignore entry or VEX statement applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<Suppression>,
}

/// An expired or stale ignore entry, reported as a finding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryFinding {
    /// The finding as rules see it (kind `expired-ignore`/`stale-ignore`).
    pub subject: Subject,
    /// For people.
    pub message: String,
    /// Where the entry is.
    pub origin: String,
    /// The decision.
    pub decision: Decision,
}

/// The outcome.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// One per subject given, in order.
    pub decisions: Vec<Decision>,
    /// Expired and stale ignore entries.
    pub entries: Vec<EntryFinding>,
}

impl Evaluation {
    /// Whether any decision (on a finding or an entry) is `fail`.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.decisions.iter().any(|d| d.action == Action::Fail)
            || self
                .entries
                .iter()
                .any(|e| e.decision.action == Action::Fail)
    }

    /// Counts of fail, warn and ignore over findings and entries.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        let all = self
            .decisions
            .iter()
            .chain(self.entries.iter().map(|e| &e.decision));
        for d in all {
            match d.action {
                Action::Fail => c.0 += 1,
                Action::Warn => c.1 += 1,
                Action::Ignore => c.2 += 1,
            }
        }
        c
    }
}

fn by_rules(policy: &Policy, s: &Subject) -> Decision {
    match policy.rules.iter().find(|r| r.matches(s)) {
        Some(r) => Decision {
            action: r.action,
            rule: r.name.clone(),
            why: format!("rule `{}` ({}): {}", r.name, r.origin, r.describe()),
            suppressed_by: None,
        },
        None => Decision {
            action: policy.default_action,
            rule: "default-action".to_string(),
            why: format!(
                "no rule matched: the default action is `{}`",
                policy.default_action
            ),
            suppressed_by: None,
        },
    }
}

/// Decide every subject. `today` decides expiry; `image_digests` (manifest
/// and config digests) let image-level VEX products name this image.
#[must_use]
pub fn evaluate(
    policy: &Policy,
    subjects: &[Subject],
    today: Date,
    image_digests: &[String],
) -> Evaluation {
    let mut used = vec![0usize; policy.ignores.len()];
    let mut decisions = Vec::with_capacity(subjects.len());
    for s in subjects {
        if let Some(sup) =
            vex::decide(&policy.vex, s, image_digests).and_then(Statement::suppression)
        {
            decisions.push(Decision {
                action: Action::Ignore,
                rule: "vex".to_string(),
                why: sup.explain(),
                suppressed_by: Some(sup),
            });
            continue;
        }
        let mut suppressed = None;
        for (i, e) in policy.ignores.iter().enumerate() {
            if e.matches(s) {
                used[i] += 1;
                if suppressed.is_none() && !e.is_expired(today) {
                    suppressed = Some(Suppression::from_entry(e));
                }
            }
        }
        decisions.push(match suppressed {
            Some(sup) => Decision {
                action: Action::Ignore,
                rule: "ignore-entry".to_string(),
                why: sup.explain(),
                suppressed_by: Some(sup),
            },
            None => by_rules(policy, s),
        });
    }
    let mut entries = Vec::new();
    for (i, e) in policy.ignores.iter().enumerate() {
        if e.scanner.is_some() {
            // Another Trivy scanner's (see Policy::notes), or a Trivy secret
            // rule: Trivy has rules pare lacks, so an unmatched one is
            // never called stale.
            continue;
        }
        let (kind, message) = if let Some(why) = &e.invalid {
            (
                Kind::InvalidIgnore,
                format!(
                    "ignore entry `{}` could not be read ({why}): it applies to nothing",
                    e.describe()
                ),
            )
        } else if e.is_expired(today) {
            let exp = e.expires.map(|d| d.to_string()).unwrap_or_default();
            (
                Kind::ExpiredIgnore,
                format!(
                    "ignore entry `{}` expired on {exp}: it no longer applies ({} finding(s) it covered are decided by the rules again)",
                    e.describe(),
                    used[i]
                ),
            )
        } else if used[i] == 0 {
            (
                Kind::StaleIgnore,
                format!(
                    "ignore entry `{}` matched no finding: remove it, or fix its scope",
                    e.describe()
                ),
            )
        } else {
            continue;
        };
        let subject = Subject {
            kind,
            id: e.id.clone(),
            ids: vec![e.id.clone()],
            severity: VulnSeverity::Unknown,
            fixed: false,
            layer: LayerClass::Unknown,
            reach: Reach::Unknown,
            ecosystem: None,
            package: e
                .package
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            purl: e.purls.first().cloned().unwrap_or_default(),
            paths: Vec::new(),
        };
        let decision = by_rules(policy, &subject);
        entries.push(EntryFinding {
            subject,
            message,
            origin: e.origin.clone(),
            decision,
        });
    }
    for st in &policy.vex {
        let Some(why) = &st.invalid else {
            continue;
        };
        let id = st.vuln_ids.first().cloned().unwrap_or_default();
        let subject = Subject {
            kind: Kind::InvalidVex,
            ids: st.vuln_ids.clone(),
            id,
            severity: VulnSeverity::Unknown,
            fixed: false,
            layer: LayerClass::Unknown,
            reach: Reach::Unknown,
            ecosystem: None,
            package: String::new(),
            purl: String::new(),
            paths: Vec::new(),
        };
        let decision = by_rules(policy, &subject);
        entries.push(EntryFinding {
            subject,
            message: format!(
                "VEX {} skipped: {why}; the rest of the document applies",
                st.origin
            ),
            origin: st.origin.clone(),
            decision,
        });
    }
    Evaluation { decisions, entries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use std::path::Path;

    fn vuln(id: &str, sev: &str, fixed: bool, layer: LayerClass, pkg: &str) -> Subject {
        Subject {
            kind: Kind::Vulnerability,
            id: id.into(),
            ids: vec![id.into()],
            severity: sev.parse().unwrap(),
            fixed,
            layer,
            reach: Reach::Reachable,
            ecosystem: Some(pare_findings::Ecosystem::Pypi),
            package: pkg.into(),
            purl: format!("pkg:pypi/{pkg}@1.0"),
            paths: vec![format!("/app/{pkg}.dist-info/METADATA")],
        }
    }

    /// A `.trivyignore` shared with Trivy suppresses the same secrets in
    /// pare: its secret rule IDs are pare's secret rule names.
    #[test]
    fn trivy_secret_ids_suppress_pare_secrets_of_that_name() {
        let policy = Policy {
            ignores: crate::trivy::parse_trivyignore(
                Path::new(".trivyignore"),
                "aws-access-key-id\ngithub-pat\n",
                false,
            )
            .unwrap(),
            ..Policy::default()
        };
        let secret = |code: &str, name: &str| Subject {
            kind: Kind::Secret,
            id: code.into(),
            ids: vec![code.into(), name.into()],
            ..vuln(code, "critical", false, LayerClass::Unknown, "")
        };
        let subjects = vec![
            secret("SEC002", "aws-access-key-id"),
            secret("SEC003", "aws-secret-access-key"),
            // a vulnerability that happens to carry the name is not a secret
            Subject {
                ids: vec!["CVE-9".into(), "aws-access-key-id".into()],
                ..vuln("CVE-9", "critical", true, LayerClass::App, "x")
            },
        ];
        let ev = evaluate(&policy, &subjects, Date::parse("2025-01-01").unwrap(), &[]);
        assert_eq!(ev.decisions[0].action, Action::Ignore);
        assert_eq!(ev.decisions[1].action, Action::Fail);
        assert_eq!(ev.decisions[2].action, Action::Fail);
        // `github-pat` matched nothing: Trivy has rules pare lacks, so not stale
        assert!(ev.entries.is_empty(), "{:?}", ev.entries);
        assert!(policy.notes().is_empty());
    }

    #[test]
    fn ignores_expire_and_go_stale() {
        let cfg = config::parse(
            Path::new("pare.toml"),
            r#"
[[ignore]]
id = "CVE-1"
reason = "accepted"
expires = 2025-01-31
ticket = "SEC-1"

[[ignore]]
id = "CVE-2"
package = "flask"
reason = "old"
expires = 2024-01-01

[[ignore]]
id = "CVE-404"
reason = "nothing has it"
expires = 2030-01-01
"#,
        )
        .unwrap();
        let policy = Policy {
            ignores: cfg.ignores,
            ..Policy::default()
        };
        let subjects = vec![
            vuln("CVE-1", "critical", true, LayerClass::App, "requests"),
            vuln("CVE-2", "critical", true, LayerClass::App, "flask"),
            vuln("CVE-3", "critical", true, LayerClass::Base, "x"),
        ];
        let today = Date::parse("2025-01-15").unwrap();
        let ev = evaluate(&policy, &subjects, today, &[]);
        assert_eq!(ev.decisions[0].action, Action::Ignore);
        assert_eq!(
            ev.decisions[0].why,
            "ignored by pare.toml:2 until 2025-01-31 (SEC-1): accepted"
        );
        // expired: the rules decide again
        assert_eq!(ev.decisions[1].action, Action::Fail);
        assert_eq!(ev.decisions[1].rule, "fixable-critical-in-app");
        assert_eq!(ev.decisions[2].action, Action::Warn);
        let kinds: Vec<_> = ev
            .entries
            .iter()
            .map(|e| (e.subject.kind, e.origin.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::ExpiredIgnore, "pare.toml:8"),
                (Kind::StaleIgnore, "pare.toml:14")
            ]
        );
        assert!(ev.entries.iter().all(|e| e.decision.action == Action::Warn));
        assert!(ev.failed());
        assert_eq!(ev.counts(), (1, 3, 1));
        // after CVE-1's entry expires, it fails too
        let later = evaluate(&policy, &subjects, Date::parse("2025-02-01").unwrap(), &[]);
        assert_eq!(later.decisions[0].action, Action::Fail);
    }

    /// Entries for Trivy's misconfiguration and license scanners never match
    /// and are never stale (one note per file); its secret rule IDs suppress
    /// pare's secrets of that name and are never stale either; an invalid entry (lenient) and an invalid VEX
    /// statement are findings of their own, warned by the default policy.
    #[test]
    fn other_scanners_invalid_entries_and_vex() {
        let trivy = crate::trivy::parse_trivyignore(
            Path::new("/repo/.trivyignore"),
            "AVD-DS-0002\naws-access-key-id\nGPL-3.0\nCVE-1 exp:2025-13-01\nCVE-404\n",
            true,
        )
        .unwrap();
        let vex = crate::vex::parse(
            Path::new("app.vex.json"),
            r#"{"statements":[{"vulnerability":"CVE-2","status":"not_affected"}]}"#,
        )
        .unwrap();
        let policy = Policy {
            ignores: trivy,
            vex,
            ..Policy::default()
        };
        assert_eq!(
            policy.notes(),
            ["`.trivyignore`: 2 entries for Trivy's license, misconfiguration scanners (not run by pare) skipped: AVD-DS-0002, GPL-3.0"]
        );
        let subjects = vec![
            vuln("CVE-1", "critical", true, LayerClass::App, "a"),
            vuln("CVE-2", "critical", true, LayerClass::App, "b"),
        ];
        let ev = evaluate(&policy, &subjects, Date::parse("2025-01-01").unwrap(), &[]);
        // the invalid entry does not suppress CVE-1; the invalid statement not CVE-2
        assert_eq!(ev.decisions[0].action, Action::Fail);
        assert_eq!(ev.decisions[1].action, Action::Fail);
        let entries: Vec<_> = ev
            .entries
            .iter()
            .map(|e| (e.subject.kind, e.origin.as_str(), e.decision.action))
            .collect();
        assert_eq!(
            entries,
            [
                (Kind::InvalidIgnore, ".trivyignore:4", Action::Warn),
                (Kind::StaleIgnore, ".trivyignore:5", Action::Warn),
                (Kind::InvalidVex, "app.vex.json: statement 1", Action::Warn),
            ]
        );
        assert!(
            ev.entries[0].message.contains("line 4, column 7: `exp:`"),
            "{}",
            ev.entries[0].message
        );
    }

    #[test]
    fn user_rules_and_default_action() {
        let cfg = config::parse(
            Path::new("pare.toml"),
            "[policy]\ndefault-action = \"warn\"\n[[policy.rules]]\nname = \"no-stale\"\naction = \"fail\"\nkind = \"stale-ignore\"\n[[ignore]]\nid = \"CVE-9\"\nreason = \"r\"\nexpires = 2030-01-01\n",
        )
        .unwrap();
        let policy = Policy {
            rules: cfg.rules.unwrap(),
            default_action: cfg.default_action.unwrap(),
            ignores: cfg.ignores,
            ..Policy::default()
        };
        let ev = evaluate(
            &policy,
            &[vuln("CVE-1", "critical", true, LayerClass::App, "a")],
            Date::parse("2025-01-01").unwrap(),
            &[],
        );
        assert_eq!(ev.decisions[0].action, Action::Warn);
        assert_eq!(ev.decisions[0].rule, "default-action");
        assert_eq!(ev.entries[0].decision.action, Action::Fail);
        assert_eq!(ev.entries[0].decision.rule, "no-stale");
    }
}
