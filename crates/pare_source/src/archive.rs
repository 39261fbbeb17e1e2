//! Random access into an uncompressed tar file (docker-archive and OCI
//! archive). One pass over the tar headers records where each member's
//! data starts; blobs are then opened with a seek, several at a time (each
//! open gets its own file handle, so layers can stream in parallel).

use crate::{BlobLocation, Error, Result, Root, Source, SourceKind};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Where one member's bytes are.
#[derive(Debug, Clone, Copy)]
struct Member {
    offset: u64,
    size: u64,
}

/// An indexed tar file.
#[derive(Debug)]
pub struct TarArchive {
    name: String,
    path: PathBuf,
    kind: SourceKind,
    members: HashMap<String, Member>,
    tag: Option<String>,
}

/// Normalise a member name: strip `./` and leading `/`, collapse `//`.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for part in name.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

/// Resolve `target` relative to the directory of `from` (for symlinked
/// members, which old `docker save` used for repeated layers).
fn resolve_link(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        from.split('/').collect::<Vec<_>>()
    };
    if !target.starts_with('/') {
        parts.pop();
    }
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// What a file is when its first block is plainly no tar header, for the
/// error (the content itself is never echoed: it may be anything).
fn not_a_tar(head: &[u8]) -> Option<&'static str> {
    if head.len() == 512 && (&head[257..262] == b"ustar" || tar_checksum_ok(head)) {
        return None;
    }
    Some(if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive"
    } else if head.starts_with(b"\x7fELF") {
        "an ELF binary"
    } else if head.starts_with(b"%PDF") {
        "a PDF document"
    } else if !head.contains(&0) && std::str::from_utf8(head).is_ok() {
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => "a JSON or text file",
            _ => "a text file",
        }
    } else if head.len() < 512 {
        "too short for a tar archive"
    } else {
        "a binary file"
    })
}

/// Whether a 512-byte block has a valid tar header checksum (pre-POSIX
/// v7 headers have no `ustar` magic).
fn tar_checksum_ok(h: &[u8]) -> bool {
    let field = &h[148..156];
    let text: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| char::from(*b))
        .collect();
    let Ok(want) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    sum == want
}

impl TarArchive {
    /// Index the members of the tar at `path`. `kind` is the kind the user
    /// named, or `None` to detect it from the members.
    ///
    /// # Errors
    /// Unreadable file, corrupt tar, compressed tarball, or a tar that is
    /// neither a docker-archive nor an OCI archive.
    pub fn open(
        path: &Path,
        name: &str,
        kind: Option<SourceKind>,
        tag: Option<String>,
    ) -> Result<Self> {
        let io_err = |source| Error::Io {
            what: name.to_string(),
            source,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let mut magic = [0u8; 4];
        let n = read_up_to(&mut file, &mut magic).map_err(io_err)?;
        if n == 0 {
            return Err(Error::WrongKind {
                path: name.to_string(),
                kind: kind.map_or("image archive", SourceKind::as_str),
                reason: "the file is empty".into(),
            });
        }
        if magic[..2] == [0x1f, 0x8b] {
            return Err(Error::CompressedArchive {
                path: name.to_string(),
                compression: "gzip",
            });
        }
        if magic == [0x28, 0xb5, 0x2f, 0xfd] {
            return Err(Error::CompressedArchive {
                path: name.to_string(),
                compression: "zstd",
            });
        }
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let mut head = [0u8; 512];
        let n = read_up_to(&mut file, &mut head).map_err(io_err)?;
        if let Some(what) = not_a_tar(&head[..n]) {
            return Err(Error::NotAnImage {
                path: name.to_string(),
                what,
            });
        }
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let corrupt = |source| Error::CorruptArchive {
            path: name.to_string(),
            source,
        };
        let mut members = HashMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let file_len = file.metadata().map_err(io_err)?.len();
        let mut ar = tar::Archive::new(std::io::BufReader::with_capacity(64 * 1024, file));
        for entry in ar.entries_with_seek().map_err(corrupt)? {
            let entry = entry.map_err(corrupt)?;
            let member = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            let ty = entry.header().entry_type();
            if ty.is_symlink() || ty.is_hard_link() {
                if let Some(target) = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                {
                    let resolved = if ty.is_symlink() {
                        resolve_link(&member, &target)
                    } else {
                        Some(normalise(&target))
                    };
                    if let Some(r) = resolved {
                        links.push((member, r));
                    }
                }
                continue;
            }
            if !ty.is_file() {
                continue;
            }
            let size = entry.size();
            let offset = entry.raw_file_position();
            if offset.saturating_add(size) > file_len {
                return Err(corrupt(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "archive truncated: member `{member}` extends past the end of the file"
                    ),
                )));
            }
            members.insert(member, Member { offset, size });
        }
        // Links may chain; resolve a bounded number of hops.
        for _ in 0..8 {
            let mut progressed = false;
            for (from, to) in &links {
                if !members.contains_key(from) {
                    if let Some(m) = members.get(to).copied() {
                        members.insert(from.clone(), m);
                        progressed = true;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        let detected = if members.contains_key("manifest.json") {
            Some(SourceKind::DockerArchive)
        } else if members.contains_key("index.json") {
            Some(SourceKind::OciArchive)
        } else {
            None
        };
        let kind = match (kind, detected) {
            (Some(SourceKind::OciArchive), _) if members.contains_key("index.json") => {
                SourceKind::OciArchive
            }
            (Some(SourceKind::DockerArchive), Some(SourceKind::DockerArchive)) => {
                SourceKind::DockerArchive
            }
            (Some(k), _) => {
                return Err(Error::WrongKind {
                    path: name.to_string(),
                    kind: k.as_str(),
                    reason: format!(
                        "no `{}` in the archive",
                        if k == SourceKind::DockerArchive {
                            "manifest.json"
                        } else {
                            "index.json"
                        }
                    ),
                })
            }
            (None, Some(k)) => k,
            (None, None) => {
                return Err(Error::Unrecognised {
                    path: name.to_string(),
                })
            }
        };
        Ok(Self {
            name: name.to_string(),
            path: path.to_path_buf(),
            kind,
            members,
            tag,
        })
    }

    fn member(&self, loc: &BlobLocation) -> Option<(String, Member)> {
        let key = match loc {
            BlobLocation::Digest(d) => d.layout_path(),
            BlobLocation::Path(p) => normalise(p),
        };
        self.members.get(&key).map(|m| (key, *m))
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

impl Source for TarArchive {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    fn root(&self) -> Result<Root> {
        let doc = if self.kind == SourceKind::DockerArchive {
            "manifest.json"
        } else {
            "index.json"
        };
        let bytes = self.read_document(&BlobLocation::Path(doc.into()))?;
        Ok(if self.kind == SourceKind::DockerArchive {
            Root::DockerManifest(bytes)
        } else {
            Root::OciIndex(bytes)
        })
    }

    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>> {
        if let BlobLocation::Path(p) = loc {
            crate::safe_join(Path::new(""), p)?;
        }
        let (_, m) = self.member(loc).ok_or_else(|| Error::Missing {
            what: loc.to_string(),
        })?;
        let io_err = |source| Error::Io {
            what: self.name.clone(),
            source,
        };
        let mut f = File::open(&self.path).map_err(io_err)?;
        f.seek(SeekFrom::Start(m.offset)).map_err(io_err)?;
        Ok(Box::new(TruncationCheck {
            inner: f.take(m.size),
            remaining: m.size,
        }))
    }

    fn size(&self, loc: &BlobLocation) -> Option<u64> {
        self.member(loc).map(|(_, m)| m.size)
    }

    fn open_at(
        &self,
        loc: &BlobLocation,
        offset: u64,
    ) -> Result<Option<Box<dyn Read + Send + '_>>> {
        let (_, m) = self.member(loc).ok_or_else(|| Error::Missing {
            what: loc.to_string(),
        })?;
        let offset = offset.min(m.size);
        let io_err = |source| Error::Io {
            what: self.name.clone(),
            source,
        };
        let mut f = File::open(&self.path).map_err(io_err)?;
        f.seek(SeekFrom::Start(m.offset + offset)).map_err(io_err)?;
        Ok(Some(Box::new(TruncationCheck {
            inner: f.take(m.size - offset),
            remaining: m.size - offset,
        })))
    }
}

/// Turns a short read of a tar member (the archive was truncated after it
/// was indexed, or its header lies about the size) into an error instead of
/// a silently short blob.
struct TruncationCheck<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for TruncationCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.remaining > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "archive truncated: {} bytes of the member missing",
                    self.remaining
                ),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_and_links() {
        assert_eq!(normalise("./a//b/"), "a/b");
        assert_eq!(
            resolve_link("abc/layer.tar", "../def/layer.tar").as_deref(),
            Some("def/layer.tar")
        );
        assert_eq!(resolve_link("a/b", "../../../x"), None);
    }
}
