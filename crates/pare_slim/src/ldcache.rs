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

/// The longest string read: a path (`PATH_MAX`). Longer is not a cache
/// ldconfig wrote, and bounds the work a hostile one can ask for.
const MAX_STRING: usize = 4096;

/// The NUL-terminated string at `at`, at most [`MAX_STRING`] bytes.
fn str_at(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let rest = &rest[..rest.len().min(MAX_STRING + 1)];
    let end = rest.iter().position(|&c| c == 0)?;
    Some(&rest[..end])
}

/// One library of the cache: its name (`libz.so.1`) and path, borrowed
/// from the cache's bytes (entries may share strings: nothing is copied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lib<'a> {
    /// The name programs ask for (the `DT_SONAME`).
    pub name: &'a str,
    /// The file `ld.so` opens for it.
    pub path: &'a str,
}

/// One entry: its raw bytes, its strings, and where they were.
struct RawEntry<'a> {
    raw: &'a [u8],
    lib: Lib<'a>,
    key_at: u32,
    value_at: u32,
}

/// A parsed cache: the entries (raw, with their strings) and extensions.
struct Parsed<'a> {
    flags: u8,
    entries: Vec<RawEntry<'a>>,
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
    // Byte order: unset (0) or little-endian (2); big-endian (3) and
    // invalid (1) caches are not read as if they were little.
    if flags & 3 != 0 && flags & 3 != 2 {
        return None;
    }
    let ext = usize::try_from(u32_at(b, 32)?).ok()?;
    let table = n.checked_mul(ENTRY)?.checked_add(HEADER)?;
    if table > b.len() {
        return None;
    }
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let at = HEADER + i * ENTRY;
        let raw = &b[at..at + ENTRY];
        let (key_at, value_at) = (u32_at(b, at + 4)?, u32_at(b, at + 8)?);
        let key = str_at(b, usize::try_from(key_at).ok()?)?;
        let value = str_at(b, usize::try_from(value_at).ok()?)?;
        let lib = Lib {
            name: std::str::from_utf8(key).ok()?,
            path: std::str::from_utf8(value).ok()?,
        };
        entries.push(RawEntry {
            raw,
            lib,
            key_at,
            value_at,
        });
    }
    let (mut generator, mut hwcaps) = (None, None);
    if ext != 0 {
        if u32_at(b, ext)? != EXT_MAGIC {
            return None;
        }
        let count = usize::try_from(u32_at(b, ext.checked_add(4)?)?).ok()?;
        if count > 64 {
            return None;
        }
        for s in 0..count {
            let at = ext.checked_add(8 + s * 16)?;
            let (tag, off, size) = (u32_at(b, at)?, u32_at(b, at + 8)?, u32_at(b, at + 12)?);
            let off = usize::try_from(off).ok()?;
            let data = b.get(off..off.checked_add(usize::try_from(size).ok()?)?)?;
            match tag {
                TAG_GENERATOR => generator = Some(data),
                TAG_HWCAPS => {
                    // glibc knows a handful of subdirectories (x86-64-v2…).
                    if data.len() > 64 * 4 {
                        return None;
                    }
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
pub fn libs(b: &[u8]) -> Option<Vec<Lib<'_>>> {
    Some(parse(b)?.entries.into_iter().map(|e| e.lib).collect())
}

/// The cache `b` with only the libraries `keep` takes; `None` when `b` is
/// not a cache this module reads (keep it as it was), or when every entry
/// stays (nothing to change).
#[must_use]
pub fn rewrite(b: &[u8], keep: &dyn Fn(&Lib) -> bool) -> Option<Vec<u8>> {
    let p = parse(b)?;
    let kept: Vec<&RawEntry<'_>> = p.entries.iter().filter(|e| keep(&e.lib)).collect();
    if kept.len() == p.entries.len() {
        return None;
    }
    let table = HEADER + kept.len() * ENTRY;
    let mut strings: Vec<u8> = Vec::new();
    // Each string of the input is written once, however many entries
    // share it: the output is never larger than the input.
    let mut written: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut put = |from: u32, s: &[u8]| -> Option<u32> {
        if let Some(&at) = written.get(&from) {
            return Some(at);
        }
        let at = u32::try_from(table + strings.len()).ok()?;
        strings.extend_from_slice(s);
        strings.push(0);
        written.insert(from, at);
        Some(at)
    };
    let mut entries: Vec<u8> = Vec::with_capacity(kept.len() * ENTRY);
    for e in &kept {
        let value = put(e.value_at, e.lib.path.as_bytes())?;
        // As ldconfig writes it, the name is often the path's tail.
        let tail = e.key_at.checked_sub(e.value_at).filter(|d| {
            usize::try_from(*d)
                .is_ok_and(|d| d <= e.lib.path.len() && e.lib.path[d..] == *e.lib.name)
        });
        let key = match tail {
            Some(d) => value.checked_add(d)?,
            None => put(e.key_at, e.lib.name.as_bytes())?,
        };
        entries.extend_from_slice(&e.raw[..4]);
        entries.extend_from_slice(&key.to_le_bytes());
        entries.extend_from_slice(&value.to_le_bytes());
        entries.extend_from_slice(&e.raw[12..]);
    }
    let hwcap_offsets: Option<Vec<u32>> = match &p.hwcaps {
        // Keyed apart from the entries' strings (past any u32 offset).
        Some(names) => Some(
            names
                .iter()
                .zip(0u32..)
                .map(|(n, i)| put(u32::MAX - i, n))
                .collect::<Option<_>>()?,
        ),
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
        let pairs: Vec<(String, String)> = libs
            .into_iter()
            .map(|l| (l.name.to_string(), l.path.to_string()))
            .collect();
        assert_eq!(pairs, ldconfig_p(CACHE));
    }

    #[test]
    fn a_rewritten_cache_lists_what_is_kept_and_ldconfig_reads_it() {
        let drop = |l: &Lib| l.name.contains("perl") || l.name.starts_with("libapt");
        let out = rewrite(CACHE, &|l| !drop(l)).unwrap();
        let before = ldconfig_p(CACHE);
        let expected: Vec<(String, String)> = before
            .iter()
            .filter(|(n, p)| !drop(&Lib { name: n, path: p }))
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

    /// A hostile cache whose entries all point at one long string: read
    /// without copying it per entry, written once, refused past a path's
    /// length; a big-endian one is not read as little-endian.
    #[test]
    fn shared_long_strings_and_other_byte_orders_cost_nothing() {
        let n = 4000usize;
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        let strings_at = HEADER + n * ENTRY;
        let name = "a".repeat(4000);
        b.extend_from_slice(&u32::try_from(n).unwrap().to_le_bytes());
        b.extend_from_slice(&u32::try_from(name.len() + 1).unwrap().to_le_bytes());
        b.extend_from_slice(&[2, 0, 0, 0]);
        b.extend_from_slice(&[0u8; 16]);
        let at = u32::try_from(strings_at).unwrap();
        for _ in 0..n {
            b.extend_from_slice(&0x0303i32.to_le_bytes());
            b.extend_from_slice(&at.to_le_bytes());
            b.extend_from_slice(&at.to_le_bytes());
            b.extend_from_slice(&[0u8; 12]);
        }
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        assert_eq!(libs(&b).unwrap().len(), n);
        let out = rewrite(&b, &|_| false).unwrap();
        assert!(out.len() < HEADER + 2 * name.len(), "{}", out.len());
        let seen = std::cell::Cell::new(0usize);
        let half = rewrite(&b, &|_: &Lib| {
            seen.set(seen.get() + 1);
            seen.get().is_multiple_of(2)
        })
        .unwrap();
        assert!(half.len() < b.len());
        // Past a path's length: not a cache ldconfig wrote.
        let mut long = b.clone();
        long.truncate(strings_at);
        long.extend_from_slice("a".repeat(MAX_STRING + 10).as_bytes());
        long.push(0);
        assert!(libs(&long).is_none());
        let mut big = CACHE.to_vec();
        big[28] = 3;
        assert!(libs(&big).is_none());
    }
}
