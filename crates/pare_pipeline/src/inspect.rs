//! `inspect`: identity, platform, OS, sizes, layers, config, hygiene
//! facts and efficiency of an image. The JSON form is documented in
//! `docs/json/inspect.md`.

use crate::index::{index, Analyses};
use crate::open::{open, ImageRequest};
use crate::Reporter;
use anyhow::Result;
use pare_findings::Distro;
use pare_fsindex::{Efficiency, FsIndex};
use pare_hygiene::checks::{Hygiene, ImageFinding};
use pare_image::Image;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Hygiene findings (IMG codes) and, when the secrets analysis ran,
    /// secrets (SEC codes; excerpts redacted).
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
    /// Build step, with any secret in it redacted.
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
    /// LABEL (values with a secret in them redacted).
    pub labels: BTreeMap<String, String>,
    /// ENV names (values omitted: they may hold secrets).
    pub env_names: Vec<String>,
    /// VOLUME.
    pub volumes: Vec<String>,
}

/// Open and index the image `req` names and build its report, listing
/// the `largest` files; with `secrets`, every file of every layer is also
/// scanned for secrets in the same pass.
///
/// # Errors
/// Any read error.
pub fn run(
    req: &ImageRequest,
    largest: usize,
    secrets: bool,
    reporter: &dyn Reporter,
) -> Result<InspectReport> {
    let image = open(req, reporter)?;
    let analyses = if secrets {
        Analyses::hygiene().with(Analyses::secrets())
    } else {
        Analyses::hygiene()
    };
    let idx = index(&image, &req.spec, &analyses, &req.limits, reporter)?;
    let mut report = inspect(&req.spec, &image, &idx, largest);
    if secrets {
        report.findings.extend(secret_findings(&image, &idx));
    }
    Ok(report)
}

/// Arguments safe to print: a token passed on a command line is redacted
/// like any other secret.
fn redact_all(args: &[String]) -> Vec<String> {
    args.iter().map(|a| pare_secrets::redact_text(a)).collect()
}

/// The image's secrets as inspect findings (`SEC` codes, redacted).
#[must_use]
pub fn secret_findings(image: &Image, idx: &FsIndex) -> Vec<ImageFinding> {
    crate::secrets::collect(image, idx)
        .findings
        .into_iter()
        .map(|f| ImageFinding {
            code: f.code,
            name: f.name,
            severity: f.severity,
            message: f.message(),
            paths: vec![f.location.path()],
        })
        .collect()
}

/// The report of an indexed image (indexed with at least
/// [`Analyses::hygiene`]).
#[must_use]
pub fn inspect(spec: &str, image: &Image, idx: &FsIndex, largest: usize) -> InspectReport {
    let cfg = image.config.as_ref();
    let hygiene =
        pare_hygiene::checks::collect(idx, cfg.and_then(|c| c.config.user.as_deref()), largest);
    let findings = pare_hygiene::checks::run_all(&hygiene, idx);
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
                created_by: l.created_by.as_deref().map(pare_secrets::redact_text),
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
            entrypoint: redact_all(&cc.entrypoint),
            cmd: redact_all(&cc.cmd),
            working_dir: cc.working_dir.clone().filter(|w| !w.is_empty()),
            exposed_ports: cc.exposed_ports.keys().cloned().collect(),
            healthcheck: cc.healthcheck.as_ref().map(|h| redact_all(&h.test)),
            labels: cc
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), pare_secrets::redact_label(k, v)))
                .collect(),
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
    InspectReport {
        schema_version: 1,
        source: SourceInfo {
            name: spec.to_string(),
            kind: image.source().kind(),
        },
        image: ImageInfo {
            manifest_digest: image.manifest_digest.as_ref().map(ToString::to_string),
            index_digest: image.index_digest.as_ref().map(ToString::to_string),
            config_digest: image.config_digest.as_ref().map(ToString::to_string),
            tags: image.tags.clone(),
            platform: image.platform.as_ref().map(ToString::to_string),
            os: pare_catalog::os_release::detect(idx),
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
    }
}
