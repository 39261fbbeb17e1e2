//! `html`: one self-contained file: inline CSS and inline SVG charts, no
//! script, no font, no image and no link that needs the network. Charts:
//! size per image (compressed and unpacked), CVEs per image by severity
//! (or `no db`), and the registry storage breakdown (stored once against
//! the naive sum, per shared base). The tables follow the charts.

use crate::model::{AuditReport, ImageRow, Vulns};
use crate::render::text::{bytes, cves, secs, short};
use pare_report::table::human_bytes;
use std::fmt::Write as _;

/// Escape text for HTML content and attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#1d2430;background:#fff}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #dde;padding-bottom:.2em}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #dde;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f9}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #dde;border-radius:6px;padding:.6em 1em;min-width:11em}
.card b{display:block;font-size:1.4em}.muted{color:#667}.warn{color:#a33}
svg text{font:11px system-ui,sans-serif;fill:#1d2430}";

const SEV: [(&str, &str); 6] = [
    ("critical", "#7b1020"),
    ("high", "#d0342c"),
    ("medium", "#ef8a17"),
    ("low", "#f2c14e"),
    ("negligible", "#9bb7d4"),
    ("unknown", "#b8bcc6"),
];

const LABEL_W: f64 = 220.0;

/// A label that fits the label column (about 34 characters), cut on the left.
fn clip(s: &str) -> String {
    const MAX: usize = 26;
    let n = s.chars().count();
    if n <= MAX {
        s.to_string()
    } else {
        format!("…{}", s.chars().skip(n - MAX + 1).collect::<String>())
    }
}
const BAR_W: f64 = 520.0;
const ROW_H: f64 = 22.0;

#[allow(clippy::cast_precision_loss)]
fn fl(v: u64) -> f64 {
    v as f64
}

fn svg_open(out: &mut String, h: f64, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><title>{t}</title>",
        w = LABEL_W + BAR_W + 140.0,
        t = esc(title)
    );
}

/// Size per image: compressed (dark) over unpacked (light).
fn size_chart(rows: &[ImageRow]) -> String {
    let max = rows
        .iter()
        .map(|r| r.uncompressed_size.max(r.compressed_size.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    #[allow(clippy::cast_precision_loss)]
    let h = ROW_H * rows.len() as f64 + 30.0;
    svg_open(&mut out, h, "Size per image");
    for (i, r) in rows.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = ROW_H * i as f64;
        let wu = BAR_W * fl(r.uncompressed_size) / fl(max);
        let wc = BAR_W * fl(r.compressed_size.unwrap_or(0)) / fl(max);
        let _ = write!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{name}</text>\
             <rect class=\"bar-unpacked\" x=\"{LABEL_W}\" y=\"{y1}\" width=\"{wu:.1}\" height=\"16\" fill=\"#b9cbe6\"><title>unpacked {u}</title></rect>\
             <rect class=\"bar-compressed\" x=\"{LABEL_W}\" y=\"{y2}\" width=\"{wc:.1}\" height=\"8\" fill=\"#2f5d9e\"><title>compressed {c}</title></rect>\
             <text x=\"{vx:.1}\" y=\"{ty}\">{c} / {u}</text>",
            lx = LABEL_W - 6.0,
            ty = y + 13.0,
            name = esc(&clip(&short(&r.reference))),
            y1 = y + 2.0,
            y2 = y + 6.0,
            u = human_bytes(r.uncompressed_size),
            c = bytes(r.compressed_size),
            vx = LABEL_W + wu.max(wc) + 6.0,
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let ly = ROW_H * rows.len() as f64 + 16.0;
    let _ = write!(
        out,
        "<rect x=\"{LABEL_W}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"#2f5d9e\"/><text x=\"{a}\" y=\"{ty}\">compressed (pulled)</text>\
         <rect x=\"{b}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"#b9cbe6\"/><text x=\"{c}\" y=\"{ty}\">unpacked</text></svg>",
        y = ly - 9.0,
        ty = ly,
        a = LABEL_W + 14.0,
        b = LABEL_W + 150.0,
        c = LABEL_W + 164.0,
    );
    out
}

/// CVEs per image, stacked by severity.
fn cve_chart(rows: &[ImageRow]) -> String {
    let total = |r: &ImageRow| -> usize {
        r.vulns.counts().map_or(0, |c| {
            c.by_severity
                .values()
                .fold(0usize, |a, b| a.saturating_add(*b))
        })
    };
    let max = rows.iter().map(total).max().unwrap_or(0).max(1);
    let mut out = String::new();
    #[allow(clippy::cast_precision_loss)]
    let h = ROW_H * rows.len() as f64 + 30.0;
    svg_open(&mut out, h, "CVEs per image by severity");
    for (i, r) in rows.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = ROW_H * i as f64;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 6.0,
            y + 13.0,
            esc(&clip(&short(&r.reference)))
        );
        match &r.vulns {
            Vulns::NoDb => {
                let _ = write!(
                    out,
                    "<text class=\"nodb\" x=\"{LABEL_W}\" y=\"{}\" fill=\"#a33\">no db: not scanned</text>",
                    y + 13.0
                );
            }
            Vulns::Scanned(c) => {
                let mut x = LABEL_W;
                for (sev, color) in SEV {
                    let n = c.by_severity.get(sev).copied().unwrap_or(0);
                    if n == 0 {
                        continue;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    let w = BAR_W * n as f64 / max as f64;
                    let _ = write!(
                        out,
                        "<rect class=\"bar-{sev}\" x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"16\" fill=\"{color}\"><title>{n} {sev}</title></rect>",
                        y + 2.0
                    );
                    x += w;
                }
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{}\">{} ({} HIGH+)</text>",
                    x + 6.0,
                    y + 13.0,
                    total(r),
                    c.high_plus
                );
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let ly = ROW_H * rows.len() as f64 + 16.0;
    let mut x = LABEL_W;
    for (sev, color) in SEV {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{ly}\">{sev}</text>",
            ly - 9.0,
            x + 14.0
        );
        x += 85.0;
    }
    out.push_str("</svg>");
    out
}

/// Registry storage: stored once against the naive sum, and each shared
/// base's saving.
fn storage_chart(report: &AuditReport) -> String {
    let s = &report.totals.storage;
    let max = s.naive_bytes.max(1);
    let mut bars: Vec<(String, u64, &str)> = vec![
        ("if nothing were shared".into(), s.naive_bytes, "#b8bcc6"),
        ("stored (unique blobs)".into(), s.unique_bytes, "#2f5d9e"),
    ];
    for b in &report.shared_bases {
        let copies = b.images.len().saturating_sub(1) as u64;
        bars.push((
            format!(
                "saved by {} ({} images)",
                clip(&short(&b.name)),
                b.images.len()
            ),
            b.bytes.saturating_mul(copies),
            "#3a9a5b",
        ));
    }
    let mut out = String::new();
    #[allow(clippy::cast_precision_loss)]
    let h = ROW_H * bars.len() as f64 + 8.0;
    svg_open(&mut out, h, "Registry storage");
    for (i, (label, v, color)) in bars.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = ROW_H * i as f64;
        let w = BAR_W * fl(*v) / fl(max);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"bar-storage\" x=\"{LABEL_W}\" y=\"{}\" width=\"{w:.1}\" height=\"16\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
            LABEL_W - 6.0,
            y + 13.0,
            esc(label),
            y + 2.0,
            LABEL_W + w + 6.0,
            y + 13.0,
            human_bytes(*v)
        );
    }
    out.push_str("</svg>");
    out
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn table(out: &mut String, header: &[&str], rows: Vec<Vec<(String, bool)>>) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (c, num) in r {
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if num { " class=\"n\"" } else { "" },
                esc(&c)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// The audit as one self-contained HTML page.
#[must_use]
pub fn audit(report: &AuditReport) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>pare audit: {} images</title><style>{CSS}</style></head><body><h1>Fleet audit: {} images</h1>",
        t.images, t.images
    );
    let card = |out: &mut String, label: &str, value: String| {
        let _ = write!(
            out,
            "<div class=\"card\"><span class=\"muted\">{}</span><b>{}</b></div>",
            esc(label),
            esc(&value)
        );
    };
    out.push_str("<div class=\"cards\">");
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let avg_b = |v: f64| human_bytes(v.round() as u64);
    card(
        &mut out,
        "average size (compressed)",
        if t.compressed_size.count > 0 {
            avg_b(t.compressed_size.average)
        } else {
            "?".into()
        },
    );
    card(
        &mut out,
        "average unpacked",
        avg_b(t.uncompressed_size.average),
    );
    card(
        &mut out,
        "HIGH+ CVEs per image",
        if t.scanned_images > 0 {
            format!("{:.1}", t.high_plus.average)
        } else {
            "no db".into()
        },
    );
    card(
        &mut out,
        "cold pull p95 (estimate)",
        secs((t.pull_seconds.count > 0).then_some(t.pull_seconds.p95)),
    );
    card(
        &mut out,
        "registry storage",
        format!(
            "{} of {}",
            human_bytes(t.storage.unique_bytes),
            human_bytes(t.storage.naive_bytes)
        ),
    );
    card(
        &mut out,
        "layers per image",
        format!("{:.1}", t.layers.average),
    );
    out.push_str("</div>");

    out.push_str("<h2>Size per image</h2>");
    out.push_str(&size_chart(&report.images));
    out.push_str("<h2>CVEs per image</h2>");
    if t.scanned_images < t.images {
        let _ = write!(
            out,
            "<p class=\"warn\">{} of {} images were not scanned (no vulnerability database): they show <q>no db</q>, not zero.</p>",
            t.images - t.scanned_images,
            t.images
        );
    }
    out.push_str(&cve_chart(&report.images));
    out.push_str("<h2>Registry storage</h2>");
    out.push_str(&storage_chart(report));

    out.push_str("<h2>Images</h2>");
    let rows = report
        .images
        .iter()
        .map(|r| {
            let h = |f: fn(&crate::model::VulnCounts) -> usize| {
                r.vulns
                    .counts()
                    .map_or_else(|| "no db".to_string(), |c| f(c).to_string())
            };
            vec![
                (r.reference.clone(), false),
                (r.base.name.clone(), false),
                (bytes(r.compressed_size), true),
                (human_bytes(r.uncompressed_size), true),
                (r.layers.len().to_string(), true),
                (r.package_count.to_string(), true),
                (cves(&r.vulns), true),
                (h(|c| c.fixable_high_plus), true),
                (h(|c| c.reachable_high_plus), true),
                (yes(r.runs_as_root).into(), false),
                (r.shells.join(", "), false),
                (r.package_managers.join(", "), false),
                (human_bytes(r.wasted_bytes), true),
                (yes(r.digest_pinned).into(), false),
                (secs(r.pull_seconds), true),
                (r.incomplete.join("; "), false),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "image",
            "base",
            "size",
            "unpacked",
            "layers",
            "packages",
            "CVE C/H/M/L",
            "fixable H+",
            "reachable H+",
            "root",
            "shells",
            "package managers",
            "wasted",
            "pinned",
            "cold pull",
            "incomplete",
        ],
        rows,
    );
    out.push_str("<h2>What each image needs to run</h2>");
    let rows = report
        .images
        .iter()
        .map(|r| {
            vec![
                (r.reference.clone(), false),
                (r.needs.runtime.clone(), false),
                (yes(r.needs.needs_shell).into(), false),
                (r.needs.tools.join(", "), false),
                (
                    r.needs
                        .unknown
                        .clone()
                        .map_or_else(|| r.needs.entrypoint.join(" "), |u| format!("unknown: {u}")),
                    false,
                ),
            ]
        })
        .collect();
    table(
        &mut out,
        &["image", "runtime", "needs shell", "tools", "entrypoint"],
        rows,
    );
    if report.images.iter().any(|r| !r.recommendations.is_empty()) {
        out.push_str("<h2>Recommendations</h2>");
        for r in report
            .images
            .iter()
            .filter(|r| !r.recommendations.is_empty())
        {
            let _ = write!(out, "<h3>{}</h3><ul>", esc(&r.reference));
            for rec in &r.recommendations {
                let _ = write!(
                    out,
                    "<li>{}{}</li>",
                    esc(&rec.message),
                    esc(&crate::render::text::saving(rec))
                );
            }
            out.push_str("</ul>");
        }
    }
    if !report.shared_bases.is_empty() {
        out.push_str("<h2>Shared base layers</h2>");
        let rows = report
            .shared_bases
            .iter()
            .map(|b| {
                vec![
                    (b.name.clone(), false),
                    (b.layers.to_string(), true),
                    (human_bytes(b.bytes), true),
                    (b.images.join(", "), false),
                ]
            })
            .collect();
        table(&mut out, &["base", "layers", "stored once", "images"], rows);
    }
    if !report.errors.is_empty() {
        out.push_str("<h2>Not read</h2><ul>");
        for e in &report.errors {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&e.reference),
                esc(&e.error)
            );
        }
        out.push_str("</ul>");
    }
    let m = &report.pull_model;
    let _ = writeln!(
        out,
        "<p class=\"muted\">Cold pull model: {} Mbit/s, {} ms per blob request, {} blobs at once (see docs/audit.md). Made by pare.</p></body></html>",
        m.bandwidth_mbps, m.layer_latency_ms, m.concurrency
    );
    out
}
