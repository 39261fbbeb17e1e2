//! OCI semantics over a [`pare_source::Source`]: the index, the manifest
//! for the selected platform, the config, and the layers.
//!
//! [`Image::open`] reads and verifies the small documents (every manifest
//! and config is checked against its digest). [`Image::open_layer`] hands
//! out a layer as a stream of its *uncompressed tar*, decompressing gzip or
//! zstd on the fly and verifying, while it streams, both the compressed
//! blob's digest and the uncompressed `diff_id` recorded in the config. A
//! mismatch, a truncated stream or a decompression bomb surfaces as an I/O
//! error carrying a [`LayerError`] when the stream reaches its end, and
//! [`LayerStream::finish`] makes sure the end is always reached.
#![deny(missing_docs)]

pub mod access;
mod config;
mod error;
mod layer;
mod manifest;
mod platform;

pub use config::{ConfigFile, ContainerConfig, Healthcheck, History, RootFs};
pub use error::{Error, LayerError, Result};
pub use layer::{Blob, Checks, Compression, Decoded, Decompress, Layer, LayerStream, Limits, Tap};
pub use manifest::{Descriptor, DockerArchiveEntry, Index, Manifest};
pub use pare_source::{BlobLocation, Digest, Source, SourceKind};
pub use platform::Platform;

use pare_source::Root;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// An image ready to be read: documents parsed and verified, layers listed.
pub struct Image {
    source: Box<dyn Source>,
    /// Digest of the selected manifest (None for docker-archive and rootfs).
    pub manifest_digest: Option<Digest>,
    /// Digest of the index the manifest was selected from, if any.
    pub index_digest: Option<Digest>,
    /// Digest of the config blob (Docker's "image ID").
    pub config_digest: Option<Digest>,
    /// The parsed config (None for a rootfs directory).
    pub config: Option<ConfigFile>,
    /// The image's platform (from the config, else the index).
    pub platform: Option<Platform>,
    /// Layers, base first.
    pub layers: Vec<Layer>,
    /// Tags recorded in the archive (`RepoTags`, `ref.name` annotations).
    pub tags: Vec<String>,
    /// Manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// For a rootfs directory: its path.
    pub rootfs: Option<PathBuf>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("source", &self.source.name())
            .field("manifest_digest", &self.manifest_digest)
            .field("config_digest", &self.config_digest)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

/// Check that `bytes` hash to `expected`.
pub(crate) fn verify(what: &str, bytes: &[u8], expected: &Digest) -> Result<()> {
    let actual = digest_of(bytes, expected.algorithm());
    if &actual == expected {
        Ok(())
    } else {
        Err(Error::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        })
    }
}

pub(crate) fn digest_of(bytes: &[u8], alg: pare_source::Algorithm) -> Digest {
    match alg {
        pare_source::Algorithm::Sha256 => Digest::from_bytes(alg, &Sha256::digest(bytes)),
        pare_source::Algorithm::Sha512 => Digest::from_bytes(alg, &sha2::Sha512::digest(bytes)),
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|source| Error::Json {
        what: what.to_string(),
        source,
    })
}

impl Image {
    /// Open the image a source holds, selecting `platform` from an index
    /// (default `linux/amd64`). A platform the caller names (`Some`) must
    /// be the image's: a single-platform image of another platform is an
    /// error listing the one it has, never silently read instead.
    ///
    /// # Errors
    /// Malformed or mismatching documents, missing blobs, no manifest for
    /// the platform.
    pub fn open(source: Box<dyn Source>, platform: Option<&Platform>) -> Result<Self> {
        match source.root()? {
            Root::Rootfs(path) => Ok(Self {
                source,
                manifest_digest: None,
                index_digest: None,
                config_digest: None,
                config: None,
                platform: None,
                layers: Vec::new(),
                tags: Vec::new(),
                annotations: BTreeMap::new(),
                rootfs: Some(path),
            }),
            Root::DockerManifest(bytes) => {
                let image = manifest::open_docker_archive(source, &bytes)?;
                image.check_platform(platform)?;
                Ok(image)
            }
            Root::OciIndex(bytes) => {
                let want = platform.cloned().unwrap_or_default();
                let image = manifest::open_oci(source, &bytes, &want)?;
                // An image index already chose by platform (its descriptor
                // is what registries and runtimes trust); only an image
                // that was not chosen from an index is checked by config.
                if image.index_digest.is_none() {
                    image.check_platform(platform)?;
                }
                Ok(image)
            }
        }
    }

    /// An image whose config names another platform than the one asked
    /// for: an error, listing the platform it has.
    fn check_platform(&self, wanted: Option<&Platform>) -> Result<()> {
        match (wanted, &self.platform) {
            (Some(want), Some(have)) if !want.matches(have) => Err(Error::NoPlatform {
                wanted: want.to_string(),
                available: have.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// The layers' diff_ids, base first (layers without one are left out).
    #[must_use]
    pub fn diff_ids(&self) -> Vec<Digest> {
        self.layers
            .iter()
            .filter_map(|l| l.diff_id.clone())
            .collect()
    }

    /// The diff_ids of another image in the same source (an OCI layout's
    /// blob store, the same registry repository), by its manifest or index
    /// digest: how a base image named by the
    /// `org.opencontainers.image.base.digest` annotation is found.
    ///
    /// # Errors
    /// The blob is missing, malformed or does not match its digest.
    pub fn diff_ids_of(&self, digest: &Digest, platform: &Platform) -> Result<Vec<Digest>> {
        manifest::diff_ids_by_digest(self.source.as_ref(), digest, platform)
    }

    /// The source the image was read from.
    #[must_use]
    pub fn source(&self) -> &dyn Source {
        self.source.as_ref()
    }

    /// Stream layer `index` as an uncompressed tar, verifying digests.
    ///
    /// # Errors
    /// Missing blob, unknown compression.
    pub fn open_layer(&self, index: usize, limits: &Limits) -> Result<LayerStream<Decoded<'_>>> {
        let layer = self.layers.get(index).ok_or(Error::NoSuchLayer { index })?;
        layer::open(self.source.as_ref(), layer, limits)
    }

    /// Layer `index` in two halves: the [`Decoded`] stream (blob digest
    /// verified) to run on one thread, and the [`Checks`] (diff_id,
    /// limits) to wrap around its output on another.
    ///
    /// # Errors
    /// Missing blob, unknown compression.
    pub fn open_layer_parts(&self, index: usize, limits: &Limits) -> Result<(Decoded<'_>, Checks)> {
        let layer = self.layers.get(index).ok_or(Error::NoSuchLayer { index })?;
        layer::open_parts(self.source.as_ref(), layer, limits)
    }

    /// Layer `index` in three stages, for a pipeline with one thread each:
    /// reading the [`Blob`] (its digest verified), [`Decompress`]ing it,
    /// and the [`Checks`] (diff_id, limits) on the uncompressed tar.
    ///
    /// # Errors
    /// Missing blob, unknown compression.
    pub fn open_layer_stages(
        &self,
        index: usize,
        limits: &Limits,
    ) -> Result<(Blob<'_>, Decompress, Checks)> {
        let layer = self.layers.get(index).ok_or(Error::NoSuchLayer { index })?;
        layer::open_stages(self.source.as_ref(), layer, limits, true)
    }

    /// [`Self::open_layer_stages`] for reading a layer a second time in one
    /// run (`pare slim` copying the files it keeps, after the index's pass
    /// verified every layer): a local blob (a file, or a member of one) is
    /// not hashed again — it is content-addressed and was just verified,
    /// and whoever could rewrite it between the two reads could as well
    /// have before the first. A registry blob is fetched again, and a
    /// second fetch is not the first: it is verified again. The limits
    /// (size, expansion ratio) hold either way.
    ///
    /// # Errors
    /// Missing blob, unknown compression.
    pub fn reopen_layer_stages(
        &self,
        index: usize,
        limits: &Limits,
    ) -> Result<(Blob<'_>, Decompress, Checks)> {
        let layer = self.layers.get(index).ok_or(Error::NoSuchLayer { index })?;
        let verify = self.source.kind() == SourceKind::Registry;
        layer::open_stages(self.source.as_ref(), layer, limits, verify)
    }

    /// Layer `index`'s blob from byte `offset` on, unverified, when the
    /// source can seek (see [`Source::open_at`]): for a second read of a
    /// layer this run has verified.
    ///
    /// # Errors
    /// No such layer, a missing blob, I/O errors.
    pub fn open_blob_at(
        &self,
        index: usize,
        offset: u64,
    ) -> Result<Option<Box<dyn std::io::Read + Send + '_>>> {
        let layer = self.layers.get(index).ok_or(Error::NoSuchLayer { index })?;
        Ok(self.source.open_at(&layer.location, offset)?)
    }

    /// Sum of the compressed layer sizes (None when a size is unknown).
    #[must_use]
    pub fn compressed_size(&self) -> Option<u64> {
        self.layers.iter().map(|l| l.size).sum()
    }
}
