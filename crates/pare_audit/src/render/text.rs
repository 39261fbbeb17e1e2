//! `table` and `markdown`: the same tables, aligned text or Markdown.

use crate::diff::{Change, DiffReport};
use crate::model::{AuditReport, ImageRow, Stat, Vulns};
use pare_report::table::{human_bytes, Table};
use std::fmt::Write as _;

/// A number formatter.
type Fmt = dyn Fn(f64) -> String;

/// Bytes, or `?` when unknown.
#[must_use]
pub fn bytes(v: Option<u64>) -> String {
    v.map_or_else(|| "?".to_string(), human_bytes)
}

/// Seconds with one decimal.
#[must_use]
pub fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "?".to_string(), |s| format!("{s:.1} s"))
}

/// `C/H/M/L` counts or `no db`.
#[must_use]
pub fn cves(v: &Vulns) -> String {
    match v {
        Vulns::NoDb => "no db".into(),
        Vulns::Scanned(c) => {
            let g = |k: &str| c.by_severity.get(k).copied().unwrap_or(0);
            format!(
                "{}/{}/{}/{}",
                g("critical"),
                g("high"),
                g("medium"),
                g("low")
            )
        }
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

fn high(row: &ImageRow, pick: fn(&crate::model::VulnCounts) -> usize) -> String {
    row.vulns
        .counts()
        .map_or_else(|| "no db".into(), |c| pick(c).to_string())
}

/// A short name for a reference (paths keep their last two components).
#[must_use]
pub fn short(reference: &str) -> String {
    if reference.contains('/') && !reference.contains(':') || reference.starts_with('/') {
        let parts: Vec<&str> = reference
            .trim_end_matches('/')
            .rsplit('/')
            .take(2)
            .collect();
        return parts.into_iter().rev().collect::<Vec<_>>().join("/");
    }
    reference.to_string()
}

/// The audit as text (`md`: Markdown).
#[must_use]
pub fn audit(report: &AuditReport, md: bool) -> String {
    let mut out = String::new();
    let h = |out: &mut String, title: &str| {
        if md {
            let _ = writeln!(out, "\n## {title}\n");
        } else {
            let _ = writeln!(out, "\n{title}");
        }
    };
    if md {
        let _ = writeln!(out, "# Fleet audit: {} images", report.totals.images);
    } else {
        let _ = writeln!(out, "Fleet audit: {} images", report.totals.images);
    }
    let mut t = Table::new(&[
        "IMAGE",
        "BASE",
        "OS",
        "SIZE",
        "UNPACKED",
        "LAYERS",
        "PKGS",
        "CVE C/H/M/L",
        "FIXABLE H+",
        "REACH H+",
        "ROOT",
        "SHELL",
        "PKG MGR",
        "WASTED",
        "PINNED",
        "PULL",
    ]);
    for r in &report.images {
        let mut name = short(&r.reference);
        if !r.incomplete.is_empty() {
            name.push_str(" (incomplete)");
        }
        t.row(vec![
            name,
            if r.base.source == "fleet" {
                short(&r.base.name)
            } else {
                r.base.name.clone()
            },
            r.os.as_ref()
                .and_then(|o| o.pretty_name.clone())
                .unwrap_or_else(|| "-".into()),
            bytes(r.compressed_size),
            human_bytes(r.uncompressed_size),
            r.layers.len().to_string(),
            r.package_count.to_string(),
            cves(&r.vulns),
            high(r, |c| c.fixable_high_plus),
            high(r, |c| c.reachable_high_plus),
            yes(r.runs_as_root),
            list(&r.shells),
            list(&r.package_managers),
            human_bytes(r.wasted_bytes),
            yes(r.digest_pinned),
            secs(r.pull_seconds),
        ]);
    }
    out.push('\n');
    out.push_str(&t.render(md, true));

    h(&mut out, "What each image needs to run");
    let mut t = Table::new(&["IMAGE", "RUNTIME", "NEEDS SHELL", "TOOLS", "ENTRYPOINT"]);
    for r in &report.images {
        t.row(vec![
            short(&r.reference),
            r.needs.runtime.clone(),
            yes(r.needs.needs_shell),
            list(&r.needs.tools),
            r.needs
                .unknown
                .clone()
                .map_or_else(|| r.needs.entrypoint.join(" "), |u| format!("unknown: {u}")),
        ]);
    }
    out.push_str(&t.render(md, true));

    if report.images.iter().any(|r| !r.recommendations.is_empty()) {
        h(&mut out, "Recommendations");
        for r in report
            .images
            .iter()
            .filter(|r| !r.recommendations.is_empty())
        {
            if md {
                let _ = writeln!(out, "- **{}**", short(&r.reference));
            } else {
                let _ = writeln!(out, "  {}", short(&r.reference));
            }
            for rec in &r.recommendations {
                let _ = writeln!(
                    out,
                    "{}{}{}",
                    if md { "  - " } else { "    - " },
                    rec.message,
                    saving(rec)
                );
            }
        }
    }

    h(&mut out, "Fleet");
    out.push_str(&totals(report, md));

    if !report.shared_bases.is_empty() {
        h(&mut out, "Shared base layers");
        let mut t = Table::new(&["BASE", "LAYERS", "STORED ONCE", "IMAGES"]);
        for b in &report.shared_bases {
            t.row(vec![
                b.name.clone(),
                b.layers.to_string(),
                human_bytes(b.bytes),
                b.images
                    .iter()
                    .map(|i| short(i))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        out.push_str(&t.render(md, true));
    }
    let incomplete: Vec<&ImageRow> = report
        .images
        .iter()
        .filter(|r| !r.incomplete.is_empty())
        .collect();
    if !incomplete.is_empty() || !report.errors.is_empty() {
        h(&mut out, "Incomplete");
        for r in incomplete {
            for why in &r.incomplete {
                let _ = writeln!(
                    out,
                    "{}{}: {why}",
                    if md { "- " } else { "  " },
                    r.reference
                );
            }
        }
        for e in &report.errors {
            let _ = writeln!(
                out,
                "{}{}: not read: {}",
                if md { "- " } else { "  " },
                e.reference,
                e.error
            );
        }
    }
    out
}

/// ` (saves 12.3 MB, 4 HIGH+ CVEs)`, or nothing.
#[must_use]
pub fn saving(rec: &crate::model::Recommendation) -> String {
    let mut parts = Vec::new();
    if let Some(b) = rec.saving_bytes {
        parts.push(match rec.saving_of.as_deref() {
            Some(of) => format!("{} {of}", human_bytes(b)),
            None => human_bytes(b),
        });
    }
    if let Some(n) = rec.saving_high_plus.filter(|n| *n > 0) {
        parts.push(format!("{n} HIGH+ CVEs"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (saves {})", parts.join(", "))
    }
}

fn stat_cells(s: &Stat, fmt: &dyn Fn(f64) -> String) -> [String; 2] {
    if s.count == 0 {
        return ["-".into(), "-".into()];
    }
    [fmt(s.average), fmt(s.p95)]
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn b(v: f64) -> String {
    human_bytes(v.round() as u64)
}

fn n(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn totals(report: &AuditReport, md: bool) -> String {
    let t = &report.totals;
    let mut tab = Table::new(&["", "AVERAGE", "P95"]);
    let rows: [(&str, &Stat, &Fmt); 6] = [
        ("size (compressed)", &t.compressed_size, &b),
        ("size (uncompressed)", &t.uncompressed_size, &b),
        ("layers", &t.layers, &n),
        ("packages", &t.packages, &n),
        ("HIGH+ CVEs", &t.high_plus, &n),
        ("cold pull (estimate)", &t.pull_seconds, &s1),
    ];
    for (label, s, f) in rows {
        let [a, p] = stat_cells(s, f);
        tab.row(vec![label.to_string(), a, p]);
    }
    let mut out = tab.render(md, true);
    let s = &t.storage;
    let saved = s.naive_bytes.saturating_sub(s.unique_bytes);
    let bullet = if md { "- " } else { "" };
    let _ = writeln!(
        out,
        "\n{bullet}registry storage: {} for {} unique blobs, against {} if nothing were shared ({} layer references; shared layers save {})",
        human_bytes(s.unique_bytes),
        s.unique_blobs,
        human_bytes(s.naive_bytes),
        s.layer_refs,
        human_bytes(saved),
    );
    if s.unknown_size_layers > 0 {
        let _ = writeln!(
            out,
            "{bullet}{} layers have no recorded blob size and are not counted",
            s.unknown_size_layers
        );
    }
    if t.scanned_images < t.images {
        let _ = writeln!(
            out,
            "{bullet}CVEs: {} of {} images scanned (no vulnerability database for the rest: `no db`, not zero)",
            t.scanned_images, t.images
        );
    }
    let _ = writeln!(
        out,
        "{bullet}run as root: {}/{}; shell: {}/{}; package manager: {}/{}; not digest-pinned: {}/{}",
        t.root_images,
        t.images,
        t.shell_images,
        t.images,
        t.package_manager_images,
        t.images,
        t.unpinned_images,
        t.images
    );
    let m = &report.pull_model;
    let _ = writeln!(
        out,
        "{bullet}pull model: {} Mbit/s, {} ms per blob request, {} at once",
        m.bandwidth_mbps, m.layer_latency_ms, m.concurrency
    );
    out
}

fn change_cells(c: &Change, fmt: &dyn Fn(f64) -> String) -> [String; 3] {
    let show = |v: Option<f64>| v.map_or_else(|| "?".to_string(), fmt);
    let delta = match (c.delta(), c.ratio()) {
        (Some(d), Some(r)) => format!(
            "{}{} ({:+.0}%)",
            if d >= 0.0 { "+" } else { "-" },
            fmt(d.abs()),
            r * 100.0
        ),
        (Some(d), None) => format!("{}{}", if d >= 0.0 { "+" } else { "-" }, fmt(d.abs())),
        _ => "?".into(),
    };
    [show(c.before), show(c.after), delta]
}

fn s1(v: f64) -> String {
    format!("{v:.1} s")
}

fn unit_fmt(unit: &str) -> &'static dyn Fn(f64) -> String {
    match unit {
        "bytes" => &b,
        "seconds" => &s1,
        _ => &n,
    }
}

/// The diff as text (`md`: Markdown).
#[must_use]
pub fn diff(report: &DiffReport, md: bool) -> String {
    let mut out = String::new();
    let mut t = Table::new(&["", "BEFORE", "AFTER", "CHANGE"]);
    t.row(
        std::iter::once("images".to_string())
            .chain(change_cells(&report.images, &n))
            .collect(),
    );
    for m in &report.fleet {
        t.row(
            std::iter::once(m.label.to_string())
                .chain(change_cells(&m.change, unit_fmt(m.unit)))
                .collect(),
        );
    }
    if md {
        out.push_str("# Before / after\n\n");
    }
    out.push_str(&t.render(md, true));
    for p in &report.pairs {
        if md {
            let _ = writeln!(out, "\n## {} → {}\n", short(&p.before), short(&p.after));
        } else {
            let _ = writeln!(out, "\n{} -> {}", short(&p.before), short(&p.after));
        }
        let mut t = Table::new(&["", "BEFORE", "AFTER", "CHANGE"]);
        let rows: [(&str, &Change, &Fmt); 6] = [
            ("size (compressed)", &p.compressed_size, &b),
            ("size (uncompressed)", &p.uncompressed_size, &b),
            ("layers", &p.layers, &n),
            ("packages", &p.packages, &n),
            ("HIGH+ CVEs", &p.high_plus, &n),
            ("cold pull (estimate)", &p.pull_seconds, &s1),
        ];
        for (label, c, f) in rows {
            t.row(
                std::iter::once(label.to_string())
                    .chain(change_cells(c, f))
                    .collect(),
            );
        }
        out.push_str(&t.render(md, true));
        let bullet = if md { "- " } else { "  " };
        let few = |v: &[String]| -> String {
            const MAX: usize = 12;
            let mut s = v.iter().take(MAX).cloned().collect::<Vec<_>>().join(", ");
            if v.len() > MAX {
                let _ = write!(s, ", … ({} more)", v.len() - MAX);
            }
            s
        };
        if md {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{bullet}packages: {} added, {} removed{}",
            p.packages_added.len(),
            p.packages_removed.len(),
            if p.packages_removed.is_empty() {
                String::new()
            } else {
                format!(" ({})", few(&p.packages_removed))
            }
        );
        if !p.packages_added.is_empty() {
            let _ = writeln!(out, "{bullet}added: {}", few(&p.packages_added));
        }
        if p.vulns_compared {
            let _ = writeln!(
                out,
                "{bullet}CVEs: {} fixed, {} introduced{}",
                p.vulns_fixed.len(),
                p.vulns_introduced.len(),
                if p.vulns_introduced.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", few(&p.vulns_introduced))
                }
            );
        } else {
            let _ = writeln!(
                out,
                "{bullet}CVEs: not compared (a side was audited without a vulnerability database)"
            );
        }
    }
    for r in &report.only_before {
        let _ = writeln!(out, "\nonly before: {r}");
    }
    for r in &report.only_after {
        let _ = writeln!(out, "\nonly after: {r}");
    }
    out
}
