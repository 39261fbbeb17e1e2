//! Indexes, manifests and Docker's `manifest.json`, and the walk from a
//! source's root document to one image.

use crate::layer::{Compression, Layer};
use crate::{parse_json, verify, ConfigFile, Error, Image, Platform, Result};
use pare_source::{BlobLocation, Digest, Source};
use serde::Deserialize;
use std::collections::BTreeMap;

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Nested indexes deeper than this are refused (a loop of indexes must not hang).
const MAX_INDEX_DEPTH: usize = 4;

/// A content descriptor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    #[serde(default)]
    pub media_type: String,
    /// Digest.
    pub digest: Digest,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Platform (index entries).
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Annotations.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// An image index (or Docker manifest list).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Schema version (2).
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Media type, when present.
    #[serde(default)]
    pub media_type: Option<String>,
    /// Entries.
    pub manifests: Vec<Descriptor>,
}

/// An image manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Schema version (2).
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Media type, when present.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// Layers, base first.
    pub layers: Vec<Descriptor>,
    /// Annotations.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// One entry of Docker's `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerArchiveEntry {
    /// Path of the config in the archive.
    pub config: String,
    /// Tags.
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    /// Paths of the layer tars in the archive.
    pub layers: Vec<String>,
}

/// A manifest candidate found while walking indexes.
struct Candidate {
    desc: Descriptor,
    parent: Option<Digest>,
    tag: Option<String>,
}

fn is_attestation(d: &Descriptor) -> bool {
    d.annotations
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest")
        || d.platform.as_ref().is_some_and(|p| p.os == "unknown")
}

fn walk_index(
    source: &dyn Source,
    index: &Index,
    parent: Option<&Digest>,
    tag: Option<&str>,
    depth: usize,
    out: &mut Vec<Candidate>,
) -> Result<()> {
    for d in &index.manifests {
        let this_tag = d
            .annotations
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .cloned()
            .or(tag.map(str::to_string));
        if INDEX_TYPES.contains(&d.media_type.as_str()) {
            if depth >= MAX_INDEX_DEPTH {
                return Err(Error::Invalid {
                    what: "index".into(),
                    reason: format!("indexes nested deeper than {MAX_INDEX_DEPTH}"),
                });
            }
            let what = format!("index {}", d.digest);
            let bytes = source.read_document(&BlobLocation::Digest(d.digest.clone()))?;
            verify(&what, &bytes, &d.digest)?;
            let nested: Index = parse_json(&what, &bytes)?;
            walk_index(
                source,
                &nested,
                Some(&d.digest),
                this_tag.as_deref(),
                depth + 1,
                out,
            )?;
        } else if MANIFEST_TYPES.contains(&d.media_type.as_str()) || d.media_type.is_empty() {
            out.push(Candidate {
                desc: d.clone(),
                parent: parent.cloned(),
                tag: this_tag,
            });
        }
        // Other media types (signatures, SBOM artifacts) are not images.
    }
    Ok(())
}

pub(crate) fn open_oci(
    source: Box<dyn Source>,
    index_bytes: &[u8],
    want: &Platform,
) -> Result<Image> {
    let index: Index = parse_json("index.json", index_bytes)?;
    let mut cands = Vec::new();
    walk_index(source.as_ref(), &index, None, None, 0, &mut cands)?;
    if let Some(tag) = source.tag() {
        cands.retain(|c| {
            c.tag
                .as_deref()
                .is_some_and(|t| t == tag || t.ends_with(&format!(":{tag}")))
        });
        if cands.is_empty() {
            return Err(Error::Invalid {
                what: "index.json".into(),
                reason: format!("no manifest tagged `{tag}`"),
            });
        }
    }
    let images: Vec<&Candidate> = cands.iter().filter(|c| !is_attestation(&c.desc)).collect();
    let chosen = match images.as_slice() {
        [] => {
            return Err(Error::Invalid {
                what: "index.json".into(),
                reason: "no image manifest in the index".into(),
            })
        }
        [only] if only.desc.platform.as_ref().is_none_or(|p| want.matches(p)) => *only,
        many => {
            let m: Vec<&&Candidate> = many
                .iter()
                .filter(|c| c.desc.platform.as_ref().is_some_and(|p| want.matches(p)))
                .collect();
            match m.as_slice() {
                [first, ..] => **first,
                [] => {
                    let mut avail: Vec<String> = many
                        .iter()
                        .map(|c| {
                            c.desc
                                .platform
                                .as_ref()
                                .map_or_else(|| "unspecified".to_string(), ToString::to_string)
                        })
                        .collect();
                    avail.sort();
                    avail.dedup();
                    return Err(Error::NoPlatform {
                        wanted: want.to_string(),
                        available: avail.join(", "),
                    });
                }
            }
        }
    };
    let what = format!("manifest {}", chosen.desc.digest);
    let bytes = source.read_document(&BlobLocation::Digest(chosen.desc.digest.clone()))?;
    verify(&what, &bytes, &chosen.desc.digest)?;
    let manifest: Manifest = parse_json(&what, &bytes)?;
    if let Some(mt) = &manifest.media_type {
        if INDEX_TYPES.contains(&mt.as_str()) {
            return Err(Error::Invalid {
                what,
                reason: "an index where a manifest was expected".into(),
            });
        }
    }
    let (config, config_bytes_digest) = read_config(
        source.as_ref(),
        &BlobLocation::Digest(manifest.config.digest.clone()),
        Some(&manifest.config.digest),
    )?;
    let history = config.layer_history();
    if config.rootfs.diff_ids.len() != manifest.layers.len() {
        return Err(Error::Invalid {
            what: "config".into(),
            reason: format!(
                "{} diff_ids for {} layers",
                config.rootfs.diff_ids.len(),
                manifest.layers.len()
            ),
        });
    }
    let layers = manifest
        .layers
        .iter()
        .enumerate()
        .map(|(i, d)| Layer {
            index: i,
            location: BlobLocation::Digest(d.digest.clone()),
            digest: Some(d.digest.clone()),
            media_type: d.media_type.clone(),
            compression: Compression::from_media_type(&d.media_type),
            size: d
                .size
                .or_else(|| source.size(&BlobLocation::Digest(d.digest.clone()))),
            diff_id: config.rootfs.diff_ids.get(i).cloned(),
            created_by: history.get(i).and_then(|h| h.created_by.clone()),
        })
        .collect();
    let platform = platform_of(&config).or_else(|| chosen.desc.platform.clone());
    let mut tags: Vec<String> = chosen.tag.iter().cloned().collect();
    tags.sort();
    Ok(Image {
        manifest_digest: Some(chosen.desc.digest.clone()),
        index_digest: chosen.parent.clone(),
        config_digest: Some(config_bytes_digest),
        config: Some(config),
        platform,
        layers,
        tags,
        annotations: manifest.annotations.unwrap_or_default(),
        rootfs: None,
        source,
    })
}

fn platform_of(c: &ConfigFile) -> Option<Platform> {
    (!c.os.is_empty() && !c.architecture.is_empty()).then(|| Platform {
        os: c.os.clone(),
        architecture: c.architecture.clone(),
        variant: c.variant.clone(),
    })
}

/// Read and verify the config. For docker-archives the config's file name
/// is its digest (`<hex>.json` or `blobs/sha256/<hex>`).
fn read_config(
    source: &dyn Source,
    loc: &BlobLocation,
    expected: Option<&Digest>,
) -> Result<(ConfigFile, Digest)> {
    let bytes = source.read_document(loc)?;
    let actual = crate::digest_of(
        &bytes,
        expected.map_or(pare_source::Algorithm::Sha256, Digest::algorithm),
    );
    if let Some(e) = expected {
        verify("config", &bytes, e)?;
    }
    let config: ConfigFile = parse_json("config", &bytes)?;
    Ok((config, actual))
}

/// The digest a docker-archive path encodes, if any (`blobs/sha256/<hex>`,
/// `<hex>.json`, `<hex>/layer.tar`, `<hex>.tar`).
fn digest_in_path(path: &str) -> Option<Digest> {
    if let Some(rest) = path.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return format!("{alg}:{hex}").parse().ok();
    }
    let stem = path
        .strip_suffix(".json")
        .or_else(|| path.strip_suffix(".tar"))?;
    format!("sha256:{stem}").parse().ok()
}

pub(crate) fn open_docker_archive(source: Box<dyn Source>, bytes: &[u8]) -> Result<Image> {
    let entries: Vec<DockerArchiveEntry> = parse_json("manifest.json", bytes)?;
    let entry = match entries.as_slice() {
        [] => {
            return Err(Error::Invalid {
                what: "manifest.json".into(),
                reason: "no image in the archive".into(),
            })
        }
        [one] => one,
        many => match source.tag() {
            Some(t) => many
                .iter()
                .find(|e| {
                    e.repo_tags
                        .iter()
                        .flatten()
                        .any(|rt| rt == t || rt.ends_with(&format!(":{t}")))
                })
                .ok_or_else(|| Error::Invalid {
                    what: "manifest.json".into(),
                    reason: format!("no image tagged `{t}`"),
                })?,
            None => {
                let tags: Vec<String> = many
                    .iter()
                    .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
                    .collect();
                return Err(Error::Invalid {
                    what: "manifest.json".into(),
                    reason: format!(
                        "{} images in the archive; name one with a tag (have: {})",
                        many.len(),
                        tags.join(", ")
                    ),
                });
            }
        },
    };
    let cfg_loc = BlobLocation::Path(entry.config.clone());
    let expected = digest_in_path(&entry.config);
    let (config, config_digest) = read_config(source.as_ref(), &cfg_loc, expected.as_ref())?;
    if config.rootfs.diff_ids.len() != entry.layers.len() {
        return Err(Error::Invalid {
            what: "config".into(),
            reason: format!(
                "{} diff_ids for {} layers",
                config.rootfs.diff_ids.len(),
                entry.layers.len()
            ),
        });
    }
    let history = config.layer_history();
    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let loc = BlobLocation::Path(path.clone());
            // Only `blobs/<alg>/<hex>` paths name the blob's digest; legacy
            // `<id>/layer.tar` ids are not content digests.
            let digest = path
                .starts_with("blobs/")
                .then(|| digest_in_path(path))
                .flatten();
            Layer {
                index: i,
                size: source.size(&loc),
                location: loc,
                digest,
                media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
                compression: Compression::Detect,
                diff_id: config.rootfs.diff_ids.get(i).cloned(),
                created_by: history.get(i).and_then(|h| h.created_by.clone()),
            }
        })
        .collect();
    let platform = platform_of(&config);
    let mut tags = entry.repo_tags.clone().unwrap_or_default();
    tags.sort();
    Ok(Image {
        manifest_digest: None,
        index_digest: None,
        config_digest: Some(config_digest),
        config: Some(config),
        platform,
        layers,
        tags,
        annotations: BTreeMap::new(),
        rootfs: None,
        source,
    })
}

/// The layer diff_ids of the image whose manifest (or index, from which
/// `want` selects a manifest) has `digest`, read from `source`'s blob store.
/// Used to find a base image named by annotations.
pub(crate) fn diff_ids_by_digest(
    source: &dyn Source,
    digest: &Digest,
    want: &Platform,
) -> Result<Vec<Digest>> {
    let mut digest = digest.clone();
    for _ in 0..4 {
        let what = format!("manifest {digest}");
        let bytes = source.read_document(&BlobLocation::Digest(digest.clone()))?;
        verify(&what, &bytes, &digest)?;
        let value: serde_json::Value = parse_json(&what, &bytes)?;
        if value.get("manifests").is_some() {
            let index: Index = parse_json(&what, &bytes)?;
            let chosen = index
                .manifests
                .iter()
                .filter(|d| !is_attestation(d))
                .find(|d| d.platform.as_ref().is_none_or(|p| want.matches(p)))
                .ok_or_else(|| Error::NoPlatform {
                    wanted: want.to_string(),
                    available: format!("the index {digest}"),
                })?;
            digest = chosen.digest.clone();
            continue;
        }
        let manifest: Manifest = parse_json(&what, &bytes)?;
        let (config, _) = read_config(
            source,
            &BlobLocation::Digest(manifest.config.digest.clone()),
            Some(&manifest.config.digest),
        )?;
        return Ok(config.rootfs.diff_ids);
    }
    Err(Error::Invalid {
        what: format!("manifest {digest}"),
        reason: "indexes nested too deeply".into(),
    })
}
