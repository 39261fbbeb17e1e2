//! Turning what the user typed into a [`Source`]: explicit prefixes
//! (`docker-archive:`, `oci-archive:`, `oci-dir:`/`oci:`, `dir:`) or
//! detection by content.

use crate::layout::RootfsDir;
use crate::{Error, OciDir, Result, Source, TarArchive};
use std::path::{Path, PathBuf};

/// The kinds of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `docker save` output.
    DockerArchive,
    /// A tar of an OCI layout.
    OciArchive,
    /// An OCI layout directory.
    OciDir,
    /// An unpacked root filesystem.
    Dir,
    /// A registry (OCI distribution API).
    Registry,
}

impl SourceKind {
    /// The prefix name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::DockerArchive => "docker-archive",
            SourceKind::OciArchive => "oci-archive",
            SourceKind::OciDir => "oci-dir",
            SourceKind::Dir => "dir",
            SourceKind::Registry => "registry",
        }
    }
}

/// Split an optional `:tag` off a path (`oci:layout:latest`) when the whole
/// string is not itself an existing path.
fn split_tag(spec: &str) -> (PathBuf, Option<String>) {
    if Path::new(spec).exists() {
        return (PathBuf::from(spec), None);
    }
    if let Some((p, t)) = spec.rsplit_once(':') {
        if !t.contains('/') && Path::new(p).exists() {
            return (PathBuf::from(p), Some(t.to_string()));
        }
    }
    (PathBuf::from(spec), None)
}

/// Open what the user named as an image.
///
/// # Errors
/// Unknown prefix, missing path, content not matching the named kind.
pub fn open(spec: &str) -> Result<Box<dyn Source>> {
    let (prefix, rest) = match spec.split_once(':') {
        Some((
            p @ ("docker-archive" | "oci-archive" | "oci-dir" | "oci" | "dir" | "registry"),
            rest,
        )) => (Some(p), rest),
        _ => (None, spec),
    };
    let missing = |p: &Path| Error::Io {
        what: p.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
    };
    match prefix {
        Some("registry") => Err(Error::WrongKind {
            path: rest.into(),
            kind: "registry reference",
            reason: "the registry source is not built yet; use `skopeo copy` to an OCI layout"
                .into(),
        }),
        Some("docker-archive") => {
            let p = Path::new(rest);
            if !p.is_file() {
                return Err(missing(p));
            }
            Ok(Box::new(TarArchive::open(
                p,
                rest,
                Some(SourceKind::DockerArchive),
                None,
            )?))
        }
        Some("oci-archive") => {
            let (p, tag) = split_tag(rest);
            if !p.is_file() {
                return Err(missing(&p));
            }
            Ok(Box::new(TarArchive::open(
                &p,
                rest,
                Some(SourceKind::OciArchive),
                tag,
            )?))
        }
        Some("oci-dir" | "oci") => {
            let (p, tag) = split_tag(rest);
            if !p.is_dir() {
                return Err(missing(&p));
            }
            Ok(Box::new(OciDir::open(&p, rest, tag)?))
        }
        Some("dir") => Ok(Box::new(RootfsDir::open(Path::new(rest), rest)?)),
        _ => {
            let p = Path::new(rest);
            let meta = std::fs::metadata(p).map_err(|source| Error::Io {
                what: rest.into(),
                source,
            })?;
            if meta.is_dir() {
                if p.join("index.json").is_file() {
                    Ok(Box::new(OciDir::open(p, rest, None)?))
                } else {
                    Ok(Box::new(RootfsDir::open(p, rest)?))
                }
            } else {
                Ok(Box::new(TarArchive::open(p, rest, None, None)?))
            }
        }
    }
}
