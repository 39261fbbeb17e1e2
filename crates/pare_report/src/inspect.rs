//! `pare inspect` as a table or Markdown (JSON is the report serialised).

use crate::table::{human_bytes, Table};
use pare_hygiene::checks::PathFact;
use pare_pipeline::inspect::InspectReport;
use std::fmt::Write as _;

fn short(d: Option<&String>) -> String {
    d.map_or_else(
        || "-".into(),
        |d| {
            d.split_once(':')
                .map_or(d.as_str(), |(_, h)| &h[..h.len().min(12)])
                .to_string()
        },
    )
}

/// The report as a text table (`md`: Markdown).
#[must_use]
pub fn render(r: &InspectReport, md: bool) -> String {
    let mut out = String::new();
    let h = |out: &mut String, title: &str| {
        if md {
            let _ = writeln!(out, "\n## {title}\n");
        } else {
            let _ = writeln!(out, "\n{title}");
        }
    };
    if md {
        let _ = writeln!(out, "# pare inspect: `{}`", r.source.name);
    } else {
        let _ = writeln!(out, "Image: {} ({})", r.source.name, r.source.kind.as_str());
    }
    let i = &r.image;
    let mut t = Table::new(&["", ""]);
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    t.row(vec!["manifest digest".into(), opt(&i.manifest_digest)]);
    if i.index_digest.is_some() {
        t.row(vec!["index digest".into(), opt(&i.index_digest)]);
    }
    t.row(vec!["config digest".into(), opt(&i.config_digest)]);
    if !i.tags.is_empty() {
        t.row(vec!["tags".into(), i.tags.join(", ")]);
    }
    t.row(vec!["platform".into(), opt(&i.platform)]);
    t.row(vec![
        "os".into(),
        i.os.as_ref().map_or_else(
            || "unknown".into(),
            |d| d.pretty_name.clone().unwrap_or_else(|| d.id.clone()),
        ),
    ]);
    t.row(vec!["created".into(), opt(&i.created)]);
    t.row(vec![
        "compressed size".into(),
        i.compressed_size.map_or_else(|| "-".into(), human_bytes),
    ]);
    t.row(vec![
        "uncompressed size".into(),
        human_bytes(i.uncompressed_size),
    ]);
    t.row(vec![
        "files".into(),
        format!("{} paths, {}", i.paths, human_bytes(i.filesystem_size)),
    ]);
    out.push_str(&t.render(md, false));

    h(&mut out, "Layers");
    let mut t = Table::new(&[
        "#",
        "digest",
        "size",
        "uncompressed",
        "+",
        "~",
        "-",
        "created by",
    ]);
    for l in &r.layers {
        let by = l.created_by.clone().unwrap_or_default();
        let by = by
            .trim_start_matches("/bin/sh -c ")
            .trim_start_matches("#(nop) ")
            .trim();
        let by: String = if by.chars().count() > 60 {
            by.chars().take(57).collect::<String>() + "..."
        } else {
            by.to_string()
        };
        t.row(vec![
            l.index.to_string(),
            short(l.digest.as_ref().or(l.diff_id.as_ref())),
            l.size.map_or_else(|| "-".into(), human_bytes),
            human_bytes(l.uncompressed_size),
            l.added.to_string(),
            l.changed.to_string(),
            l.removed.to_string(),
            by,
        ]);
    }
    out.push_str(&t.render(md, true));

    h(&mut out, "Config");
    let c = &r.config;
    let mut t = Table::new(&["", ""]);
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            serde_json::to_string(v).unwrap_or_default()
        }
    };
    t.row(vec![
        "user".into(),
        c.user.clone().unwrap_or_else(|| "(unset: root)".into()),
    ]);
    t.row(vec!["entrypoint".into(), list(&c.entrypoint)]);
    t.row(vec!["cmd".into(), list(&c.cmd)]);
    t.row(vec!["workdir".into(), opt(&c.working_dir)]);
    t.row(vec![
        "exposed ports".into(),
        if c.exposed_ports.is_empty() {
            "-".into()
        } else {
            c.exposed_ports.join(", ")
        },
    ]);
    t.row(vec![
        "healthcheck".into(),
        c.healthcheck.as_deref().map_or_else(|| "-".into(), list),
    ]);
    t.row(vec![
        "env".into(),
        if c.env_names.is_empty() {
            "-".into()
        } else {
            c.env_names.join(", ")
        },
    ]);
    for (k, v) in &c.labels {
        t.row(vec![format!("label {k}"), v.clone()]);
    }
    out.push_str(&t.render(md, false));

    h(&mut out, "Hygiene");
    let hy = &r.hygiene;
    let mut t = Table::new(&["", ""]);
    let user = &hy.user;
    t.row(vec![
        "runs as root".into(),
        format!(
            "{}{}",
            if user.is_root { "yes" } else { "no" },
            user.uid
                .map(|u| format!(
                    " (uid {u}{})",
                    user.name
                        .as_ref()
                        .map(|n| format!(", {n}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        ),
    ]);
    t.row(vec![
        "shell".into(),
        if hy.shells.is_empty() {
            "none".into()
        } else {
            hy.shells.join(", ")
        },
    ]);
    t.row(vec![
        "package managers".into(),
        if hy.package_managers.is_empty() {
            "none".into()
        } else {
            hy.package_managers
                .iter()
                .map(|p| format!("{} ({})", p.name, p.path))
                .collect::<Vec<_>>()
                .join(", ")
        },
    ]);
    let paths = |v: &[PathFact]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            let mut s = v
                .iter()
                .take(8)
                .map(|f| format!("{} ({:o})", f.path, f.mode & 0o7777))
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > 8 {
                let _ = write!(s, " and {} more", v.len() - 8);
            }
            s
        }
    };
    t.row(vec!["setuid".into(), paths(&hy.setuid)]);
    t.row(vec!["setgid".into(), paths(&hy.setgid)]);
    t.row(vec!["world-writable".into(), paths(&hy.world_writable)]);
    let e = &r.efficiency;
    t.row(vec![
        "efficiency".into(),
        format!("{:.2}%", e.score * 100.0),
    ]);
    t.row(vec![
        "wasted".into(),
        format!(
            "{} in {} paths ({:.2}% of upper layers)",
            human_bytes(e.wasted_bytes),
            e.inefficient_paths,
            e.user_wasted_ratio * 100.0
        ),
    ]);
    out.push_str(&t.render(md, false));

    if !e.top.is_empty() {
        h(&mut out, "Wasted space");
        let mut t = Table::new(&["count", "total", "path"]);
        for x in e.top.iter().take(10) {
            t.row(vec![
                x.count.to_string(),
                human_bytes(x.cumulative_bytes),
                x.path.clone(),
            ]);
        }
        out.push_str(&t.render(md, true));
    }

    h(&mut out, "Largest files");
    let mut t = Table::new(&["size", "layer", "path"]);
    for f in &hy.largest {
        t.row(vec![
            human_bytes(f.size),
            f.layer.to_string(),
            f.path.clone(),
        ]);
    }
    out.push_str(&t.render(md, true));

    h(&mut out, "Findings");
    if r.findings.is_empty() {
        out.push_str("none\n");
    } else {
        let mut t = Table::new(&["code", "severity", "finding"]);
        for f in &r.findings {
            t.row(vec![
                format!("{} {}", f.code, f.name),
                f.severity.to_string(),
                f.message.clone(),
            ]);
        }
        out.push_str(&t.render(md, true));
    }
    out
}
