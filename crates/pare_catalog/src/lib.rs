//! Package catalogers: one per file, each reading only through the
//! [`FsIndex`].
//!
//! A cataloger declares *before* the pass what it needs: capture globs
//! ([`Cataloger::globs`]) for files it can name, or a [`Probe`]
//! ([`Cataloger::probe`]) for files it recognises by content (ELF binaries,
//! jars). After the pass, [`catalog`] runs every cataloger over the index
//! and returns the packages, sorted, with the warnings of the files that
//! could not be read. A warning never stops the catalog: the package is
//! skipped, the rest is produced, and the caller reports the SBOM as
//! incomplete (exit code 2). A *note* is about a file that was read but is
//! odd (a package without a version, a paragraph without a package name):
//! it is printed, and never makes the SBOM incomplete.
//!
//! [`os_release`] reads the distribution every cataloger and matcher keys
//! on, and [`purl`] encodes package URLs.
#![deny(missing_docs)]

pub mod apk;
pub mod copyright;
pub mod dpkg;
pub mod go_binary;
pub mod java;
pub mod license;
pub mod npm;
pub mod os_release;
pub mod purl;
pub mod python;
pub mod rpm;
pub mod rpm_bdb;
pub mod rpm_header;
pub mod rpm_ndb;
pub mod rust_audit;

use pare_findings::{Distro, LayerRef, Package};
use pare_fsindex::{FsIndex, Probe};
use pare_image::Image;
use serde::Serialize;
use std::sync::Arc;

/// What a cataloger sees.
pub struct Ctx<'a> {
    /// The image (for layer digests).
    pub image: &'a Image,
    /// The squashed filesystem.
    pub idx: &'a FsIndex,
    /// The image's distro, for PURL qualifiers.
    pub distro: Option<&'a Distro>,
}

impl Ctx<'_> {
    /// The layer that last wrote `path`, with its digest.
    #[must_use]
    pub fn layer_of(&self, path: &str) -> Option<LayerRef> {
        let e = self.idx.get(path)?;
        self.layer_ref(e.layer)
    }

    /// A [`LayerRef`] for layer `index`.
    #[must_use]
    pub fn layer_ref(&self, index: usize) -> Option<LayerRef> {
        let layer = self.image.layers.get(index)?;
        let diff_id = layer
            .diff_id
            .as_ref()
            .or(layer.digest.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default();
        Some(LayerRef { index, diff_id })
    }

    /// `distro` PURL qualifier (`debian-12`), when the distro is known.
    #[must_use]
    pub fn distro_qualifier(&self) -> Option<String> {
        let d = self.distro?;
        Some(match &d.version_id {
            Some(v) => format!("{}-{v}", d.id),
            None => d.id.clone(),
        })
    }
}

/// A file a cataloger could not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// The file, absolute (`/var/lib/dpkg/status`).
    pub path: String,
    /// The cataloger that tried.
    pub cataloger: &'static str,
    /// Why (`line 12: field without a name`).
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.cataloger)
    }
}

/// Something odd about a file that was read all the same (same shape as a
/// [`Warning`]; it never makes the SBOM incomplete).
pub type Note = Warning;

/// Where catalogers put what they find.
#[derive(Debug, Default)]
pub struct Sink {
    /// Packages found.
    pub packages: Vec<Package>,
    /// Files (or parts of files) that could not be read: the SBOM is
    /// incomplete.
    pub warnings: Vec<Warning>,
    /// Files read whose content is odd: printed, never incomplete.
    pub notes: Vec<Note>,
}

impl Sink {
    /// Record a warning about `path`: something could not be read.
    pub fn warn(&mut self, cataloger: &'static str, path: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: path.to_string(),
            cataloger,
            message: message.into(),
        });
    }

    /// Record a note about `path`: read, but odd.
    pub fn note(&mut self, cataloger: &'static str, path: &str, message: impl Into<String>) {
        self.notes.push(Note {
            path: path.to_string(),
            cataloger,
            message: message.into(),
        });
    }
}

/// One cataloger.
pub struct Cataloger {
    /// Stable kebab-case name (`dpkg-db`), also on each package.
    pub name: &'static str,
    /// Bumped when the output for the same input changes (cache key).
    pub version: u32,
    /// Capture globs, over paths without the leading `/`.
    pub globs: &'static [&'static str],
    /// A content probe, for files that no glob can name.
    pub probe: Option<fn() -> Arc<dyn Probe>>,
    /// Produce packages from the index.
    pub run: fn(&Ctx<'_>, &mut Sink),
}

/// Every cataloger.
pub static CATALOGERS: &[Cataloger] = &[
    dpkg::CATALOGER,
    apk::CATALOGER,
    rpm::CATALOGER,
    python::CATALOGER,
    npm::CATALOGER,
    go_binary::CATALOGER,
    rust_audit::CATALOGER,
    java::CATALOGER,
];

/// The result of cataloging an image.
#[derive(Debug, Default, Serialize)]
pub struct SbomResult {
    /// Packages, sorted by ecosystem, name, version, location.
    pub packages: Vec<Package>,
    /// Files that could not be read (the SBOM is incomplete when any).
    pub warnings: Vec<Warning>,
    /// Files read whose content is odd (never incomplete).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl SbomResult {
    /// How many distinct files the warnings name (the incomplete message
    /// counts files, not warnings).
    #[must_use]
    pub fn unreadable_files(&self) -> usize {
        unreadable_files(&self.warnings)
    }
}

/// How many distinct files `warnings` name.
#[must_use]
pub fn unreadable_files(warnings: &[Warning]) -> usize {
    warnings
        .iter()
        .map(|w| w.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Every cataloger's capture globs, and the OS release files.
#[must_use]
pub fn capture_globs() -> Vec<&'static str> {
    os_release::GLOBS
        .iter()
        .copied()
        .chain(CATALOGERS.iter().flat_map(|c| c.globs.iter().copied()))
        .collect()
}

/// Every cataloger's probes, for [`pare_fsindex::IndexOptions::probes`].
#[must_use]
pub fn probes() -> Vec<Arc<dyn Probe>> {
    CATALOGERS
        .iter()
        .filter_map(|c| c.probe.map(|p| p()))
        .collect()
}

/// Run every cataloger over the index.
#[must_use]
pub fn catalog(image: &Image, idx: &FsIndex, distro: Option<&Distro>) -> SbomResult {
    let cx = Ctx { image, idx, distro };
    let mut sink = Sink::default();
    for c in CATALOGERS {
        (c.run)(&cx, &mut sink);
    }
    let mut packages = sink.packages;
    for p in &mut packages {
        p.locations.sort();
        p.locations.dedup();
        p.files.sort();
        p.files.dedup();
        p.licenses.sort();
        p.licenses.dedup();
    }
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut warnings = sink.warnings;
    warnings.sort();
    warnings.dedup();
    let mut notes = sink.notes;
    notes.sort();
    notes.dedup();
    SbomResult {
        packages,
        warnings,
        notes,
    }
}

/// Split an RFC 822-style stanza file (dpkg status, METADATA headers) into
/// paragraphs, yielding `(first line number, text)`.
pub(crate) fn paragraphs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let blank = line.trim().is_empty();
        match (blank, start) {
            (false, None) => start = Some((n + 1, offset)),
            (true, Some((ln, s))) => {
                out.push((ln, &text[s..offset]));
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((ln, s)) = start {
        out.push((ln, &text[s..]));
    }
    out
}

/// Parse `Key: value` fields with continuation lines (leading space or
/// tab). Errors name the line (1-based, relative to `first_line`).
pub(crate) fn fields(para: &str, first_line: usize) -> Result<Vec<(&str, String)>, String> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for (i, line) in para.lines().enumerate() {
        if line.starts_with(' ') || line.starts_with('\t') {
            let Some((_, v)) = out.last_mut() else {
                return Err(format!(
                    "line {}: continuation line before any field",
                    first_line + i
                ));
            };
            v.push('\n');
            v.push_str(line.trim());
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!(
                "line {}: expected `Field: value`, found `{}`",
                first_line + i,
                truncate(line, 40)
            ));
        };
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!(
                "line {}: invalid field name `{}`",
                first_line + i,
                truncate(k, 40)
            ));
        }
        out.push((k, v.trim().to_string()));
    }
    Ok(out)
}

/// At most `n` characters of `s`, for messages.
pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::{capture_globs, catalog, probes, SbomResult};
    use pare_fsindex::{FsIndex, IndexOptions};
    use pare_image::Image;
    use std::path::PathBuf;

    /// Path of a fixture tree.
    pub(crate) fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("resources/test/fixtures")
            .join(rel)
    }

    /// A minimal ELF64 little-endian file with the given sections (and a
    /// section name table), for probe tests.
    pub(crate) fn elf_with_sections(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = 2; // 64-bit
        out[5] = 1; // little endian
        out[6] = 1;
        let mut shstr = vec![0u8];
        let mut headers: Vec<(u32, u32, u64, u64)> = vec![(0, 0, 0, 0)];
        for (name, data) in sections {
            let name_off = u32::try_from(shstr.len()).unwrap();
            shstr.extend_from_slice(name.as_bytes());
            shstr.push(0);
            headers.push((name_off, 1, out.len() as u64, data.len() as u64));
            out.extend_from_slice(data);
        }
        let name_off = u32::try_from(shstr.len()).unwrap();
        shstr.extend_from_slice(b".shstrtab\0");
        headers.push((name_off, 3, out.len() as u64, shstr.len() as u64));
        out.extend_from_slice(&shstr);
        while out.len() & 7 != 0 {
            out.push(0);
        }
        let shoff = out.len() as u64;
        for (n, ty, off, size) in &headers {
            let mut h = [0u8; 64];
            h[0..4].copy_from_slice(&n.to_le_bytes());
            h[4..8].copy_from_slice(&ty.to_le_bytes());
            h[0x18..0x20].copy_from_slice(&off.to_le_bytes());
            h[0x20..0x28].copy_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&h);
        }
        out[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&u16::try_from(headers.len()).unwrap().to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&u16::try_from(headers.len() - 1).unwrap().to_le_bytes());
        out
    }

    /// Catalog a fixture rootfs with every cataloger, keeping only the
    /// packages and warnings of cataloger `name`.
    pub(crate) fn run(rel: &str, name: &str) -> SbomResult {
        let dir = fixture(rel);
        assert!(dir.is_dir(), "missing fixture {}", dir.display());
        let source = pare_source::open(&format!("dir:{}", dir.display())).unwrap();
        let image = Image::open(source, None).unwrap();
        let opts = IndexOptions {
            capture: pare_fsindex::glob_set(&capture_globs()),
            probes: probes(),
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        let distro = crate::os_release::detect(&idx);
        let mut r = catalog(&image, &idx, distro.as_ref());
        r.packages.retain(|p| p.cataloger == name);
        r.warnings.retain(|w| w.cataloger == name);
        r.notes.retain(|w| w.cataloger == name);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::CATALOGERS;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for c in CATALOGERS {
            assert!(seen.insert(c.name), "duplicate cataloger `{}`", c.name);
            assert!(
                c.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "`{}` is not kebab-case",
                c.name
            );
            assert!(
                !c.globs.is_empty() || c.probe.is_some(),
                "`{}` reads nothing",
                c.name
            );
        }
        let names: Vec<_> = CATALOGERS.iter().map(|c| c.name).collect();
        insta::assert_yaml_snapshot!(names);
    }

    #[test]
    fn globs_compile() {
        let _ = pare_fsindex::glob_set(&super::capture_globs());
    }

    #[test]
    fn paragraphs_split() {
        let p = super::paragraphs("A: 1\nB: 2\n\n\nC: 3\n");
        assert_eq!(p, vec![(1, "A: 1\nB: 2\n"), (5, "C: 3\n")]);
    }
}
