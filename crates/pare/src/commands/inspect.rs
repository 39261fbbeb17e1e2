//! `pare inspect IMAGE`: digest, platform, OS, sizes, layers, config and
//! hygiene facts. The JSON form is documented in `docs/json/inspect.md`.

use crate::output::write_output;
use crate::render::{human_bytes, Table};
use crate::ExitStatus;
use anyhow::{Context, Result};
use pare_findings::Distro;
use pare_fsindex::{Efficiency, FsIndex, IndexOptions};
use pare_hygiene::checks::{Hygiene, ImageFinding};
use pare_image::{Image, Platform};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Output formats of `pare inspect`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// Stable schema (`schemaVersion` 1).
    Json,
    /// For PR comments and docs.
    Markdown,
}

/// Flags of `pare inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: super::image_args::ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// How many of the largest files to list.
    #[arg(long, default_value_t = 10)]
    pub largest: usize,
}

/// The `pare inspect` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// What was read.
    pub source: SourceInfo,
    /// Identity, platform, OS and sizes.
    pub image: ImageInfo,
    /// Layers, base first.
    pub layers: Vec<LayerInfo>,
    /// Runtime config.
    pub config: ConfigInfo,
    /// Hygiene facts.
    pub hygiene: Hygiene,
    /// Efficiency as dive defines it.
    pub efficiency: Efficiency,
    /// Hygiene findings (IMG codes).
    pub findings: Vec<ImageFinding>,
    /// Things pare could not fully read.
    pub warnings: Vec<String>,
}

/// The source.
#[derive(Debug, Serialize)]
pub struct SourceInfo {
    /// As given.
    pub name: String,
    /// Detected kind.
    pub kind: pare_source::SourceKind,
}

/// Image identity and sizes.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// Manifest digest (OCI).
    pub manifest_digest: Option<String>,
    /// Index digest the manifest came from.
    pub index_digest: Option<String>,
    /// Config digest (image ID).
    pub config_digest: Option<String>,
    /// Tags in the archive.
    pub tags: Vec<String>,
    /// Platform.
    pub platform: Option<String>,
    /// OS from /etc/os-release.
    pub os: Option<Distro>,
    /// Creation time.
    pub created: Option<String>,
    /// Sum of layer blob sizes as stored.
    pub compressed_size: Option<u64>,
    /// Sum of uncompressed layer tar sizes.
    pub uncompressed_size: u64,
    /// Bytes of regular files in the squashed filesystem.
    pub filesystem_size: u64,
    /// Paths in the squashed filesystem.
    pub paths: usize,
}

/// One layer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    /// Index.
    pub index: usize,
    /// Blob digest, when known.
    pub digest: Option<String>,
    /// diff_id.
    pub diff_id: Option<String>,
    /// Media type.
    pub media_type: String,
    /// Blob size as stored.
    pub size: Option<u64>,
    /// Uncompressed tar size.
    pub uncompressed_size: u64,
    /// Build step.
    pub created_by: Option<String>,
    /// Files added.
    pub added: usize,
    /// Files changed.
    pub changed: usize,
    /// Files removed.
    pub removed: usize,
    /// Bytes of lower layers this layer overwrote or deleted.
    pub wasted_below: u64,
}

/// Runtime config.
#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConfigInfo {
    /// USER.
    pub user: Option<String>,
    /// ENTRYPOINT.
    pub entrypoint: Vec<String>,
    /// CMD.
    pub cmd: Vec<String>,
    /// WORKDIR.
    pub working_dir: Option<String>,
    /// EXPOSE.
    pub exposed_ports: Vec<String>,
    /// HEALTHCHECK test.
    pub healthcheck: Option<Vec<String>>,
    /// LABEL.
    pub labels: BTreeMap<String, String>,
    /// ENV names (values omitted: they may hold secrets).
    pub env_names: Vec<String>,
    /// VOLUME.
    pub volumes: Vec<String>,
}

/// Open an image from the command line's spec.
///
/// # Errors
/// Source or document errors, with the spec as context.
pub fn open_image(
    spec: &str,
    platform: &Platform,
    registry: &pare_source::RegistryOptions,
) -> Result<Image> {
    let source = pare_source::open_with(spec, registry)
        .with_context(|| format!("cannot open image `{spec}`"))?;
    Image::open(source, Some(platform)).with_context(|| format!("cannot read image `{spec}`"))
}

/// Build the index of an image with the captures the analyzers need.
///
/// # Errors
/// Layer failures, named by layer and image.
pub fn index_image(image: &Image, spec: &str, mut opts: IndexOptions) -> Result<FsIndex> {
    if opts.capture.is_empty() {
        opts.capture = pare_fsindex::glob_set(
            &[pare_hygiene::CAPTURE_GLOBS, pare_catalog::os_release::GLOBS].concat(),
        );
    }
    FsIndex::build(image, &opts).with_context(|| format!("`{spec}`"))
}

/// Build the report.
///
/// # Errors
/// Any read error.
pub fn inspect(args: &InspectArgs) -> Result<InspectReport> {
    let image = args.target.open()?;
    let opts = IndexOptions {
        limits: args.target.limits(),
        ..IndexOptions::default()
    };
    let idx = index_image(&image, &args.target.image, opts)?;
    let cfg = image.config.as_ref();
    let hygiene = pare_hygiene::checks::collect(
        &idx,
        cfg.and_then(|c| c.config.user.as_deref()),
        args.largest,
    );
    let findings = pare_hygiene::checks::run_all(&hygiene, &idx);
    let stats = idx.layers();
    let layers = image
        .layers
        .iter()
        .map(|l| {
            let s = stats.get(l.index).cloned().unwrap_or_default();
            LayerInfo {
                index: l.index,
                digest: l.digest.as_ref().map(ToString::to_string),
                diff_id: l.diff_id.as_ref().map(ToString::to_string),
                media_type: l.media_type.clone(),
                size: l.size,
                uncompressed_size: s.tar_bytes,
                created_by: l.created_by.clone(),
                added: s.added,
                changed: s.changed,
                removed: s.removed,
                wasted_below: s.wasted_below,
            }
        })
        .collect();
    let config = cfg.map_or_else(ConfigInfo::default, |c| {
        let cc = &c.config;
        let mut env_names: Vec<String> = cc
            .env
            .iter()
            .map(|e| e.split('=').next().unwrap_or("").to_string())
            .collect();
        env_names.sort();
        ConfigInfo {
            user: cc.user.clone().filter(|u| !u.is_empty()),
            entrypoint: cc.entrypoint.clone(),
            cmd: cc.cmd.clone(),
            working_dir: cc.working_dir.clone().filter(|w| !w.is_empty()),
            exposed_ports: cc.exposed_ports.keys().cloned().collect(),
            healthcheck: cc.healthcheck.as_ref().map(|h| h.test.clone()),
            labels: cc.labels.clone(),
            env_names,
            volumes: cc.volumes.keys().cloned().collect(),
        }
    });
    let mut warnings: Vec<String> = idx
        .skipped_large()
        .iter()
        .map(|(p, s)| {
            format!("`{p}` ({s} bytes) is larger than the capture limit and was not read")
        })
        .collect();
    if image.rootfs.is_none() && image.layers.is_empty() {
        warnings.push("the image has no layers".into());
    }
    let filesystem_size = idx
        .iter()
        .filter(|(_, e)| e.kind == pare_fsindex::Kind::File)
        .map(|(_, e)| e.size)
        .sum();
    Ok(InspectReport {
        schema_version: 1,
        source: SourceInfo {
            name: args.target.image.clone(),
            kind: image.source().kind(),
        },
        image: ImageInfo {
            manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
            index_digest: image.index_digest.as_ref().map(ToString::to_string),
            config_digest: image.config_digest.as_ref().map(ToString::to_string),
            tags: image.tags.clone(),
            platform: image.platform.as_ref().map(ToString::to_string),
            os: pare_catalog::os_release::detect(&idx),
            created: cfg.and_then(|c| c.created.clone()),
            compressed_size: image.compressed_size(),
            uncompressed_size: stats.iter().map(|s| s.tar_bytes).sum(),
            filesystem_size,
            paths: idx.len(),
        },
        layers,
        config,
        hygiene,
        efficiency: idx.efficiency().clone(),
        findings,
        warnings,
    })
}

/// Run `pare inspect`.
///
/// # Errors
/// Read errors (exit 2).
pub fn run(args: &InspectArgs) -> Result<ExitStatus> {
    let report = inspect(args)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Table => render_text(&report, false),
        Format::Markdown => render_text(&report, true),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        crate::output::warn(w);
    }
    Ok(ExitStatus::Success)
}

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

fn render_text(r: &InspectReport, md: bool) -> String {
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
    let paths = |v: &[pare_hygiene::checks::PathFact]| {
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
