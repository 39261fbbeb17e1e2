//! `pare gate` as a table, SARIF or Markdown (JSON is the report
//! serialised as is).
//!
//! One file (about 670 lines): the three renderings of one report share its
//! section order and wording, which must not drift between formats.

use crate::sarif::{
    fingerprint, Builder, Location, PhysicalLocation, Region, SarifResult, Suppression, Text,
};
use crate::scan::{package_fingerprint, package_location, vuln_rule};
use crate::table::Table;
use pare_findings::VulnSeverity;
use pare_pipeline::gate::{GateFinding, GateReport, GateResult, HygieneFinding, SecretFinding};
use pare_policy::Action;
use pare_reach as reach;
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn headline(r: &GateReport) -> String {
    let verdict = match r.result {
        GateResult::Pass => "PASS",
        GateResult::Fail => "FAIL",
        GateResult::Incomplete => "INCOMPLETE",
    };
    format!(
        "{verdict}: {} failing, {} warning(s), {} ignored ({} vulnerabilities in {} packages)",
        r.counts.fail,
        r.counts.warn,
        r.counts.ignore,
        r.findings.len(),
        r.packages
    )
}

fn layers_line(r: &GateReport) -> String {
    let a = &r.attribution;
    match a.base_layers {
        Some(b) => format!(
            "{b} base layer(s), {} app layer(s), by {}: {}",
            a.layers.saturating_sub(b),
            a.method.as_str(),
            a.evidence
        ),
        None => a.evidence.clone(),
    }
}

fn entrypoint_line(r: &GateReport) -> String {
    if r.reachability.entrypoint.is_empty() {
        "none (reachability unknown)".to_string()
    } else {
        r.reachability.entrypoint.join(" ")
    }
}

fn fixed(f: &GateFinding) -> String {
    f.finding
        .fixed
        .as_ref()
        .map_or_else(|| "no fix".to_string(), |v| format!("fixed in {v}"))
}

fn layer(f: &GateFinding) -> String {
    match &f.finding.layer {
        Some(l) => format!("layer {} ({})", l.index, f.layer_origin.as_str()),
        None => f.layer_origin.as_str().to_string(),
    }
}

/// `reachable: a → b → c`, or the status and its reason.
fn reach_text(r: &reach::PackageReach) -> String {
    if r.chain.is_empty() {
        format!("{}: {}", r.status.as_str(), r.reason)
    } else {
        format!("{}: {}", r.status.as_str(), r.chain.join(" → "))
    }
}

/// The table for people: the verdict, then findings grouped by action,
/// each with why it was decided so.
#[must_use]
pub fn table(r: &GateReport, show_ignored: bool) -> String {
    let mut out = format!("{}: {}\n", r.source, headline(r));
    let _ = writeln!(out, "layers: {}", layers_line(r));
    let _ = writeln!(out, "entrypoint: {}", entrypoint_line(r));
    for n in &r.reachability.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    if r.policy.sources.is_empty() {
        let _ = writeln!(out, "policy: the default policy (no pare.toml found)");
    } else {
        let _ = writeln!(out, "policy: {}", r.policy.sources.join(", "));
    }
    for (action, title) in [(Action::Fail, "FAIL"), (Action::Warn, "WARN")] {
        let group: Vec<&GateFinding> = r
            .findings
            .iter()
            .filter(|f| f.decision.action == action)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({})", group.len());
        for f in group {
            let _ = writeln!(
                out,
                "  {}  {}  {} {} ({})  {}",
                f.finding.id,
                f.finding.severity,
                f.finding.package,
                f.finding.installed,
                f.finding.ecosystem,
                fixed(f)
            );
            let _ = writeln!(out, "      {} · {}", layer(f), reach_text(&f.reachability));
            let _ = writeln!(out, "      why: {}", f.decision.why);
        }
    }
    let ignored: Vec<&GateFinding> = r
        .findings
        .iter()
        .filter(|f| {
            f.decision.action == Action::Ignore
                && (show_ignored || f.decision.suppressed_by.is_some())
        })
        .collect();
    if !ignored.is_empty() {
        let _ = writeln!(out, "\nIGNORED ({})", ignored.len());
        let mut t = Table::new(&["ID", "SEVERITY", "PACKAGE", "LAYER", "REACH", "WHY"]);
        for f in ignored {
            t.row(vec![
                f.finding.id.clone(),
                f.finding.severity.to_string(),
                format!("{} {}", f.finding.package, f.finding.installed),
                layer(f),
                f.reachability.status.as_str().to_string(),
                f.decision.why.clone(),
            ]);
        }
        out.push_str(&t.render(false, true));
    }
    if !show_ignored {
        let groups = ignored_by_policy(r);
        if !groups.is_empty() {
            let total: usize = groups.values().flat_map(|g| g.values()).sum();
            let _ = writeln!(
                out,
                "\nIGNORED BY POLICY ({total}; `--show-ignored` lists them)"
            );
            for (why, by_sev) in groups {
                let _ = writeln!(out, "  {}: {why}", counts_text(&by_sev));
            }
        }
    }
    if !r.ignore_entries.is_empty() {
        let _ = writeln!(out, "\nIGNORE ENTRIES ({})", r.ignore_entries.len());
        for e in &r.ignore_entries {
            let _ = writeln!(
                out,
                "  {}  {}  {}: {}",
                e.decision.action,
                e.subject.kind.as_str(),
                e.origin,
                e.message
            );
        }
    }
    let hygiene: Vec<&HygieneFinding> = r
        .hygiene
        .iter()
        .filter(|h| h.decision.action != Action::Ignore || show_ignored)
        .collect();
    if !hygiene.is_empty() {
        let _ = writeln!(out, "\nHYGIENE ({})", hygiene.len());
        for h in hygiene {
            let _ = writeln!(
                out,
                "  {}  {} {}  {}",
                h.decision.action, h.finding.code, h.finding.name, h.finding.message
            );
            let _ = writeln!(out, "      why: {}", h.decision.why);
        }
    }
    let secrets: Vec<&SecretFinding> = r
        .secrets
        .iter()
        .filter(|s| s.decision.action != Action::Ignore || show_ignored)
        .collect();
    if !secrets.is_empty() {
        let _ = writeln!(out, "\nSECRETS ({})", secrets.len());
        for s in secrets {
            let _ = writeln!(
                out,
                "  {}  {} {}  {}",
                s.decision.action,
                s.finding.code,
                s.finding.name,
                s.finding.message()
            );
            let _ = writeln!(out, "      why: {}", s.decision.why);
        }
    }
    if !r.unknowns.is_empty() {
        let _ = writeln!(out, "\nUNKNOWN ({})", r.unknowns.len());
        for u in &r.unknowns {
            let state = match (&u.accepted_by, u.kind.blocks()) {
                (Some(by), _) => format!("accepted by {by}"),
                (None, true) => "blocks the gate".to_string(),
                (None, false) => "read the safer way".to_string(),
            };
            let _ = writeln!(out, "  {}  {}  [{state}]", u.kind, u.message);
        }
    }
    for e in &r.expired_acceptances {
        let _ = writeln!(out, "  note: {e}");
    }
    let reasons = r.incomplete_reasons();
    if !reasons.is_empty() {
        let _ = writeln!(
            out,
            "\nINCOMPLETE: the gate cannot pass until each is resolved or accepted in pare.toml (`[[unknowns.accept]]`, see docs/gate.md):"
        );
        for w in reasons {
            let _ = writeln!(out, "  - {w}");
        }
    }
    out
}

/// Findings the policy ignored without an ignore entry or VEX statement,
/// counted per deciding rule and severity (most severe first).
fn ignored_by_policy(
    r: &GateReport,
) -> BTreeMap<&str, BTreeMap<std::cmp::Reverse<VulnSeverity>, usize>> {
    let mut groups: BTreeMap<&str, BTreeMap<std::cmp::Reverse<VulnSeverity>, usize>> =
        BTreeMap::new();
    for f in r
        .findings
        .iter()
        .filter(|f| f.decision.action == Action::Ignore && f.decision.suppressed_by.is_none())
    {
        *groups
            .entry(f.decision.why.as_str())
            .or_default()
            .entry(std::cmp::Reverse(f.finding.severity))
            .or_insert(0) += 1;
    }
    groups
}

fn counts_text(by_sev: &BTreeMap<std::cmp::Reverse<VulnSeverity>, usize>) -> String {
    by_sev
        .iter()
        .map(|(s, n)| format!("{n} {}", s.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// GitHub refuses a pull-request comment over 65,536 characters; the
/// Markdown stays under this, listing at most so many rows per table and
/// pointing at the JSON/SARIF output for the rest.
pub const MARKDOWN_BUDGET: usize = 60_000;
const MAX_ROWS: usize = 100;

/// Markdown for a PR comment: the verdict and a summary table, then the
/// failing findings; warnings folded; ignored findings summarised by count
/// and rule (the full list is in the JSON and SARIF output). Stays under
/// GitHub's comment limit ([`MARKDOWN_BUDGET`]).
#[must_use]
pub fn markdown(r: &GateReport) -> String {
    let icon = match r.result {
        GateResult::Pass => "✅",
        GateResult::Fail => "❌",
        GateResult::Incomplete => "⚠️",
    };
    let mut out = format!("## {icon} pare gate: {} — `{}`\n\n", r.result, r.source);
    out.push_str("| result | fail | warn | ignored | vulnerabilities | packages |\n|---|---|---|---|---|---|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        r.result,
        r.counts.fail,
        r.counts.warn,
        r.counts.ignore,
        r.findings.len(),
        r.packages
    );
    let _ = writeln!(
        out,
        "\n**Layers:** {}  ",
        layers_line(r).replace('|', "\\|")
    );
    let _ = writeln!(out, "**Entrypoint:** `{}`", entrypoint_line(r));
    let rows = |action: Action| {
        let mut t = Table::new(&[
            "ID",
            "Severity",
            "Package",
            "Installed",
            "Fixed",
            "Layer",
            "Reachability",
            "Why",
        ]);
        let mut n = 0;
        for f in r.findings.iter().filter(|f| f.decision.action == action) {
            n += 1;
            if n > MAX_ROWS {
                continue;
            }
            t.row(vec![
                format!("[{}]({})", f.finding.id, f.finding.url),
                f.finding.severity.to_string(),
                f.finding.package.clone(),
                f.finding.installed.clone(),
                f.finding.fixed.clone().unwrap_or_else(|| "no fix".into()),
                layer(f),
                reach_text(&f.reachability),
                f.decision.why.clone(),
            ]);
        }
        (n, t)
    };
    let more = |n: usize| {
        if n > MAX_ROWS {
            format!(
                "\n…and {} more (the JSON and SARIF output list every finding)\n",
                n - MAX_ROWS
            )
        } else {
            String::new()
        }
    };
    let (n, t) = rows(Action::Fail);
    if n > 0 {
        let _ = writeln!(out, "\n### Failing ({n})\n");
        out.push_str(&t.render(true, true));
        out.push_str(&more(n));
    }
    let (n, t) = rows(Action::Warn);
    if n > 0 {
        let _ = writeln!(
            out,
            "\n<details><summary>Warnings ({n})</summary>\n\n{}{}\n</details>",
            t.render(true, true),
            more(n)
        );
    }
    let suppressed: Vec<&GateFinding> = r
        .findings
        .iter()
        .filter(|f| f.decision.action == Action::Ignore && f.decision.suppressed_by.is_some())
        .collect();
    let by_policy = ignored_by_policy(r);
    if !suppressed.is_empty() || !by_policy.is_empty() {
        let total = suppressed.len() + by_policy.values().flat_map(|g| g.values()).sum::<usize>();
        let mut t = Table::new(&["Findings", "Ignored by"]);
        let mut by_entry: BTreeMap<String, BTreeMap<std::cmp::Reverse<VulnSeverity>, usize>> =
            BTreeMap::new();
        for f in suppressed {
            let why = f
                .decision
                .suppressed_by
                .as_ref()
                .map_or_else(|| f.decision.why.clone(), pare_policy::Suppression::explain);
            *by_entry
                .entry(why)
                .or_default()
                .entry(std::cmp::Reverse(f.finding.severity))
                .or_insert(0) += 1;
        }
        for (why, counts) in &by_entry {
            t.row(vec![counts_text(counts), why.clone()]);
        }
        for (why, counts) in &by_policy {
            t.row(vec![counts_text(counts), (*why).to_string()]);
        }
        let _ = writeln!(
            out,
            "\n<details><summary>Ignored ({total})</summary>\n\n{}\n</details>",
            t.render(true, true)
        );
    }
    let secrets: Vec<&SecretFinding> = r
        .secrets
        .iter()
        .filter(|s| s.decision.action != Action::Ignore || s.decision.suppressed_by.is_some())
        .collect();
    if !secrets.is_empty() {
        let mut t = Table::new(&[
            "Action",
            "Code",
            "Secret",
            "Where",
            "Excerpt (redacted)",
            "Why",
        ]);
        for s in secrets.iter().take(MAX_ROWS) {
            t.row(vec![
                s.decision.action.to_string(),
                s.finding.code.to_string(),
                s.finding.title.to_string(),
                s.finding.location.to_string(),
                format!("`{}`", s.finding.excerpt.replace('`', "'")),
                s.decision.why.clone(),
            ]);
        }
        let _ = writeln!(
            out,
            "\n### Secrets ({})\n\n{}{}",
            secrets.len(),
            t.render(true, true),
            more(secrets.len())
        );
    }
    if !r.ignore_entries.is_empty() {
        let mut t = Table::new(&["Action", "Kind", "Where", "What"]);
        for e in &r.ignore_entries {
            t.row(vec![
                e.decision.action.to_string(),
                e.subject.kind.as_str().to_string(),
                e.origin.clone(),
                e.message.clone(),
            ]);
        }
        let _ = writeln!(out, "\n### Ignore entries\n\n{}", t.render(true, true));
    }
    if !r.unknowns.is_empty() {
        let mut t = Table::new(&["Unknown", "What", "State"]);
        for u in &r.unknowns {
            t.row(vec![
                format!("`{}`", u.kind),
                u.message.clone(),
                match (&u.accepted_by, u.kind.blocks()) {
                    (Some(by), _) => format!("accepted by {by}"),
                    (None, true) => "**blocks the gate**".to_string(),
                    (None, false) => "read the safer way".to_string(),
                },
            ]);
        }
        let _ = writeln!(out, "\n### Unknowns\n\n{}", t.render(true, true));
    }
    let reasons = r.incomplete_reasons();
    if !reasons.is_empty() {
        let _ = writeln!(
            out,
            "\n**Incomplete** (the gate cannot pass): {}",
            reasons.join("; ").replace('|', "\\|")
        );
    }
    if out.len() > MARKDOWN_BUDGET {
        let mut cut = MARKDOWN_BUDGET;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n…(truncated to fit a pull-request comment; the JSON and SARIF output hold everything)\n");
    }
    out
}

fn level(a: Action) -> &'static str {
    match a {
        Action::Fail => "error",
        Action::Warn => "warning",
        Action::Ignore => "note",
    }
}

/// SARIF 2.1.0. Failing findings are `error`s, warnings `warning`s;
/// findings suppressed by an ignore entry or a VEX statement are included
/// with a SARIF `suppressions` entry carrying the reason (GitHub shows
/// them as dismissed); findings the policy merely ignores are left out.
/// Expired and stale ignore entries are results located at their entry.
#[must_use]
pub fn sarif(r: &GateReport) -> String {
    let mut b = Builder::new();
    for f in r
        .findings
        .iter()
        .filter(|f| f.decision.action != Action::Ignore || f.decision.suppressed_by.is_some())
    {
        b.rule(&f.finding.id, || vuln_rule(&f.finding));
        let mut properties = serde_json::Map::new();
        properties.insert("package".into(), json!(f.finding.package));
        properties.insert("installed".into(), json!(f.finding.installed));
        properties.insert("fixed".into(), json!(f.finding.fixed));
        properties.insert("severity".into(), json!(f.finding.severity));
        properties.insert("purl".into(), json!(f.finding.purl));
        properties.insert("layerOrigin".into(), json!(f.layer_origin));
        properties.insert(
            "layer".into(),
            json!(f.finding.layer.as_ref().map(|l| l.index)),
        );
        properties.insert("reachability".into(), json!(f.reachability.status.as_str()));
        properties.insert("chain".into(), json!(f.reachability.chain));
        properties.insert("rule".into(), json!(f.decision.rule));
        b.result(SarifResult {
            rule_id: Cow::Borrowed(&f.finding.id),
            rule_index: 0,
            level: level(f.decision.action),
            message: Text::plain(format!(
                "{} {} ({}) is affected by {}; {}. {}, {}. Decision: {} ({})",
                f.finding.package,
                f.finding.installed,
                f.finding.ecosystem,
                f.finding.id,
                fixed(f),
                layer(f),
                reach_text(&f.reachability),
                f.decision.action,
                f.decision.why
            )),
            locations: vec![package_location(&f.finding)],
            partial_fingerprints: package_fingerprint(&f.finding),
            fixes: Vec::new(),
            suppressions: f
                .decision
                .suppressed_by
                .iter()
                .map(|s| Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: s.explain(),
                })
                .collect(),
            properties,
        });
    }
    for e in &r.ignore_entries {
        let Some(meta) = pare_policy::codes::for_kind(e.subject.kind) else {
            continue;
        };
        let id = meta.code.to_string();
        b.rule(&id, || crate::sarif::lint_rule(meta, &["policy"]));
        let (file, line) = e
            .origin
            .rsplit_once(':')
            .and_then(|(f, l)| l.parse::<usize>().ok().map(|l| (f.to_string(), l)))
            .unwrap_or_else(|| (e.origin.clone(), 1));
        let artifact = b.artifact(&file);
        let fp = fingerprint(&[&id, &artifact.uri, &e.subject.id]);
        b.result(SarifResult {
            rule_id: Cow::Owned(id),
            rule_index: 0,
            level: level(e.decision.action),
            message: Text::plain(e.message.as_str()),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: artifact,
                    region: Region::line(line),
                },
            }],
            partial_fingerprints: BTreeMap::from([("pare/v1", fp)]),
            fixes: Vec::new(),
            suppressions: Vec::new(),
            properties: serde_json::Map::new(),
        });
    }
    for h in r
        .hygiene
        .iter()
        .filter(|h| h.decision.action != Action::Ignore || h.decision.suppressed_by.is_some())
    {
        let Some(check) = pare_hygiene::checks::CHECKS
            .iter()
            .find(|c| c.meta.code == h.finding.code)
        else {
            continue;
        };
        b.rule(check.meta.code, || {
            crate::sarif::lint_rule(&check.meta, &["image"])
        });
        let mut properties = serde_json::Map::new();
        properties.insert("paths".into(), json!(h.finding.paths));
        properties.insert("rule".into(), json!(h.decision.rule));
        b.result(SarifResult {
            rule_id: Cow::Borrowed(h.finding.code),
            rule_index: 0,
            level: level(h.decision.action),
            message: Text::plain(format!(
                "{} Decision: {} ({})",
                h.finding.message, h.decision.action, h.decision.why
            )),
            locations: vec![image_location(
                r,
                h.finding.paths.first().map(String::as_str),
            )],
            partial_fingerprints: BTreeMap::from([(
                "pare/v1",
                fingerprint(&[h.finding.code, &r.source, &h.finding.paths.join(",")]),
            )]),
            fixes: Vec::new(),
            suppressions: h
                .decision
                .suppressed_by
                .iter()
                .map(|s| Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: s.explain(),
                })
                .collect(),
            properties,
        });
    }
    for s in r
        .secrets
        .iter()
        .filter(|s| s.decision.action != Action::Ignore || s.decision.suppressed_by.is_some())
    {
        let Some(meta) = pare_secrets::rule(s.finding.code) else {
            continue;
        };
        b.rule(meta.code, || {
            crate::sarif::lint_rule(meta, &["secret", "image"])
        });
        let mut res = crate::secrets::result(&s.finding, &r.source, level(s.decision.action));
        res.properties.insert("rule".into(), json!(s.decision.rule));
        res.message = Text::plain(format!(
            "{} Decision: {} ({})",
            s.finding.message(),
            s.decision.action,
            s.decision.why
        ));
        res.suppressions = s
            .decision
            .suppressed_by
            .iter()
            .map(|x| Suppression {
                kind: "external",
                status: "accepted",
                justification: x.explain(),
            })
            .collect();
        b.result(res);
    }
    for u in &r.unknowns {
        let meta = pare_policy::codes::for_unknown(u.kind);
        let id = meta.code.to_string();
        b.rule(&id, || crate::sarif::lint_rule(meta, &["policy"]));
        b.result(SarifResult {
            rule_id: Cow::Owned(id.clone()),
            rule_index: 0,
            level: if u.blocks() { "error" } else { "note" },
            message: Text::plain(u.message.as_str()),
            locations: vec![image_location(r, None)],
            partial_fingerprints: BTreeMap::from([("pare/v1", fingerprint(&[&id, &r.source]))]),
            fixes: Vec::new(),
            suppressions: u
                .accepted_by
                .iter()
                .map(|by| Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: format!("accepted by {by}"),
                })
                .collect(),
            properties: serde_json::Map::new(),
        });
    }
    b.finish(Some(json!({"result": r.result, "source": r.source})))
}

/// A location inside the image (a path in it, or the image itself).
fn image_location(r: &GateReport, path: Option<&str>) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: Builder::image_artifact(path.unwrap_or(&r.source)),
            region: Region::line(1),
        },
    }
}
