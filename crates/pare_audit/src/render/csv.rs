//! `csv`: one line per image, every column of the row (RFC 4180 quoting),
//! sizes in bytes and times in seconds so a spreadsheet can sum them.

use crate::model::{AuditReport, Vulns};

/// Quote a field when it needs it.
#[must_use]
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const HEADER: &[&str] = &[
    "reference",
    "manifest_digest",
    "digest_pinned",
    "platform",
    "os",
    "base",
    "base_source",
    "compressed_bytes",
    "uncompressed_bytes",
    "layers",
    "packages",
    "cve_status",
    "critical",
    "high",
    "medium",
    "low",
    "negligible",
    "unknown",
    "fixable_high_plus",
    "reachable_high_plus",
    "runs_as_root",
    "user",
    "shells",
    "package_managers",
    "wasted_bytes",
    "pull_seconds",
    "runtime",
    "needs_shell",
    "tools",
    "entrypoint",
    "incomplete",
    "recommendations",
];

/// The audit as CSV (header line first; `;` joins list cells).
#[must_use]
pub fn audit(report: &AuditReport) -> String {
    let mut out = HEADER.join(",") + "\n";
    for r in &report.images {
        let (status, sev, fix, reach): (&str, Vec<String>, String, String) = match &r.vulns {
            Vulns::NoDb => (
                "no db",
                vec![String::new(); 6],
                String::new(),
                String::new(),
            ),
            Vulns::Scanned(c) => (
                "scanned",
                ["critical", "high", "medium", "low", "negligible", "unknown"]
                    .iter()
                    .map(|k| c.by_severity.get(*k).copied().unwrap_or(0).to_string())
                    .collect(),
                c.fixable_high_plus.to_string(),
                c.reachable_high_plus.to_string(),
            ),
        };
        let mut cells: Vec<String> = vec![
            r.reference.clone(),
            r.manifest_digest.clone().unwrap_or_default(),
            r.digest_pinned.to_string(),
            r.platform.clone().unwrap_or_default(),
            r.os.as_ref()
                .and_then(|o| o.pretty_name.clone())
                .unwrap_or_default(),
            r.base.name.clone(),
            r.base.source.clone(),
            r.compressed_size.map(|v| v.to_string()).unwrap_or_default(),
            r.uncompressed_size.to_string(),
            r.layers.len().to_string(),
            r.package_count.to_string(),
            status.to_string(),
        ];
        cells.extend(sev);
        cells.extend([
            fix,
            reach,
            r.runs_as_root.to_string(),
            r.user.clone(),
            r.shells.join(";"),
            r.package_managers.join(";"),
            r.wasted_bytes.to_string(),
            r.pull_seconds
                .map(|s| format!("{s:.3}"))
                .unwrap_or_default(),
            r.needs.runtime.clone(),
            r.needs.needs_shell.to_string(),
            r.needs.tools.join(";"),
            r.needs.entrypoint.join(" "),
            r.incomplete.join(";"),
            r.recommendations
                .iter()
                .map(|x| format!("{}{}", x.message, crate::render::text::saving(x)))
                .collect::<Vec<_>>()
                .join(";"),
        ]);
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
