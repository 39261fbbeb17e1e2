//! Turning what the user typed into a [`Source`]: explicit prefixes
//! (`docker-archive:`, `oci-archive:`, `oci-dir:`/`oci:`, `dir:`) or
//! detection by content; `registry:` or anything else that parses as an
//! image reference and is not an existing path is a registry image.

use crate::layout::RootfsDir;
use crate::registry::{Reference, Registry, RegistryOptions};
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

/// Open what the user named as an image, with default registry options.
///
/// # Errors
/// Unknown prefix, missing path, content not matching the named kind.
pub fn open(spec: &str) -> Result<Box<dyn Source>> {
    open_with(spec, &RegistryOptions::default())
}

/// Whether a missing path should be read as a registry reference: it
/// parses as one and does not look like a file name (`./x`, `/x`, `x.tar`).
fn looks_like_reference(spec: &str) -> bool {
    let pathish = spec.starts_with(['.', '/', '~'])
        || spec.contains('\\')
        || [".tar", ".tgz", ".tar.gz", ".tar.zst", ".json"]
            .iter()
            .any(|ext| spec.ends_with(ext));
    !pathish && Reference::parse(spec).is_ok()
}

/// The image kinds a prefix can name.
const KINDS: &[&str] = &[
    "docker-archive",
    "oci-archive",
    "oci-dir",
    "oci",
    "dir",
    "registry",
];

/// Levenshtein distance, for "did you mean" (short strings only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A `word:rest` spec whose prefix is no known kind but is meant as one:
/// the rest cannot be a tag (it holds a `/` or starts with `.`), or the
/// word is one or two edits from a kind (`oci-dri:`). `alpine:3.20`, a
/// repository and a tag, is neither.
fn unknown_kind(spec: &str) -> Option<Error> {
    let (word, rest) = spec.split_once(':')?;
    if word.is_empty()
        || KINDS.contains(&word)
        || word == "docker"
        || !word.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        || Path::new(spec).exists()
    {
        return None;
    }
    let nearest = KINDS
        .iter()
        .map(|k| (distance(word, k), *k))
        .min()
        .filter(|(d, k)| *d <= 2.min(k.len() / 2));
    let not_a_tag = rest.contains('/') || rest.starts_with('.') || rest.is_empty();
    (not_a_tag || nearest.is_some()).then(|| Error::UnknownKind {
        kind: word.to_string(),
        suggestion: nearest.map(|(_, k)| k),
    })
}

/// When `spec` would be read from a registry although it names no
/// `registry:` prefix (it is not an existing path and parses as a
/// reference), the canonical reference it would be read as: callers say
/// so before the network is asked.
#[must_use]
pub fn implicit_registry_reference(spec: &str) -> Option<String> {
    if spec.starts_with("registry:") || spec.starts_with("docker://") {
        return None;
    }
    if KINDS.iter().any(|k| spec.starts_with(&format!("{k}:"))) || unknown_kind(spec).is_some() {
        return None;
    }
    if Path::new(spec).exists() || !looks_like_reference(spec) {
        return None;
    }
    Reference::parse(spec).ok().map(|r| r.to_string())
}

fn open_registry(spec: &str, text: &str, opts: &RegistryOptions) -> Result<Box<dyn Source>> {
    let reference = Reference::parse(text).map_err(|reason| Error::BadReference {
        text: text.into(),
        reason,
    })?;
    Ok(Box::new(Registry::open(spec, reference, opts)?))
}

/// Open what the user named as an image; registry images use `opts`.
///
/// # Errors
/// Unknown prefix, missing path, content not matching the named kind,
/// registry errors.
pub fn open_with(spec: &str, opts: &RegistryOptions) -> Result<Box<dyn Source>> {
    let (prefix, rest) = match spec.split_once(':') {
        Some((
            p @ ("docker-archive" | "oci-archive" | "oci-dir" | "oci" | "dir" | "registry"),
            rest,
        )) if !(p == "registry" && rest.starts_with("//")) => (Some(p), rest),
        Some(("docker", rest)) if rest.starts_with("//") => (Some("registry"), &rest[2..]),
        Some(("registry", rest)) => (Some("registry"), rest.trim_start_matches('/')),
        _ => (None, spec),
    };
    let missing = |p: &Path| Error::Io {
        what: p.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
    };
    match prefix {
        Some("registry") => open_registry(spec, rest, opts),
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
            if let Some(e) = unknown_kind(spec) {
                return Err(e);
            }
            let p = Path::new(rest);
            if !p.exists() && looks_like_reference(rest) {
                return open_registry(spec, rest, opts);
            }
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
