//! OCI image layout directories, and unpacked rootfs directories.

use crate::{safe_join, BlobLocation, Error, Result, Root, Source, SourceKind};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/`).
#[derive(Debug)]
pub struct OciDir {
    name: String,
    root: PathBuf,
    tag: Option<String>,
}

impl OciDir {
    /// Open the layout at `root`.
    ///
    /// # Errors
    /// When `root` has no `index.json`.
    pub fn open(root: &Path, name: &str, tag: Option<String>) -> Result<Self> {
        if !root.join("index.json").is_file() {
            return Err(Error::WrongKind {
                path: name.to_string(),
                kind: "OCI layout",
                reason: "no `index.json` in the directory".into(),
            });
        }
        Ok(Self {
            name: name.to_string(),
            root: root.to_path_buf(),
            tag,
        })
    }

    fn path_of(&self, loc: &BlobLocation) -> Result<PathBuf> {
        match loc {
            BlobLocation::Digest(d) => Ok(self.root.join(d.layout_path())),
            BlobLocation::Path(p) => safe_join(&self.root, p),
        }
    }
}

impl Source for OciDir {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::OciDir
    }

    fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    fn root(&self) -> Result<Root> {
        Ok(Root::OciIndex(
            self.read_document(&BlobLocation::Path("index.json".into()))?,
        ))
    }

    fn open_at(
        &self,
        loc: &BlobLocation,
        offset: u64,
    ) -> Result<Option<Box<dyn Read + Send + '_>>> {
        let path = self.path_of(loc)?;
        let io_err = |source| Error::Io {
            what: path.display().to_string(),
            source,
        };
        let mut f = File::open(&path).map_err(io_err)?;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(offset)).map_err(io_err)?;
        Ok(Some(Box::new(f)))
    }

    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>> {
        let path = self.path_of(loc)?;
        match File::open(&path) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing {
                what: loc.to_string(),
            }),
            Err(source) => Err(Error::Io {
                what: path.display().to_string(),
                source,
            }),
        }
    }

    fn size(&self, loc: &BlobLocation) -> Option<u64> {
        self.path_of(loc)
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    }
}

/// An unpacked root filesystem: one pseudo-layer, no config.
#[derive(Debug)]
pub struct RootfsDir {
    name: String,
    root: PathBuf,
}

impl RootfsDir {
    /// Use the directory at `root` as a root filesystem.
    ///
    /// # Errors
    /// When `root` is not a directory.
    pub fn open(root: &Path, name: &str) -> Result<Self> {
        if !root.is_dir() {
            return Err(Error::WrongKind {
                path: name.into(),
                kind: "rootfs directory",
                reason: "not a directory".into(),
            });
        }
        Ok(Self {
            name: name.to_string(),
            root: root.to_path_buf(),
        })
    }
}

impl Source for RootfsDir {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Dir
    }

    fn root(&self) -> Result<Root> {
        Ok(Root::Rootfs(self.root.clone()))
    }

    fn open(&self, loc: &BlobLocation) -> Result<Box<dyn Read + Send + '_>> {
        Err(Error::Missing {
            what: format!("{loc} (a rootfs directory has no blobs)"),
        })
    }

    fn size(&self, _loc: &BlobLocation) -> Option<u64> {
        None
    }
}
