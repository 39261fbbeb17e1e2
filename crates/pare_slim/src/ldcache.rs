//! glibc's `/etc/ld.so.cache` rewritten to the libraries that remain.
//!
//! What: the cache `ldconfig` wrote (the `glibc-ld.so.cache1.1` format,
//! glibc 2.32+ writes no other) keeps only the entries whose library is
//! kept, in their order (`ld.so` binary-searches them), with a string table
//! of their names and paths and the extensions (the generator string, the
//! `glibc-hwcaps` subdirectories) carried over.
//!
//! Why: `ctypes.util.find_library` runs `ldconfig -p`, which prints the
//! cache: left as it was, it names libraries slim removed, and the program
//! that asks gets a name `dlopen` then fails on, instead of the `None` it
//! would get on an image without them. `ld.so` itself skips entries whose
//! file is gone, so only the names were wrong.
//!
//! Example: on `python-app`, `find_library("perl")` gave `libperl.so.5.36`
//! after slim removed perl; now `None`, while `find_library("ssl")` still
//! gives `libssl.so.3`.
//!
//! Not here: a cache in the pre-2.32 combined format (`ld.so-1.7.0`
//! first), or with an extension this code does not know, is kept as it was
//! (`None`): a rewrite that could misplace an offset is worse than stale
//! names. Written by hand: no crate reads or writes this format.

/// `glibc-ld.so.cache` and its version, `1.1`.
const MAGIC: &[u8; 20] = b"glibc-ld.so.cache1.1";
/// The header: magic, `nlibs`, `len_strings`, flags (+3 padding),
/// `extension_offset`, 3 unused words.
const HEADER: usize = 48;
/// One entry: flags, key, value, `osversion`, `hwcap` (u64).
const ENTRY: usize = 24;
/// The extension section's magic number.
const EXT_MAGIC: u32 = 0xeaa4_2174;
/// Extension tags: the generator's name, the `glibc-hwcaps` subdirectories.
const TAG_GENERATOR: u32 = 0;
const TAG_HWCAPS: u32 = 1;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The NUL-terminated string at `at`.
fn str_at(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    Some(&rest[..end])
}

/// One library of the cache: its name (`libz.so.1`) and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lib {
    /// The name programs ask for (the `DT_SONAME`).
    pub name: String,
    /// The file `ld.so` opens for it.
    pub path: String,
}

/// A parsed cache: the entries (raw, with their strings) and extensions.
struct Parsed<'a> {
    flags: u8,
    entries: Vec<(&'a [u8], Lib)>,
    /// The generator extension's bytes (`ldconfig (Debian GLIBC 2.36…)`).
    generator: Option<&'a [u8]>,
    /// The `glibc-hwcaps` subdirectory names, in their order (entries
    /// refer to them by index).
    hwcaps: Option<Vec<&'a [u8]>>,
}

fn parse(b: &[u8]) -> Option<Parsed<'_>> {
    if b.len() < HEADER || !b.starts_with(MAGIC) {
        return None;
    }
    let n = usize::try_from(u32_at(b, 20)?).ok()?;
    let flags = b[28];
    let ext = usize::try_from(u32_at(b, 32)?).ok()?;
    let table = n.checked_mul(ENTRY)?.checked_add(HEADER)?;
    if table > b.len() {
        return None;
    }
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let at = HEADER + i * ENTRY;
        let raw = &b[at..at + ENTRY];
        let key = str_at(b, usize::try_from(u32_at(b, at + 4)?).ok()?)?;
        let value = str_at(b, usize::try_from(u32_at(b, at + 8)?).ok()?)?;
        let lib = Lib {
            name: String::from_utf8(key.to_vec()).ok()?,
            path: String::from_utf8(value.to_vec()).ok()?,
        };
        entries.push((raw, lib));
    }
    let (mut generator, mut hwcaps) = (None, None);
    if ext != 0 {
        if u32_at(b, ext)? != EXT_MAGIC {
            return None;
        }
        let count = usize::try_from(u32_at(b, ext + 4)?).ok()?;
        if count > 64 {
            return None;
        }
        for s in 0..count {
            let at = ext + 8 + s * 16;
            let (tag, off, size) = (u32_at(b, at)?, u32_at(b, at + 8)?, u32_at(b, at + 12)?);
            let off = usize::try_from(off).ok()?;
            let data = b.get(off..off.checked_add(usize::try_from(size).ok()?)?)?;
            match tag {
                TAG_GENERATOR => generator = Some(data),
                TAG_HWCAPS => {
                    let names = data
                        .chunks_exact(4)
                        .map(|c| {
                            let o = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                            str_at(b, usize::try_from(o).ok()?)
                        })
                        .collect::<Option<Vec<_>>>()?;
                    hwcaps = Some(names);
                }
                _ => return None,
            }
        }
    }
    Some(Parsed {
        flags,
        entries,
        generator,
        hwcaps,
    })
}

/// The libraries a cache lists, in its order; `None` when it is not one
/// this module reads.
#[must_use]
pub fn libs(b: &[u8]) -> Option<Vec<Lib>> {
    Some(parse(b)?.entries.into_iter().map(|(_, l)| l).collect())
}

/// The cache `b` with only the libraries `keep` takes; `None` when `b` is
/// not a cache this module reads (keep it as it was), or when every entry
/// stays (nothing to change).
#[must_use]
pub fn rewrite(b: &[u8], keep: &dyn Fn(&Lib) -> bool) -> Option<Vec<u8>> {
    let p = parse(b)?;
    let kept: Vec<&(&[u8], Lib)> = p.entries.iter().filter(|(_, l)| keep(l)).collect();
    if kept.len() == p.entries.len() {
        return None;
    }
    let table = HEADER + kept.len() * ENTRY;
    let mut strings: Vec<u8> = Vec::new();
    let mut put = |s: &[u8]| -> Option<u32> {
        let at = u32::try_from(table + strings.len()).ok()?;
        strings.extend_from_slice(s);
        strings.push(0);
        Some(at)
    };
    let mut entries: Vec<u8> = Vec::with_capacity(kept.len() * ENTRY);
    for (raw, lib) in &kept {
        // As ldconfig does: the name is the path's tail when it can be.
        let value = put(lib.path.as_bytes())?;
        let key = match lib.path.strip_suffix(lib.name.as_str()) {
            Some(dir) if dir.ends_with('/') => value + u32::try_from(dir.len()).ok()?,
            _ => put(lib.name.as_bytes())?,
        };
        entries.extend_from_slice(&raw[..4]);
        entries.extend_from_slice(&key.to_le_bytes());
        entries.extend_from_slice(&value.to_le_bytes());
        entries.extend_from_slice(&raw[12..]);
    }
    let hwcap_offsets: Option<Vec<u32>> = match &p.hwcaps {
        Some(names) => Some(names.iter().map(|n| put(n)).collect::<Option<_>>()?),
        None => None,
    };
    let len_strings = u32::try_from(strings.len()).ok()?;
    let mut out = Vec::with_capacity(table + strings.len() + 256);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(kept.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&len_strings.to_le_bytes());
    out.extend_from_slice(&[p.flags, 0, 0, 0]);
    out.extend_from_slice(&0u32.to_le_bytes()); // extension offset, set below
    out.extend_from_slice(&[0u8; 12]);
    out.extend_from_slice(&entries);
    out.extend_from_slice(&strings);
    let mut sections: Vec<(u32, Vec<u8>)> = Vec::new();
    if let Some(g) = p.generator {
        sections.push((TAG_GENERATOR, g.to_vec()));
    }
    if let Some(offsets) = hwcap_offsets {
        sections.push((
            TAG_HWCAPS,
            offsets.iter().flat_map(|o| o.to_le_bytes()).collect(),
        ));
    }
    if !sections.is_empty() {
        while out.len() % 4 != 0 {
            out.push(0);
        }
        let ext = u32::try_from(out.len()).ok()?;
        out[32..36].copy_from_slice(&ext.to_le_bytes());
        out.extend_from_slice(&EXT_MAGIC.to_le_bytes());
        out.extend_from_slice(&u32::try_from(sections.len()).ok()?.to_le_bytes());
        let mut data_at = out.len() + sections.len() * 16;
        for (tag, data) in &sections {
            // hwcaps data is an array of u32: aligned.
            data_at = data_at.next_multiple_of(4);
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&u32::try_from(data_at).ok()?.to_le_bytes());
            out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_le_bytes());
            data_at += data.len();
        }
        for (_, data) in &sections {
            while out.len() % 4 != 0 {
                out.push(0);
            }
            out.extend_from_slice(data);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Debian 12's `ldconfig` (glibc 2.36) wrote this cache, in the fleet's
    /// `python-app` (93 libraries, a generator extension).
    const CACHE: &[u8] = include_bytes!("../resources/test/ld.so.cache");

    /// What the real `ldconfig -p` prints of `cache` (name and path).
    fn ldconfig_p(cache: &[u8]) -> Vec<(String, String)> {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("ld.so.cache");
        std::fs::write(&f, cache).unwrap();
        let o = Command::new("/sbin/ldconfig")
            .arg("-C")
            .arg(&f)
            .arg("-p")
            .output()
            .expect(
                "/sbin/ldconfig runs (libc-bin, on every Debian machine; not in a non-root PATH)",
            );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (name, rest) = l.trim().split_once(' ')?;
                Some((name.to_string(), rest.rsplit_once("=> ")?.1.to_string()))
            })
            .collect()
    }

    #[test]
    fn the_cache_reads_as_ldconfig_prints_it() {
        let libs = libs(CACHE).unwrap();
        assert_eq!(libs.len(), 93);
        let pairs: Vec<(String, String)> = libs.into_iter().map(|l| (l.name, l.path)).collect();
        assert_eq!(pairs, ldconfig_p(CACHE));
    }

    #[test]
    fn a_rewritten_cache_lists_what_is_kept_and_ldconfig_reads_it() {
        let drop = |l: &Lib| l.name.contains("perl") || l.name.starts_with("libapt");
        let out = rewrite(CACHE, &|l| !drop(l)).unwrap();
        let before = ldconfig_p(CACHE);
        let expected: Vec<(String, String)> = before
            .iter()
            .filter(|(n, p)| {
                !drop(&Lib {
                    name: n.clone(),
                    path: p.clone(),
                })
            })
            .cloned()
            .collect();
        assert!(expected.len() < before.len() && !expected.is_empty());
        assert_eq!(ldconfig_p(&out), expected);
        // The generator extension came along, and the file is smaller.
        assert!(out.windows(8).any(|w| w == b"ldconfig"));
        assert!(out.len() < CACHE.len());
        // Read back by this module too, and nothing left to drop.
        assert_eq!(libs(&out).unwrap().len(), expected.len());
        assert_eq!(rewrite(&out, &|l| !drop(l)), None);
    }

    #[test]
    fn keeping_everything_or_an_unknown_file_changes_nothing() {
        assert_eq!(rewrite(CACHE, &|_| true), None);
        assert_eq!(rewrite(b"ld.so-1.7.0\0", &|_| false), None);
        let mut cut = CACHE[..200].to_vec();
        assert_eq!(rewrite(&cut, &|_| false), None);
        cut = CACHE.to_vec();
        cut[32] = 0xff; // extension offset out of the file
        assert_eq!(rewrite(&cut, &|_| false), None);
    }
}
