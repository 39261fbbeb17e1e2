//! The RPM header blob, as the rpm database stores one per installed
//! package (both the sqlite `Packages.blob` column and the Berkeley DB
//! `Packages` values hold exactly this).
//!
//! Layout (all integers big-endian): `il: u32`, `dl: u32`, then `il` index
//! entries of 16 bytes (`tag: i32`, `type: u32`, `offset: i32`,
//! `count: u32`), then a data store of `dl` bytes that the offsets point
//! into. Only the tags the cataloger needs are decoded; every offset and
//! count is checked against the data store, so a hostile blob yields an
//! error, never a panic or an out-of-bounds read. Limits follow rpm's own
//! `hdrchkTags`/`hdrchkData` (`lib/header_internal.h`).
//!
//! See: <https://rpm-software-management.github.io/rpm/manual/format_header.html>

use std::collections::HashMap;

/// `NAME`.
pub const TAG_NAME: u32 = 1000;
/// `VERSION`.
pub const TAG_VERSION: u32 = 1001;
/// `RELEASE`.
pub const TAG_RELEASE: u32 = 1002;
/// `EPOCH` (INT32).
pub const TAG_EPOCH: u32 = 1003;
/// `VENDOR`.
pub const TAG_VENDOR: u32 = 1011;
/// `LICENSE`.
pub const TAG_LICENSE: u32 = 1014;
/// `ARCH`.
pub const TAG_ARCH: u32 = 1022;
/// `OLDFILENAMES` (legacy absolute paths, before rpm 4.0's compressed names).
pub const TAG_OLDFILENAMES: u32 = 1027;
/// `FILEMODES` (INT16, one per file).
pub const TAG_FILEMODES: u32 = 1030;
/// `SOURCERPM`.
pub const TAG_SOURCERPM: u32 = 1044;
/// `DIRINDEXES` (INT32, one per file).
pub const TAG_DIRINDEXES: u32 = 1116;
/// `BASENAMES`.
pub const TAG_BASENAMES: u32 = 1117;
/// `DIRNAMES`.
pub const TAG_DIRNAMES: u32 = 1118;
/// `INSTALLTID` (INT32): the transaction that installed the package.
pub const TAG_INSTALLTID: u32 = 1128;

const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Most index entries rpm accepts (`hdrchkTags`).
const MAX_TAGS: u32 = 0x00ff_ffff;
/// Largest data store rpm accepts (`hdrchkData`).
const MAX_DATA: u32 = 0x3fff_ffff;
/// `S_IFMT` and `S_IFDIR`.
const S_IFMT: u16 = 0o170_000;
const S_IFDIR: u16 = 0o040_000;

/// The fields of one header the cataloger uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RpmHeader {
    /// `NAME`.
    pub name: String,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `EPOCH`, when the package declares one.
    pub epoch: Option<u32>,
    /// `ARCH`.
    pub arch: Option<String>,
    /// `LICENSE`.
    pub license: Option<String>,
    /// `SOURCERPM` (`bash-5.2.26-3.fc40.src.rpm`).
    pub source_rpm: Option<String>,
    /// `VENDOR`.
    pub vendor: Option<String>,
    /// `INSTALLTID`.
    pub install_tid: Option<u32>,
    /// Owned paths, absolute, directories dropped (by `FILEMODES`).
    pub files: Vec<String>,
}

impl RpmHeader {
    /// `[epoch:]version-release`, as rpm's `%{EVR}` and syft print it.
    #[must_use]
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

#[derive(Clone, Copy)]
struct Entry {
    ty: u32,
    offset: usize,
    count: usize,
}

struct Blob<'a> {
    entries: HashMap<u32, Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Blob<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, String> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(format!(
                "header of {} bytes is shorter than its 8-byte preamble",
                blob.len()
            ));
        };
        if il == 0 || il > MAX_TAGS {
            return Err(format!("header with an invalid tag count {il}"));
        }
        if dl > MAX_DATA {
            return Err(format!("header with an invalid data length {dl}"));
        }
        let index_len = (il as usize) * 16;
        let need = 8 + index_len + dl as usize;
        if blob.len() < need {
            return Err(format!(
                "header truncated: {} bytes, its index says {need}",
                blob.len()
            ));
        }
        let data = &blob[8 + index_len..need];
        let mut entries = HashMap::new();
        for i in 0..il as usize {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err(format!("header index entry {i} is truncated"));
            };
            let offset = offset as usize;
            if offset >= data.len() && count > 0 && ty != 0 {
                return Err(format!(
                    "tag {tag}: offset {offset} is outside the {}-byte data store",
                    data.len()
                ));
            }
            entries.insert(
                tag,
                Entry {
                    ty,
                    offset,
                    count: count as usize,
                },
            );
        }
        Ok(Blob { entries, data })
    }

    /// `count` NUL-terminated strings at the entry's offset.
    fn strings(&self, tag: u32) -> Result<Option<Vec<String>>, String> {
        let Some(e) = self.entries.get(&tag).copied() else {
            return Ok(None);
        };
        if !matches!(e.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(format!("tag {tag}: expected a string, found type {}", e.ty));
        }
        // A string takes at least one byte: a count beyond the store is a lie.
        if e.count > self.data.len() {
            return Err(format!("tag {tag}: count {} is too large", e.count));
        }
        let mut out = Vec::with_capacity(e.count);
        let mut at = e.offset;
        for _ in 0..e.count {
            let rest = self
                .data
                .get(at..)
                .ok_or_else(|| format!("tag {tag}: string outside the data store"))?;
            let end = memchr::memchr(0, rest)
                .ok_or_else(|| format!("tag {tag}: string without a terminating NUL"))?;
            out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
            at += end + 1;
        }
        Ok(Some(out))
    }

    fn string(&self, tag: u32) -> Result<Option<String>, String> {
        Ok(self
            .strings(tag)?
            .and_then(|v| v.into_iter().next())
            .filter(|s| !s.is_empty()))
    }

    fn ints(&self, tag: u32, ty: u32, size: usize) -> Result<Option<Vec<u32>>, String> {
        let Some(e) = self.entries.get(&tag).copied() else {
            return Ok(None);
        };
        if e.ty != ty {
            return Err(format!(
                "tag {tag}: expected type {ty}, found type {}",
                e.ty
            ));
        }
        let end = e
            .count
            .checked_mul(size)
            .and_then(|n| n.checked_add(e.offset))
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| format!("tag {tag}: {} values overrun the data store", e.count))?;
        Ok(Some(
            self.data[e.offset..end]
                .chunks_exact(size)
                .map(|c| {
                    if size == 2 {
                        u32::from(u16::from_be_bytes([c[0], c[1]]))
                    } else {
                        u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                    }
                })
                .collect(),
        ))
    }
}

/// Parse one header blob. Errors say which tag or offset is wrong.
pub fn parse_header(blob: &[u8]) -> Result<RpmHeader, String> {
    let b = Blob::parse(blob)?;
    let name = b
        .string(TAG_NAME)?
        .ok_or_else(|| "header without a `NAME`".to_string())?;
    let version = b
        .string(TAG_VERSION)?
        .ok_or_else(|| format!("package `{name}` without a `VERSION`"))?;
    let release = b.string(TAG_RELEASE)?.unwrap_or_default();
    let epoch = b
        .ints(TAG_EPOCH, TYPE_INT32, 4)?
        .and_then(|v| v.first().copied());
    let install_tid = b
        .ints(TAG_INSTALLTID, TYPE_INT32, 4)?
        .and_then(|v| v.first().copied());
    let mut files = match (
        b.strings(TAG_BASENAMES)?,
        b.strings(TAG_DIRNAMES)?,
        b.ints(TAG_DIRINDEXES, TYPE_INT32, 4)?,
    ) {
        (Some(base), Some(dirs), Some(idx)) => {
            if base.len() != idx.len() {
                return Err(format!(
                    "package `{name}`: {} basenames but {} dir indexes",
                    base.len(),
                    idx.len()
                ));
            }
            // Many indexes may name one long dirname: bound the expansion
            // (real headers stay far below 64 bytes of paths per blob byte).
            let budget = blob.len().saturating_mul(64).saturating_add(4096);
            let mut total = 0usize;
            let mut out = Vec::with_capacity(base.len());
            for (base, i) in base.iter().zip(idx) {
                let dir = dirs.get(i as usize).ok_or_else(|| {
                    format!(
                        "package `{name}`: dir index {i} beyond {} dirnames",
                        dirs.len()
                    )
                })?;
                total += dir.len() + base.len();
                if total > budget {
                    return Err(format!(
                        "package `{name}`: file list expands beyond {budget} bytes"
                    ));
                }
                out.push(format!("{dir}{base}"));
            }
            out
        }
        (None, _, _) => b.strings(TAG_OLDFILENAMES)?.unwrap_or_default(),
        _ => {
            return Err(format!(
                "package `{name}`: `BASENAMES` without `DIRNAMES` or `DIRINDEXES`"
            ))
        }
    };
    if let Some(modes) = b.ints(TAG_FILEMODES, TYPE_INT16, 2)? {
        if modes.len() == files.len() {
            files = files
                .into_iter()
                .zip(modes)
                .filter(|(_, m)| (*m as u16) & S_IFMT != S_IFDIR)
                .map(|(f, _)| f)
                .collect();
        }
    }
    Ok(RpmHeader {
        name,
        version,
        release,
        epoch,
        arch: b.string(TAG_ARCH)?,
        license: b.string(TAG_LICENSE)?,
        source_rpm: b.string(TAG_SOURCERPM)?,
        vendor: b.string(TAG_VENDOR)?,
        install_tid,
        files,
    })
}

/// Source package name and `version-release` from a `SOURCERPM` file name
/// (`pare-libfoo-1.4.0-7.pare1.src.rpm` → `pare-libfoo`, `1.4.0-7.pare1`).
#[must_use]
pub fn split_source_rpm(srpm: &str) -> Option<(&str, &str)> {
    let stem = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, _release) = stem.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    if name.is_empty() {
        return None;
    }
    Some((name, &stem[name.len() + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header built by hand: index entries then data store.
    pub(crate) fn build(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, bytes, count) in entries {
            while *ty == TYPE_INT32 && data.len() % 4 != 0 {
                data.push(0);
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&index);
        out.extend_from_slice(&data);
        out
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    fn minimal() -> Vec<(u32, u32, Vec<u8>, u32)> {
        vec![
            (TAG_NAME, TYPE_STRING, s("zlib"), 1),
            (TAG_VERSION, TYPE_STRING, s("1.2.11"), 1),
            (TAG_RELEASE, TYPE_STRING, s("31.el9"), 1),
            (TAG_EPOCH, TYPE_INT32, 1u32.to_be_bytes().to_vec(), 1),
        ]
    }

    #[test]
    fn evr_with_epoch_and_legacy_file_names() {
        let mut e = minimal();
        e.push((
            TAG_OLDFILENAMES,
            TYPE_STRING_ARRAY,
            [s("/usr/lib64/libz.so.1"), s("/usr/lib64/libz.so.1.2.11")].concat(),
            2,
        ));
        let h = parse_header(&build(&e)).unwrap();
        assert_eq!(h.evr(), "1:1.2.11-31.el9");
        assert_eq!(
            h.files,
            ["/usr/lib64/libz.so.1", "/usr/lib64/libz.so.1.2.11"]
        );
    }

    #[test]
    fn bad_offsets_and_counts_are_errors() {
        let good = build(&minimal());
        // Truncated anywhere: an error, never a panic.
        for n in 0..good.len() {
            assert!(parse_header(&good[..n]).is_err(), "prefix {n} parsed");
        }
        // An offset beyond the data store.
        let mut bad = good.clone();
        bad[8 + 8..8 + 12].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
        let err = parse_header(&bad).unwrap_err();
        assert!(err.contains("outside"), "{err}");
        // A string count far beyond the store.
        let mut bad = good.clone();
        bad[8 + 12..8 + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&bad).is_err());
        // A string without its NUL.
        let mut e = minimal();
        e[0].2 = b"zlib".to_vec();
        e.truncate(1);
        assert!(parse_header(&build(&e)).unwrap_err().contains("NUL"));
        // A dir index beyond the dirnames.
        let mut e = minimal();
        e.push((TAG_BASENAMES, TYPE_STRING_ARRAY, s("a"), 1));
        e.push((TAG_DIRNAMES, TYPE_STRING_ARRAY, s("/x/"), 1));
        e.push((TAG_DIRINDEXES, TYPE_INT32, 5u32.to_be_bytes().to_vec(), 1));
        let err = parse_header(&build(&e)).unwrap_err();
        assert!(err.contains("dir index 5"), "{err}");
        // Every index naming one long dirname: bounded, not quadratic.
        let mut e = minimal();
        let n = 20_000u32;
        e.push((TAG_BASENAMES, TYPE_STRING_ARRAY, vec![0; n as usize], n));
        e.push((TAG_DIRNAMES, TYPE_STRING_ARRAY, s(&"d/".repeat(20_000)), 1));
        e.push((TAG_DIRINDEXES, TYPE_INT32, vec![0; n as usize * 4], n));
        let err = parse_header(&build(&e)).unwrap_err();
        assert!(err.contains("expands beyond"), "{err}");
        // Absurd preamble.
        assert!(parse_header(&[0xff; 64]).is_err());
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("pare-libfoo-1.4.0-7.pare1.src.rpm"),
            Some(("pare-libfoo", "1.4.0-7.pare1"))
        );
        assert_eq!(
            split_source_rpm("glibc-2.34-100.el9_4.2.src.rpm"),
            Some(("glibc", "2.34-100.el9_4.2"))
        );
        assert_eq!(split_source_rpm("nodash.src.rpm"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
        assert_eq!(split_source_rpm("x-1-2.rpm"), None);
    }
}
