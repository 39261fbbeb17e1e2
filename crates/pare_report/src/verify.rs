//! `pare verify` and `pare slim` as text, Markdown and SARIF (JSON is
//! the report serialised).

use crate::sarif::{fingerprint, Builder, Location, PhysicalLocation, Region, SarifResult, Text};
use crate::table::{human_bytes, Table};
use pare_pipeline::slim::SlimReport;
use pare_pipeline::verify::{Verdict, VerifyReport};
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn findings_table(r: &VerifyReport, md: bool, out: &mut String) {
    if r.findings.is_empty() {
        let _ = writeln!(out, "No problem found.");
        return;
    }
    let mut t = Table::new(&["code", "severity", "finding", "evidence"]);
    for f in &r.findings {
        t.row(vec![
            format!("{} {}", f.code, f.name),
            f.severity.as_str().to_string(),
            f.message.clone(),
            f.evidence.join("; "),
        ]);
    }
    out.push_str(&t.render(md, true));
}

/// The verify report for people (`md`: Markdown).
#[must_use]
pub fn table(r: &VerifyReport, md: bool) -> String {
    let mut out = String::new();
    let verdict = match r.result {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Incomplete => "INCOMPLETE",
    };
    if md {
        let _ = writeln!(out, "# pare verify: `{}` — {verdict}\n", r.source);
    } else {
        let _ = writeln!(out, "Image: {}", r.source);
    }
    let _ = writeln!(
        out,
        "{}entrypoint: {}",
        if md { "- " } else { "" },
        if r.entrypoint.is_empty() {
            "(none)".into()
        } else {
            r.entrypoint.join(" ")
        }
    );
    if let Some(h) = &r.healthcheck {
        let _ = writeln!(
            out,
            "{}healthcheck: {}",
            if md { "- " } else { "" },
            h.join(" ")
        );
    }
    let _ = writeln!(
        out,
        "{}user: {}; closure: {} files\n",
        if md { "- " } else { "" },
        if r.user.is_empty() { "(root)" } else { &r.user },
        r.closure_files
    );
    findings_table(r, md, &mut out);
    if let Some(run) = &r.run {
        let _ = writeln!(
            out,
            "\n{}sandbox run (uid {}): {}",
            if md { "## " } else { "" },
            run.uid,
            if !run.started {
                "did not start".to_string()
            } else if run.stayed_up {
                format!("started and stayed up for {}s", run.seconds)
            } else {
                format!(
                    "exited with {} after {}s",
                    run.exit_code
                        .map_or_else(|| "a signal".into(), |c| format!("status {c}")),
                    run.seconds
                )
            }
        );
        for l in run.stderr.iter().rev().take(5).rev() {
            let _ = writeln!(out, "  stderr: {l}");
        }
    }
    for u in &r.unresolved {
        let _ = writeln!(out, "\nnot fully known: {u}");
    }
    if !md {
        let _ = writeln!(out, "\nverify: {verdict}");
    }
    out
}

/// SARIF 2.1.0: one result per finding, located at the image.
#[must_use]
pub fn sarif(r: &VerifyReport) -> String {
    let mut b = Builder::new();
    for f in &r.findings {
        let Some(check) = pare_verify::CHECKS.iter().find(|c| c.meta.code == f.code) else {
            continue;
        };
        b.rule(check.meta.code, || {
            crate::sarif::lint_rule(&check.meta, &["image", "verify"])
        });
        let mut properties = serde_json::Map::new();
        properties.insert("evidence".into(), json!(f.evidence));
        properties.insert("severity".into(), json!(f.severity));
        b.result(SarifResult {
            rule_id: Cow::Borrowed(f.code),
            rule_index: 0,
            level: if f.fails() { "error" } else { "warning" },
            message: Text::plain(f.message.as_str()),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: Builder::image_artifact(&r.source),
                    region: Region::line(1),
                },
            }],
            partial_fingerprints: BTreeMap::from([(
                "pare/v1",
                fingerprint(&[f.code, &r.source, &f.message]),
            )]),
            fixes: Vec::new(),
            suppressions: Vec::new(),
            properties,
        });
    }
    b.finish(Some(json!({"result": r.result, "source": r.source})))
}

/// The slim report for people: before/after, packages removed, the
/// verification of the result.
#[must_use]
pub fn slim_table(r: &SlimReport, md: bool) -> String {
    let mut out = String::new();
    if md {
        let _ = writeln!(out, "# pare slim: `{}` → `{}`\n", r.source, r.output);
    } else {
        let _ = writeln!(out, "Image: {} → {}", r.source, r.output);
    }
    let mut t = Table::new(&["", "before", "after", "change"]);
    let pct = |a: u64, b: u64| {
        if a == 0 {
            "-".to_string()
        } else {
            #[allow(clippy::cast_precision_loss)]
            let p = (b as f64 - a as f64) * 100.0 / a as f64;
            format!("{p:+.1}%")
        }
    };
    t.row(vec![
        "file bytes".into(),
        human_bytes(r.before.bytes),
        human_bytes(r.after.bytes),
        pct(r.before.bytes, r.after.bytes),
    ]);
    t.row(vec![
        "files".into(),
        r.before.files.to_string(),
        r.after.files.to_string(),
        pct(r.before.files as u64, r.after.files as u64),
    ]);
    t.row(vec![
        "packages".into(),
        r.before.packages.to_string(),
        r.after.packages.to_string(),
        pct(r.before.packages as u64, r.after.packages as u64),
    ]);
    if let (Some(b), Some(a)) = (&r.before.vulnerabilities, &r.after.vulnerabilities) {
        let total = |m: &std::collections::BTreeMap<pare_findings::VulnSeverity, usize>| {
            m.values().sum::<usize>() as u64
        };
        t.row(vec![
            "vulnerabilities".into(),
            total(b).to_string(),
            total(a).to_string(),
            pct(total(b), total(a)),
        ]);
    }
    out.push_str(&t.render(md, true));
    if !r.packages_removed.is_empty() {
        let _ = writeln!(out, "\npackages removed ({}):", r.packages_removed.len());
        for chunk in r.packages_removed.chunks(6) {
            let _ = writeln!(out, "  {}", chunk.join(", "));
        }
    }
    let _ = writeln!(out, "\nverification of the slimmed image:");
    findings_table(&r.verify, md, &mut out);
    match &r.written {
        Some(w) => {
            let _ = writeln!(
                out,
                "\nwritten: {} ({}, one layer, {} stored, {} uncompressed; manifest {})",
                r.output,
                match w.format {
                    pare_pipeline::slim::Format::OciLayout => "OCI layout",
                    pare_pipeline::slim::Format::DockerArchive => "docker-archive",
                },
                human_bytes(w.compressed_size),
                human_bytes(w.uncompressed_size),
                w.manifest_digest
            );
        }
        None if r.verify.result == Verdict::Fail => {
            let _ = writeln!(out, "\nnot written: the slimmed image fails verification");
        }
        None => {
            let _ = writeln!(out, "\nnot written (--dry-run)");
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}
