//! Writing the kept paths: as one squashed layer of a new OCI layout
//! ([`oci`]) or docker-archive ([`archive`]), or unpacked into a
//! directory for the sandbox ([`unpack()`]).
//!
//! Directories, symlinks and hardlinks come from the index; regular files
//! stream from the source layers (each file from the layer that last wrote
//! it), or from a rootfs directory; rewritten files from the plan. Entries
//! are written in this order: directories, files, hardlinks, symlinks — so
//! no file is ever written through a symlink of the image, and unpacking
//! can never leave the destination ([`emit`]).

mod archive;
mod durable;
mod emit;
mod layer;
mod oci;
mod pgzip;
mod unpack;

pub use unpack::unpack;

use crate::{Error, Result};
use pare_fsindex::FsIndex;
use pare_image::{ConfigFile, Image, Limits};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The mtime of entries that carry none in the index (directories,
/// links, rewritten files): 2023-11-14, the fleet's `SOURCE_DATE_EPOCH`,
/// so that outputs are reproducible.
const EPOCH: u64 = 1_700_000_000;

fn io(path: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// What to write: the kept paths and the rewritten files.
pub struct Selection<'a> {
    /// Absolute paths kept.
    pub keep: &'a BTreeSet<String>,
    /// Rewritten files.
    pub replaced: &'a [(String, Vec<u8>)],
}

/// The image read: its layers, their index and the limits reading them.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    /// The image.
    pub image: &'a Image,
    /// Its filesystem index.
    pub index: &'a FsIndex,
    /// Limits of reading its layers.
    pub limits: &'a Limits,
}

/// The kind of image written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// An OCI image layout directory, the layer gzip-compressed (what
    /// `skopeo copy oci:DIR docker://…` pushes as is).
    OciLayout,
    /// One tar file as `docker save` has written it since Docker 25: an
    /// OCI layout (`oci-layout`, `index.json`, `blobs/sha256/…`) with
    /// Docker's `manifest.json` beside it, the layer uncompressed. `docker
    /// load -i`, `skopeo`'s `docker-archive:` and `oci-archive:` and pare
    /// itself read it.
    DockerArchive,
}

/// How an OCI layout's layer is compressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerCompression {
    /// gzip, level 1, on two threads: what every runtime and registry
    /// takes.
    #[default]
    Gzip,
    /// zstd, level 1 on two workers (`+zstd` in the OCI image spec): faster to write than gzip here (a quarter of slim's time
    /// on `node-app`), a fifth smaller, and faster to decompress on pull;
    /// containerd 1.5+, CRI-O, podman and Docker 23+ read it.
    Zstd,
}

/// Where the slimmed image goes: `-o [KIND:]PATH`, with the kinds of
/// image sources (`docker-archive:`, `oci-archive:` — the same file —,
/// `oci-dir:` or `oci:`). Without a prefix a path ending in `.tar` is an
/// archive, anything else an OCI layout directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The kind.
    pub format: Format,
    /// The directory or file.
    pub path: PathBuf,
    /// How an OCI layout's layer is compressed (a docker-archive's is
    /// stored as it is).
    pub compression: LayerCompression,
}

impl std::str::FromStr for Output {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (format, path) = if let Some(p) = s
            .strip_prefix("docker-archive:")
            .or_else(|| s.strip_prefix("oci-archive:"))
        {
            (Format::DockerArchive, p)
        } else if let Some(p) = s
            .strip_prefix("oci-dir:")
            .or_else(|| s.strip_prefix("oci:"))
        {
            (Format::OciLayout, p)
        } else if s.ends_with(".tar") {
            (Format::DockerArchive, s)
        } else {
            (Format::OciLayout, s)
        };
        if path.is_empty() {
            return Err(format!("`{s}` names no path"));
        }
        Ok(Self {
            format,
            path: PathBuf::from(path),
            compression: LayerCompression::default(),
        })
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.path.display().fmt(f)
    }
}

impl Output {
    /// Whether the output is refused before any work: it exists and is
    /// not empty (a directory with entries, a file with bytes), and
    /// `force` was not given.
    #[must_use]
    pub fn is_taken(&self, force: bool) -> bool {
        !force
            && match self.format {
                Format::OciLayout => {
                    std::fs::read_dir(&self.path).is_ok_and(|mut d| d.next().is_some())
                        || self.path.is_file()
                }
                Format::DockerArchive => {
                    std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_dir() || m.len() > 0)
                }
            }
    }

    /// Write the kept paths of `image` here: the layer, `config` with its
    /// `diff_ids` replaced and a history entry added, tagged `tag`. A
    /// non-empty output is refused unless `force` (then replaced).
    ///
    /// # Errors
    /// [`Error::OutputExists`]; layer read errors; I/O errors naming the
    /// file.
    pub fn write(
        &self,
        src: Source<'_>,
        sel: &Selection<'_>,
        config: &ConfigFile,
        tag: &str,
        force: bool,
    ) -> Result<Written> {
        match self.format {
            Format::OciLayout => {
                prepare_dir(&self.path, force)?;
                oci::write(src, sel, config, &self.path, tag, self.compression)
            }
            Format::DockerArchive => {
                if self.is_taken(force) {
                    return Err(Error::OutputExists(self.path.display().to_string()));
                }
                archive::write(src, sel, config, &self.path, tag).inspect_err(|_| {
                    // What was written is not an image: leave nothing behind.
                    let _ = std::fs::remove_file(&self.path);
                })
            }
        }
    }
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    /// The kind of image.
    pub format: Format,
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The config's digest.
    pub config_digest: String,
    /// The layer's digest (as stored: gzip in an OCI layout, the tar in a
    /// docker-archive).
    pub layer_digest: String,
    /// The layer's `diff_id`.
    pub diff_id: String,
    /// Stored layer size (compressed in an OCI layout).
    pub compressed_size: u64,
    /// Uncompressed tar size.
    pub uncompressed_size: u64,
    /// Regular files written.
    pub files: u64,
}

/// The slimmed image's metadata, as blobs: its config (one layer), the
/// manifest and the index naming it `tag`.
struct Metadata {
    config: Vec<u8>,
    config_digest: String,
    manifest: Vec<u8>,
    manifest_digest: String,
    index: Vec<u8>,
}

impl Metadata {
    fn new(
        config: &ConfigFile,
        layer: &layer::Layer,
        media_type: &str,
        tag: &str,
        out: &Path,
    ) -> Result<Self> {
        let mut cfg = config.clone();
        cfg.rootfs.kind = "layers".into();
        cfg.rootfs.diff_ids = vec![layer.diff_id.parse().map_err(|e| Error::Io {
            path: out.display().to_string(),
            source: std::io::Error::other(format!("{e}")),
        })?];
        cfg.history = vec![pare_image::History {
            created: cfg.created.clone(),
            created_by: Some("pare slim: the entrypoint's closure, squashed".into()),
            comment: None,
            empty_layer: false,
        }];
        let config = serde_json::to_vec(&cfg).map_err(|e| Error::Io {
            path: out.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        let config_digest = sha(&config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": media_type, "digest": layer.digest, "size": layer.stored_size}],
        }))
        .expect("json");
        let manifest_digest = sha(&manifest);
        let index = serde_json::to_vec_pretty(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": tag}}],
        }))
        .expect("json");
        Ok(Self {
            config,
            config_digest,
            manifest,
            manifest_digest,
            index,
        })
    }

    fn written(self, format: Format, layer: layer::Layer) -> Written {
        Written {
            format,
            manifest_digest: self.manifest_digest,
            config_digest: self.config_digest,
            layer_digest: layer.digest,
            diff_id: layer.diff_id,
            compressed_size: layer.stored_size,
            uncompressed_size: layer.size,
            files: layer.files,
        }
    }
}

/// `oci-layout`'s content.
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// Refuse an existing non-empty directory `out` unless `force` (then
/// empty it); create it when absent.
fn prepare_dir(out: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut rd) => {
            if rd.next().is_some() {
                if !force {
                    return Err(Error::OutputExists(out.display().to_string()));
                }
                for e in std::fs::read_dir(out).map_err(io(out.display().to_string()))? {
                    let p = e.map_err(io(out.display().to_string()))?.path();
                    let r = if p.is_dir() && !p.is_symlink() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                    r.map_err(io(p.display().to_string()))?;
                }
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(io(out.display().to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(Error::OutputExists(out.display().to_string()))
        }
        Err(e) => Err(io(out.display().to_string())(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_parse_by_prefix_then_by_suffix() {
        let o = |s: &str| s.parse::<Output>().unwrap();
        assert_eq!(o("out").format, Format::OciLayout);
        assert_eq!(o("oci:out.tar").format, Format::OciLayout);
        assert_eq!(o("oci-dir:x").path, PathBuf::from("x"));
        assert_eq!(o("slim.tar").format, Format::DockerArchive);
        assert_eq!(o("docker-archive:slim").format, Format::DockerArchive);
        assert_eq!(o("docker-archive:slim").path, PathBuf::from("slim"));
        assert_eq!(o("oci-archive:a.tar").format, Format::DockerArchive);
        assert!("docker-archive:".parse::<Output>().is_err());
    }
}
