//! The squashed filesystem index.

use crate::efficiency::{Efficiency, Occurrences};
use crate::{IndexOptions, LayerScan};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The type of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Hard link to another path (`link`).
    Hardlink,
    /// Character device.
    CharDevice,
    /// Block device.
    BlockDevice,
    /// Named pipe.
    Fifo,
}

/// One path of the squashed filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Type.
    pub kind: Kind,
    /// Permission bits including setuid/setgid/sticky (`0o4755`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes (regular files; hardlinks report their target's).
    pub size: u64,
    /// Symlink target as stored, or hardlink target as an absolute path.
    pub link: Option<String>,
    /// Index of the layer that last wrote this path.
    pub layer: usize,
}

impl Entry {
    /// True for regular files and hardlinks to them.
    #[must_use]
    pub fn is_file(&self) -> bool {
        matches!(self.kind, Kind::File | Kind::Hardlink)
    }
}

/// What one layer did to the filesystem.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LayerStats {
    /// Layer index.
    pub index: usize,
    /// Entries in the layer's tar (whiteouts excluded).
    pub entries: usize,
    /// Non-directory paths that did not exist below this layer.
    pub added: usize,
    /// Non-directory paths that replaced an existing path.
    pub changed: usize,
    /// Non-directory paths removed by whiteouts or opaque directories.
    pub removed: usize,
    /// Bytes of regular files in the layer.
    pub content_bytes: u64,
    /// Bytes of lower-layer files this layer overwrote or deleted.
    pub wasted_below: u64,
    /// Size of the layer's uncompressed tar stream.
    pub tar_bytes: u64,
}

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// More than 40 symlinks on the way (Linux's `ELOOP` limit).
    #[error("too many levels of symbolic links resolving `{0}`")]
    Loop(String),
    /// A component does not exist.
    #[error("`{0}` does not exist")]
    NotFound(String),
}

/// The squashed filesystem of an image.
#[derive(Debug, Default)]
pub struct FsIndex {
    entries: BTreeMap<String, Entry>,
    layers: Vec<LayerStats>,
    captured: HashMap<String, Arc<[u8]>>,
    probed: HashMap<usize, BTreeMap<String, Vec<u8>>>,
    probe_names: Vec<&'static str>,
    /// Visitor results by visitor: (layer, path, data), in layer order.
    visited: HashMap<usize, Vec<(usize, String, Vec<u8>)>>,
    visitor_names: Vec<&'static str>,
    efficiency: Efficiency,
    skipped_large: Vec<(String, u64)>,
    /// Per visitor: (layer, path, size) of the files it wanted but that
    /// were over [`crate::IndexOptions::max_visit_file`].
    unvisited: HashMap<usize, Vec<(usize, String, u64)>>,
    /// Per layer, when asked for ([`crate::IndexOptions::access_points`]):
    /// where its files lie, for a second read.
    pub(crate) access: Vec<Option<crate::LayerAccess>>,
}

const MAX_SYMLINK_HOPS: usize = 40;

fn under(prefix: &str) -> (String, String) {
    if prefix == "/" {
        ("/".to_string(), "0".to_string())
    } else {
        (format!("{prefix}/"), format!("{prefix}0"))
    }
}

impl FsIndex {
    /// Where layer `layer`'s files lie in its tar, and its access points,
    /// if the pass recorded them.
    #[must_use]
    pub fn layer_access(&self, layer: usize) -> Option<&crate::LayerAccess> {
        self.access.get(layer).and_then(Option::as_ref)
    }

    /// The entry at an absolute path (not following symlinks).
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// All entries, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(p, e)| (p.as_str(), e))
    }

    /// Entries strictly under directory `dir`, sorted by path.
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Entry)> + 'a {
        let (lo, hi) = under(dir);
        self.entries.range(lo..hi).map(|(p, e)| (p.as_str(), e))
    }

    /// Number of paths.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the filesystem is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Per-layer statistics, base first.
    #[must_use]
    pub fn layers(&self) -> &[LayerStats] {
        &self.layers
    }

    /// Efficiency and wasted bytes, as dive defines them.
    #[must_use]
    pub fn efficiency(&self) -> &Efficiency {
        &self.efficiency
    }

    /// Captured bytes of a path, if it matched a capture glob.
    #[must_use]
    pub fn contents(&self, path: &str) -> Option<&[u8]> {
        self.captured.get(path).map(AsRef::as_ref)
    }

    /// All captured files, sorted by path.
    #[must_use]
    pub fn captured(&self) -> Vec<(&str, &[u8])> {
        let mut v: Vec<(&str, &[u8])> = self
            .captured
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_ref()))
            .collect();
        v.sort_unstable_by_key(|(p, _)| *p);
        v
    }

    /// Results of the probe named `name`, by path.
    pub fn probe_results<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        let idx = self.probe_names.iter().position(|n| *n == name);
        idx.and_then(|i| self.probed.get(&i))
            .into_iter()
            .flat_map(|m| m.iter().map(|(p, d)| (p.as_str(), d.as_slice())))
    }

    /// Results of the visitor named `name`: `(layer, path, data)` for every
    /// file it kept something from, in layer order and, within a layer,
    /// stream order; files deleted or overwritten by a later layer
    /// included.
    pub fn visits<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (usize, &'a str, &'a [u8])> + 'a {
        let idx = self.visitor_names.iter().position(|n| *n == name);
        idx.and_then(|i| self.visited.get(&i))
            .into_iter()
            .flat_map(|v| v.iter().map(|(l, p, d)| (*l, p.as_str(), d.as_slice())))
    }

    /// The files visitor `name` wanted but did not see, being over
    /// [`crate::IndexOptions::max_visit_file`]: (layer, path, size), in
    /// layer and stream order, deleted and overwritten files included.
    pub fn unvisited<'a>(&'a self, name: &str) -> impl Iterator<Item = (usize, &'a str, u64)> + 'a {
        let idx = self.visitor_names.iter().position(|n| *n == name);
        idx.and_then(|i| self.unvisited.get(&i))
            .into_iter()
            .flat_map(|v| v.iter().map(|(l, p, s)| (*l, p.as_str(), *s)))
    }

    /// A copy holding only the paths `keep` accepts, with their captured
    /// bytes and probe results, and the captured bytes of `replaced` paths
    /// swapped for new ones (their entries sized to match, created as
    /// regular files when absent): the index of an image after
    /// `pare slim`, checked before it is written. Layer statistics and
    /// efficiency are not carried over.
    #[must_use]
    pub fn filtered(&self, keep: &dyn Fn(&str) -> bool, replaced: &[(String, Vec<u8>)]) -> FsIndex {
        let mut entries: BTreeMap<String, Entry> = self
            .entries
            .iter()
            .filter(|(p, _)| keep(p))
            .map(|(p, e)| (p.clone(), e.clone()))
            .collect();
        let mut captured: HashMap<String, Arc<[u8]>> = self
            .captured
            .iter()
            .filter(|(p, _)| entries.contains_key(*p))
            .map(|(p, d)| (p.clone(), d.clone()))
            .collect();
        for (p, bytes) in replaced {
            let e = entries.entry(p.clone()).or_insert_with(|| Entry {
                kind: Kind::File,
                mode: 0o644,
                uid: 0,
                gid: 0,
                size: 0,
                link: None,
                layer: 0,
            });
            e.kind = Kind::File;
            e.link = None;
            e.size = bytes.len() as u64;
            captured.insert(p.clone(), Arc::from(bytes.as_slice()));
        }
        let probed = self
            .probed
            .iter()
            .map(|(i, m)| {
                (
                    *i,
                    m.iter()
                        .filter(|(p, _)| entries.contains_key(*p))
                        .map(|(p, d)| (p.clone(), d.clone()))
                        .collect(),
                )
            })
            .collect();
        FsIndex {
            entries,
            layers: Vec::new(),
            captured,
            probed,
            probe_names: self.probe_names.clone(),
            efficiency: Efficiency::default(),
            skipped_large: Vec::new(),
            unvisited: HashMap::new(),
            // Visitors saw the original layers, not this copy.
            visited: HashMap::new(),
            visitor_names: Vec::new(),
            // A subset is not read again.
            access: Vec::new(),
        }
    }

    /// Files that matched a capture glob or probe but exceeded the size cap.
    #[must_use]
    pub fn skipped_large(&self) -> &[(String, u64)] {
        &self.skipped_large
    }

    /// Resolve every symlink in `path` the way the kernel would inside the
    /// image root, returning the final absolute path (which exists).
    ///
    /// # Errors
    /// [`ResolveError::Loop`] after 40 links; [`ResolveError::NotFound`].
    pub fn resolve(&self, path: &str) -> Result<String, ResolveError> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_string)
            .collect();
        let mut cur: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            let candidate = format!(
                "/{}",
                cur.iter()
                    .map(String::as_str)
                    .chain([comp.as_str()])
                    .collect::<Vec<_>>()
                    .join("/")
            );
            let entry = self
                .entries
                .get(&candidate)
                .ok_or_else(|| ResolveError::NotFound(candidate.clone()))?;
            if entry.kind == Kind::Symlink {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(ResolveError::Loop(path.to_string()));
                }
                let target = entry.link.clone().unwrap_or_default();
                if target.starts_with('/') {
                    cur.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|c| !c.is_empty())
                        .rev()
                        .map(str::to_string),
                );
            } else {
                cur.push(comp);
            }
        }
        Ok(format!("/{}", cur.join("/")))
    }

    /// Resolve `path` and return the entry it ends at.
    ///
    /// # Errors
    /// As [`FsIndex::resolve`].
    pub fn resolve_entry(&self, path: &str) -> Result<(String, &Entry), ResolveError> {
        let p = self.resolve(path)?;
        let e = self
            .entries
            .get(&p)
            .ok_or_else(|| ResolveError::NotFound(p.clone()))?;
        Ok((p, e))
    }

    fn remove_tree(
        &mut self,
        path: &str,
        include_self: bool,
        occ: &mut Occurrences,
        stats: &mut LayerStats,
    ) {
        let (lo, hi) = under(path);
        let mut doomed: Vec<String> = self.entries.range(lo..hi).map(|(p, _)| p.clone()).collect();
        if include_self && self.entries.contains_key(path) {
            doomed.push(path.to_string());
        }
        for p in doomed {
            if let Some(old) = self.entries.remove(&p) {
                if old.kind != Kind::Dir {
                    stats.removed += 1;
                    stats.wasted_below += old.size;
                    occ.record(&p, 0);
                }
                self.captured.remove(&p);
                for m in self.probed.values_mut() {
                    m.remove(&p);
                }
            }
        }
    }
}

/// Squash scans in layer order into one index.
pub(crate) fn squash(scans: Vec<LayerScan>, opts: &IndexOptions) -> FsIndex {
    let mut idx = FsIndex {
        probe_names: opts.probes.iter().map(|p| p.name()).collect(),
        visitor_names: opts.visitors.iter().map(|v| v.name()).collect(),
        ..FsIndex::default()
    };
    let mut occ = Occurrences::default();
    let mut layer_sizes = Vec::with_capacity(scans.len());
    for (i, scan) in scans.into_iter().enumerate() {
        let mut stats = LayerStats {
            index: i,
            entries: scan.entries.len(),
            tar_bytes: scan.tar_bytes,
            ..LayerStats::default()
        };
        for d in &scan.opaque {
            idx.remove_tree(d, false, &mut occ, &mut stats);
        }
        for w in &scan.whiteouts {
            idx.remove_tree(w, true, &mut occ, &mut stats);
        }
        // A directory is a leaf of this layer (dive counts only leaves) when
        // nothing else in the layer lives under it.
        let mut parents: HashSet<String> = HashSet::new();
        for (p, _) in &scan.entries {
            if let Some((parent, _)) = p.rsplit_once('/') {
                parents.insert(if parent.is_empty() {
                    "/".to_string()
                } else {
                    parent.to_string()
                });
            }
        }
        for w in scan.whiteouts.iter().chain(&scan.opaque) {
            if let Some((parent, _)) = w.rsplit_once('/') {
                parents.insert(if parent.is_empty() {
                    "/".to_string()
                } else {
                    parent.to_string()
                });
            }
        }
        for (path, mut e) in scan.entries {
            e.layer = i;
            if e.kind == Kind::Hardlink {
                if let Some(t) = e.link.as_ref().and_then(|t| idx.entries.get(t)) {
                    e.size = t.size;
                }
            }
            stats.content_bytes += if e.kind == Kind::File { e.size } else { 0 };
            if e.kind != Kind::Dir || !parents.contains(&path) {
                occ.record(&path, if e.kind == Kind::File { e.size } else { 0 });
            }
            let is_dir = e.kind == Kind::Dir;
            idx.captured.remove(&path);
            if let Some(old) = idx.entries.insert(path.clone(), e) {
                if !is_dir {
                    stats.changed += 1;
                    stats.wasted_below += old.size;
                }
                if old.kind == Kind::Dir && !is_dir {
                    // A file replacing a directory hides everything under it.
                    idx.remove_tree(&path, false, &mut occ, &mut stats);
                }
            } else if !is_dir {
                stats.added += 1;
            }
        }
        for (p, data) in scan.captured {
            idx.captured.insert(p, data);
        }
        for (pi, p, data) in scan.probed {
            idx.probed.entry(pi).or_default().insert(p, data);
        }
        for (vi, p, data) in scan.visited {
            idx.visited.entry(vi).or_default().push((i, p, data));
        }
        idx.skipped_large.extend(scan.skipped_large);
        for (vi, p, size) in scan.unvisited {
            idx.unvisited.entry(vi).or_default().push((i, p, size));
        }
        layer_sizes.push(stats.content_bytes);
        idx.layers.push(stats);
    }
    // Hardlinks whose own path was captured-by-glob share the target's bytes.
    let links: Vec<(String, String)> = idx
        .entries
        .iter()
        .filter(|(p, e)| e.kind == Kind::Hardlink && opts.capture.is_match(&p[1..]))
        .filter_map(|(p, e)| e.link.clone().map(|t| (p.clone(), t)))
        .collect();
    for (p, t) in links {
        if let Some(d) = idx.captured.get(&t).cloned() {
            idx.captured.insert(p, d);
        }
    }
    idx.efficiency = occ.finish(&layer_sizes);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, size: u64) -> Entry {
        Entry {
            kind,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size,
            link: None,
            layer: 0,
        }
    }

    #[test]
    fn filtered_keeps_only_what_is_asked_and_swaps_contents() {
        let scan = LayerScan {
            entries: vec![
                ("/etc".into(), entry(Kind::Dir, 0)),
                ("/etc/passwd".into(), entry(Kind::File, 5)),
                ("/etc/shadow".into(), entry(Kind::File, 7)),
                ("/bin".into(), entry(Kind::Dir, 0)),
            ],
            captured: vec![
                ("/etc/passwd".into(), Arc::from(&b"root\n"[..])),
                ("/etc/shadow".into(), Arc::from(&b"secret\n"[..])),
            ],
            ..LayerScan::default()
        };
        let idx = squash(vec![scan], &IndexOptions::default());
        let keep = |p: &str| p != "/etc/shadow" && p != "/bin";
        let f = idx.filtered(
            &keep,
            &[
                ("/etc/passwd".into(), b"app\n".to_vec()),
                ("/etc/new".into(), b"x".to_vec()),
            ],
        );
        let paths: Vec<&str> = f.iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["/etc", "/etc/new", "/etc/passwd"]);
        assert_eq!(f.contents("/etc/passwd"), Some(&b"app\n"[..]));
        assert_eq!(f.get("/etc/passwd").unwrap().size, 4);
        assert_eq!(f.get("/etc/new").unwrap().kind, Kind::File);
        assert!(f.contents("/etc/shadow").is_none());
        // the original is untouched
        assert_eq!(idx.contents("/etc/shadow"), Some(&b"secret\n"[..]));
    }
}
