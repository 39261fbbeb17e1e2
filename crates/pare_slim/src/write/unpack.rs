//! The kept entries unpacked into a directory: the root filesystem
//! `bwrap` runs over (`pare verify --run`).

use super::emit::{emit, FileMeta, Sink};
use super::layer::rel;
use super::{io, Selection, Source};
use crate::Result;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A directory being filled (for the sandbox). Paths were normalised by
/// the index (no `..`), and no symlink exists while files are written.
struct DirSink {
    root: PathBuf,
    dirs: Vec<(PathBuf, u32)>,
}

impl DirSink {
    fn at(&self, p: &str) -> PathBuf {
        self.root.join(rel(p))
    }
}

fn chown(p: &Path, uid: u64, gid: u64) {
    // Unprivileged runs cannot chown: the files stay the caller's.
    let _ = std::os::unix::fs::lchown(p, u32::try_from(uid).ok(), u32::try_from(gid).ok());
}

impl Sink for DirSink {
    fn dir(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Result<()> {
        let d = self.at(path);
        std::fs::create_dir_all(&d).map_err(io(d.display().to_string()))?;
        chown(&d, uid, gid);
        self.dirs.push((d, mode));
        Ok(())
    }
    fn file(&mut self, path: &str, m: FileMeta, data: &mut dyn Read) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let f = self.at(path);
        if let Some(d) = f.parent() {
            std::fs::create_dir_all(d).map_err(io(d.display().to_string()))?;
        }
        let mut out = std::fs::File::create(&f).map_err(io(f.display().to_string()))?;
        std::io::copy(&mut data.take(m.size), &mut out).map_err(io(f.display().to_string()))?;
        chown(&f, m.uid, m.gid);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m.mode & 0o7777))
            .map_err(io(f.display().to_string()))?;
        Ok(())
    }
    fn hardlink(&mut self, path: &str, target: &str) -> Result<()> {
        let (l, t) = (self.at(path), self.at(target));
        std::fs::hard_link(&t, &l).map_err(io(l.display().to_string()))
    }
    fn symlink(&mut self, path: &str, target: &str, uid: u64, gid: u64) -> Result<()> {
        let l = self.at(path);
        if let Some(d) = l.parent() {
            std::fs::create_dir_all(d).map_err(io(d.display().to_string()))?;
        }
        std::os::unix::fs::symlink(target, &l).map_err(io(l.display().to_string()))?;
        chown(&l, uid, gid);
        Ok(())
    }
}

/// Unpack the kept paths of `image` into `dest` (an empty directory):
/// the root filesystem `bwrap` runs over.
///
/// # Errors
/// Layer read errors; I/O errors naming the file.
pub fn unpack(src: Source<'_>, sel: &Selection<'_>, dest: &Path) -> Result<u64> {
    let mut sink = DirSink {
        root: dest.to_path_buf(),
        dirs: Vec::new(),
    };
    let n = emit(src, sel, &mut sink)?;
    use std::os::unix::fs::PermissionsExt;
    for (d, mode) in sink.dirs.iter().rev() {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(io(d.display().to_string()))?;
    }
    Ok(n)
}
