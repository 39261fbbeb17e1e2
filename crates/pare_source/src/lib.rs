//! Where image bytes come from.
//!
//! A [`Source`] is a transport: it knows how to hand out the *documents*
//! of an image (`index.json`, Docker's `manifest.json`, manifests and
//! configs) and stream its *blobs*, without interpreting them. Interpreting
//! (platform selection, media types, digests of layers against the config)
//! is `pare_image`'s job, one stage downstream.
//!
//! Sources implemented here: OCI image layout directories, OCI archives (a
//! tar of a layout), Docker archives (what `docker save` writes, legacy
//! and Docker 25+ OCI-in-docker-save), unpacked rootfs directories, and
//! registries (the OCI distribution API, [`registry`]).
//! Every source opens blobs as `Box<dyn Read + Send>` streams so that a
//! registry source can stream from the network without a local file.
//!
//! Limits: documents (JSON) are read whole but capped at
//! [`MAX_DOCUMENT_BYTES`]; blobs are never read whole here.
#![deny(missing_docs)]

mod archive;
mod digest;
mod error;
pub mod http;
mod layout;
mod open;
pub mod registry;

pub use archive::TarArchive;
pub use digest::{Algorithm, Digest};
pub use error::{Error, Result};
pub use layout::{OciDir, RootfsDir};
pub use open::{implicit_registry_reference, open, open_with, SourceKind};
pub use registry::{Registry, RegistryOptions};

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest JSON document (index, manifest, config) pare reads whole.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Where a blob is found: by digest (OCI layouts, registries) or by path
/// inside the source (Docker archives name layers by path).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BlobLocation {
    /// A content-addressed blob.
    Digest(Digest),
    /// A file inside an archive or layout, relative to its root.
    Path(String),
}

impl std::fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobLocation::Digest(d) => write!(f, "{d}"),
            BlobLocation::Path(p) => f.write_str(p),
        }
    }
}

/// The entry document of a source, which `pare_image` interprets.
#[derive(Debug, Clone)]
pub enum Root {
    /// An OCI `index.json` (layouts and archives).
    OciIndex(Vec<u8>),
    /// Docker's `manifest.json` (docker-archive).
    DockerManifest(Vec<u8>),
    /// An unpacked root filesystem: no manifest, no config.
    Rootfs(PathBuf),
}

/// A transport for an image's documents and blobs.
pub trait Source: Send + Sync {
    /// What the user named (`app.tar`, `oci:./layout`), for messages.
    fn name(&self) -> &str;

    /// Which kind of source this is.
    fn kind(&self) -> SourceKind;

    /// The tag the user asked for (`oci:layout:v1`), selecting among the
    /// manifests of an index by `org.opencontainers.image.ref.name`.
    fn tag(&self) -> Option<&str> {
        None
    }

    /// The entry document.
    ///
    /// # Errors
    /// Missing or unreadable entry document.
    fn root(&self) -> Result<Root>;

    /// Stream a blob. The bytes are *not* verified here; callers verify
    /// them against the digest while they stream (`pare_image`).
    ///
    /// # Errors
    /// Missing blob, I/O errors.
    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>>;

    /// Size of a blob when the source knows it without reading it.
    fn size(&self, loc: &BlobLocation) -> Option<u64>;

    /// Stream a blob from byte `offset` on, when the source can seek (a
    /// file, a member of an archive); `None` when it cannot (a registry).
    /// Unverified, as [`Source::open`]: for a second read of a blob the
    /// same run has verified whole.
    ///
    /// # Errors
    /// Missing blob, I/O errors.
    fn open_at(
        &self,
        loc: &BlobLocation,
        offset: u64,
    ) -> Result<Option<Box<dyn Read + Send + '_>>> {
        let _ = (loc, offset);
        Ok(None)
    }

    /// Read a small document (manifest, config) whole, capped at
    /// [`MAX_DOCUMENT_BYTES`].
    ///
    /// # Errors
    /// Missing, unreadable or oversized document.
    fn read_document(&self, loc: &BlobLocation) -> Result<Vec<u8>> {
        read_capped(self.open(loc)?, MAX_DOCUMENT_BYTES, || loc.to_string())
    }
}

/// Read a stream whole, failing when it exceeds `cap` bytes.
///
/// # Errors
/// I/O errors; [`Error::TooLarge`] past the cap.
pub fn read_capped(r: impl Read, cap: u64, what: impl FnOnce() -> String) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let n = r
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|source| Error::Io {
            what: what(),
            source,
        })?;
    if n as u64 > cap {
        return Err(Error::TooLarge {
            what: String::new(),
            limit: cap,
        });
    }
    Ok(buf)
}

/// Join a relative path found inside an archive's documents onto a root,
/// refusing absolute paths and `..` components (a hostile `manifest.json`
/// must not make pare read outside the layout).
///
/// # Errors
/// [`Error::UnsafePath`].
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    let ok = !rel.is_empty()
        && rel_path.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
    if ok {
        Ok(root.join(rel_path))
    } else {
        Err(Error::UnsafePath {
            path: rel.to_string(),
        })
    }
}
