//! `pare gate` renderers: table, SARIF and Markdown (JSON is the report
//! serialized as is).

use super::{GateFinding, GateReport};
use crate::render::Table;
use pare_policy::Action;
use pare_reach as reach;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn headline(r: &GateReport) -> String {
    let verdict = match r.result {
        "pass" => "PASS",
        "fail" => "FAIL",
        _ => "INCOMPLETE",
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
                f.finding.severity.clone(),
                format!("{} {}", f.finding.package, f.finding.installed),
                layer(f),
                f.reachability.status.as_str().to_string(),
                f.decision.why.clone(),
            ]);
        }
        out.push_str(&t.render(false, true));
    }
    if !show_ignored {
        // decision why -> severity rank -> (label, count)
        let mut groups: BTreeMap<&str, BTreeMap<usize, (&str, usize)>> = BTreeMap::new();
        for f in r
            .findings
            .iter()
            .filter(|f| f.decision.action == Action::Ignore && f.decision.suppressed_by.is_none())
        {
            let rank = pare_policy::subject::SEVERITIES
                .iter()
                .position(|s| *s == f.finding.severity)
                .unwrap_or(usize::MAX);
            groups
                .entry(f.decision.why.as_str())
                .or_default()
                .entry(rank)
                .or_insert((f.finding.severity.as_str(), 0))
                .1 += 1;
        }
        if !groups.is_empty() {
            let total: usize = groups.values().flat_map(|g| g.values()).map(|v| v.1).sum();
            let _ = writeln!(
                out,
                "\nIGNORED BY POLICY ({total}; `--show-ignored` lists them)"
            );
            for (why, by_sev) in groups {
                let parts: Vec<String> = by_sev.values().map(|(s, n)| format!("{n} {s}")).collect();
                let _ = writeln!(out, "  {}: {why}", parts.join(", "));
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
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\nINCOMPLETE: {}", r.warnings.join("; "));
    }
    out
}

/// Markdown for a PR comment: the verdict and a summary table, then the
/// failing findings; warnings and the rest folded.
pub fn markdown(r: &GateReport) -> String {
    let icon = match r.result {
        "pass" => "✅",
        "fail" => "❌",
        _ => "⚠️",
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
            t.row(vec![
                format!("[{}]({})", f.finding.id, f.finding.url),
                f.finding.severity.clone(),
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
    let (n, t) = rows(Action::Fail);
    if n > 0 {
        let _ = writeln!(out, "\n### Failing ({n})\n");
        out.push_str(&t.render(true, true));
    }
    let (n, t) = rows(Action::Warn);
    if n > 0 {
        let _ = writeln!(
            out,
            "\n<details><summary>Warnings ({n})</summary>\n\n{}\n</details>",
            t.render(true, true)
        );
    }
    let (n, t) = rows(Action::Ignore);
    if n > 0 {
        let _ = writeln!(
            out,
            "\n<details><summary>Ignored ({n})</summary>\n\n{}\n</details>",
            t.render(true, true)
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
    if !r.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n**Incomplete scan** (the gate cannot pass): {}",
            r.warnings.join("; ").replace('|', "\\|")
        );
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
pub fn sarif(r: &GateReport) -> Value {
    let shown: Vec<&GateFinding> = r
        .findings
        .iter()
        .filter(|f| f.decision.action != Action::Ignore || f.decision.suppressed_by.is_some())
        .collect();
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    for f in &shown {
        rules
            .entry(f.finding.id.clone())
            .or_insert_with(|| super::super::scan::sarif_rule(&f.finding));
    }
    for e in &r.ignore_entries {
        let id = format!("pare/{}", e.subject.kind.as_str());
        rules.entry(id.clone()).or_insert_with(|| {
            json!({
                "id": id,
                "name": e.subject.kind.as_str(),
                "shortDescription": {"text": match e.subject.kind {
                    pare_policy::Kind::ExpiredIgnore => "An ignore entry is past its expiry date",
                    _ => "An ignore entry matches no finding",
                }},
            })
        });
    }
    let index: BTreeMap<String, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let mut results: Vec<Value> = shown
        .iter()
        .map(|f| {
            let uri = f
                .finding
                .locations
                .first()
                .map_or("unknown", |l| l.trim_start_matches('/'))
                .to_string();
            let mut res = json!({
                "ruleId": f.finding.id,
                "ruleIndex": index[&f.finding.id],
                "level": level(f.decision.action),
                "message": {"text": format!(
                    "{} {} ({}) is affected by {}; {}. {}, {}. Decision: {} ({})",
                    f.finding.package, f.finding.installed, f.finding.ecosystem, f.finding.id,
                    fixed(f), layer(f), reach_text(&f.reachability), f.decision.action, f.decision.why
                )},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": 1}
                }}],
                "partialFingerprints": {"pare/v1": format!("{}|{}|{}", f.finding.id, f.finding.purl, f.finding.installed)},
                "properties": {
                    "package": f.finding.package, "installed": f.finding.installed,
                    "fixed": f.finding.fixed, "severity": f.finding.severity,
                    "purl": f.finding.purl, "layerOrigin": f.layer_origin,
                    "layer": f.finding.layer.as_ref().map(|l| l.index),
                    "reachability": f.reachability.status.as_str(),
                    "chain": f.reachability.chain,
                    "rule": f.decision.rule,
                },
            });
            if let Some(s) = &f.decision.suppressed_by {
                res["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": s.explain(),
                }]);
            }
            res
        })
        .collect();
    for e in &r.ignore_entries {
        let id = format!("pare/{}", e.subject.kind.as_str());
        let (file, line) = e
            .origin
            .rsplit_once(':')
            .and_then(|(f, l)| l.parse::<u64>().ok().map(|l| (f.to_string(), l)))
            .unwrap_or_else(|| (e.origin.clone(), 1));
        results.push(json!({
            "ruleId": id,
            "ruleIndex": index[&id],
            "level": level(e.decision.action),
            "message": {"text": e.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": file},
                "region": {"startLine": line}
            }}],
        }));
    }
    super::super::scan::sarif_log(
        rules.into_values().collect(),
        results,
        Some(json!({"result": r.result, "source": r.source})),
    )
}
