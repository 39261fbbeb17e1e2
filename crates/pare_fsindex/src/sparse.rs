//! Reading a big ELF file for probes without holding its machine code.
//!
//! The probes that want ELF files (reachability's `DT_NEEDED`, Go build
//! info, Rust `.dep-v0`) read headers, program headers, `.dynamic`,
//! `.dynstr` and a few sections: never the instructions. In a large binary
//! the instructions are most of the bytes (gcc's 35 MiB `cc1plus`: 22 MiB
//! of code), and buffering them whole set the peak memory of a pass over a
//! toolchain image. So a big ELF file is read into a zero-filled anonymous
//! mapping in which the bytes of its code segments are never written: the
//! kernel backs untouched pages with nothing, and the file's offsets stay
//! valid for the probes, which see zeros where the code was.
//!
//! Which bytes are code: the file ranges of `PT_LOAD` segments with `PF_X`
//! that do not start at offset 0. Modern linkers (GNU ld's default
//! `-z separate-code` on x86-64 since binutils 2.31, lld, gold with
//! `--rosegment`) give instructions their own segment, and nothing else is
//! in it. Classic layouts put the ELF header, `.dynstr`, `.rodata` and the
//! code in one executable segment at offset 0; Go's linker puts its text
//! there too. Those segments are kept whole, as is any byte that another
//! program header also describes (a `PT_NOTE` or `PT_INTERP` inside a code
//! segment), so an unusual layout costs memory, never a wrong answer.

use std::io::{self, Read};

/// How much of the file to read before deciding what to skip: the ELF
/// header and the program header table are nearly always in the first
/// page; a table beyond this means nothing is skipped.
const PREFIX: usize = 64 * 1024;

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;

/// A file's bytes, with its code segments left as zeros.
pub(crate) struct SparseFile {
    map: memmap2::MmapMut,
}

impl std::ops::Deref for SparseFile {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

/// Read the rest of a `size`-byte ELF file from `r`, whose first bytes
/// `head` were already read, skipping the bytes of its code segments.
///
/// # Errors
/// A short or failing stream; no memory for the mapping.
pub(crate) fn read(r: &mut impl Read, head: &[u8], size: u64) -> io::Result<SparseFile> {
    let len = usize::try_from(size)
        .map_err(|_| io::Error::other(format!("file of {size} bytes does not fit in memory")))?;
    let mut map = memmap2::MmapMut::map_anon(len.max(1))?;
    // Back the mapping with 2 MiB pages where the kernel allows it (THP
    // `madvise` mode, the common default): the bytes kept are written a
    // page at a time, and 4 KiB pages cost a fault and a zeroing each,
    // about 7 % of `pare sbom`'s CPU on a toolchain image. A 2 MiB
    // range of code that is skipped whole is still never backed. Measured
    // on `fat`'s docker-archive, 15 interleaved rounds: 0.352 -> 0.331 s,
    // 0.59 -> 0.55 CPU-seconds, peak RSS 35 -> 39 MB. Advice only: where it
    // is refused, nothing changes but speed.
    let _ = map.advise(memmap2::Advice::HugePage);
    let head = &head[..head.len().min(len)];
    map[..head.len()].copy_from_slice(head);
    let prefix = len.min(PREFIX.max(head.len()));
    r.read_exact(&mut map[head.len()..prefix])?;
    let mut pos = prefix as u64;
    for (start, end) in code_ranges(&map[..prefix], size) {
        let start = start.max(pos);
        if start >= end {
            continue;
        }
        // In bounds: the ranges are clipped to `size`, which is `len`.
        r.read_exact(&mut map[pos as usize..start as usize])?;
        skip(r, end - start)?;
        pos = end;
    }
    r.read_exact(&mut map[pos as usize..len])?;
    Ok(SparseFile { map })
}

/// Discard exactly `n` bytes of `r`.
fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    let got = io::copy(&mut r.take(n), &mut io::sink())?;
    if got < n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// The byte ranges of a `size`-byte ELF file that hold only machine code,
/// from its first bytes (`prefix`, which must contain the ELF header and
/// the program header table, or nothing is skipped). Sorted, disjoint,
/// within `size`.
pub fn code_ranges(prefix: &[u8], size: u64) -> Vec<(u64, u64)> {
    let Some(phdrs) = program_headers(prefix) else {
        return Vec::new();
    };
    let mut code: Vec<(u64, u64)> = Vec::new();
    let mut other: Vec<(u64, u64)> = Vec::new();
    for ph in &phdrs {
        let end = ph.offset.saturating_add(ph.filesz).min(size);
        if ph.offset >= end {
            continue;
        }
        if ph.ty == PT_LOAD && ph.flags & PF_X != 0 && ph.offset > 0 {
            code.push((ph.offset, end));
        } else {
            other.push((ph.offset, end));
        }
    }
    // Never skip what another header describes, nor the header table.
    other.push((0, prefix.len() as u64));
    let mut out = Vec::new();
    for (start, end) in code {
        let mut pieces = vec![(start, end)];
        for &(os, oe) in &other {
            pieces = pieces
                .into_iter()
                .flat_map(|(s, e)| {
                    if oe <= s || os >= e {
                        vec![(s, e)]
                    } else {
                        [(s, os), (oe, e)]
                            .into_iter()
                            .filter(|(a, b)| a < b)
                            .collect()
                    }
                })
                .collect();
        }
        out.extend(pieces);
    }
    out.sort_unstable();
    // Overlapping code segments (malformed) merge into one range.
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

struct ProgramHeader {
    ty: u32,
    flags: u32,
    offset: u64,
    filesz: u64,
}

/// The program headers of an ELF file, if its header and table are within
/// `b`. Written here rather than with `object`: only four fields of the
/// table are needed, from a prefix of a file that is still streaming, and
/// `object` wants the whole file.
fn program_headers(b: &[u8]) -> Option<Vec<ProgramHeader>> {
    if b.len() < 52 || &b[..4] != b"\x7fELF" {
        return None;
    }
    let is64 = match b[4] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let le = match b[5] {
        1 => true,
        2 => false,
        _ => return None,
    };
    // An unsigned field of `n` bytes at `o`, in the file's byte order.
    let uint = |o: usize, n: usize| -> Option<u64> {
        let x = b.get(o..o.checked_add(n)?)?;
        let fold = |acc: u64, &byte: &u8| (acc << 8) | u64::from(byte);
        Some(if le {
            x.iter().rev().fold(0, fold)
        } else {
            x.iter().fold(0, fold)
        })
    };
    let u16_at = |o| uint(o, 2);
    let u32_at = |o| uint(o, 4);
    let u64_at = |o| uint(o, 8);
    let (phoff, phentsize, phnum) = if is64 {
        (u64_at(0x20)?, u16_at(0x36)?, u16_at(0x38)?)
    } else {
        (u32_at(0x1c)?, u16_at(0x2a)?, u16_at(0x2c)?)
    };
    // 0xffff: the real count is in section 0, at the far end of the file.
    if phnum == 0xffff || phentsize < if is64 { 56 } else { 32 } {
        return None;
    }
    let mut out = Vec::new();
    for i in 0..phnum {
        let at = usize::try_from(phoff.checked_add(i.checked_mul(phentsize)?)?).ok()?;
        // The whole entry is in `b`, so the field offsets below cannot
        // overflow.
        if at.checked_add(if is64 { 56 } else { 32 })? > b.len() {
            return None;
        }
        let ph = if is64 {
            ProgramHeader {
                ty: u32::try_from(u32_at(at)?).ok()?,
                flags: u32::try_from(u32_at(at + 4)?).ok()?,
                offset: u64_at(at + 8)?,
                filesz: u64_at(at + 0x20)?,
            }
        } else {
            ProgramHeader {
                ty: u32::try_from(u32_at(at)?).ok()?,
                offset: u32_at(at + 4)?,
                filesz: u32_at(at + 0x10)?,
                flags: u32::try_from(u32_at(at + 0x18)?).ok()?,
            }
        };
        out.push(ph);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF header and program header table: (type, flags, offset, filesz).
    fn elf(is64: bool, le: bool, phdrs: &[(u32, u32, u64, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = if is64 { 2 } else { 1 };
        b[5] = if le { 1 } else { 2 };
        let put = |b: &mut Vec<u8>, at: usize, v: u64, n: usize| {
            let bytes = if le { v.to_le_bytes() } else { v.to_be_bytes() };
            let bytes = if le { &bytes[..n] } else { &bytes[8 - n..] };
            b[at..at + n].copy_from_slice(bytes);
        };
        let phoff = if is64 { 64 } else { 52 };
        let ent = if is64 { 56 } else { 32 };
        if is64 {
            put(&mut b, 0x20, phoff, 8);
            put(&mut b, 0x36, ent, 2);
            put(&mut b, 0x38, phdrs.len() as u64, 2);
        } else {
            put(&mut b, 0x1c, phoff, 4);
            put(&mut b, 0x2a, ent, 2);
            put(&mut b, 0x2c, phdrs.len() as u64, 2);
        }
        for (i, &(ty, flags, off, sz)) in phdrs.iter().enumerate() {
            let at = (phoff + ent * i as u64) as usize;
            put(&mut b, at, u64::from(ty), 4);
            if is64 {
                put(&mut b, at + 4, u64::from(flags), 4);
                put(&mut b, at + 8, off, 8);
                put(&mut b, at + 0x20, sz, 8);
            } else {
                put(&mut b, at + 4, off, 4);
                put(&mut b, at + 0x10, sz, 4);
                put(&mut b, at + 0x18, u64::from(flags), 4);
            }
        }
        b
    }

    // gcc 12's cc1plus on Debian bookworm (`readelf -lW`), abridged.
    const SEPARATE_CODE: &[(u32, u32, u64, u64)] = &[
        (3, 4, 0x350, 0x1c),                 // PT_INTERP, R
        (PT_LOAD, 4, 0, 0x25_78b0),          // R
        (PT_LOAD, 5, 0x25_8000, 0x153_2be5), // R E
        (PT_LOAD, 4, 0x178_b000, 0xa3_6673), // R
        (PT_LOAD, 6, 0x21c_1b80, 0xf_d78),   // RW
        (2, 6, 0x21c_4d40, 0x250),           // PT_DYNAMIC
    ];

    #[test]
    fn separate_code_segment_is_skipped_whole() {
        for (is64, le) in [(true, true), (true, false), (false, true), (false, false)] {
            let b = elf(is64, le, SEPARATE_CODE);
            assert_eq!(
                code_ranges(&b, 0x230_0000),
                [(0x25_8000, 0x25_8000 + 0x153_2be5)],
                "64-bit {is64}, little-endian {le}"
            );
        }
    }

    #[test]
    fn classic_layout_keeps_everything() {
        // One R E segment from offset 0 holds the headers, .dynstr, .rodata.
        let b = elf(
            true,
            true,
            &[(PT_LOAD, 5, 0, 0x80_0000), (PT_LOAD, 6, 0x80_1000, 0x1000)],
        );
        assert!(code_ranges(&b, 0x90_0000).is_empty());
    }

    #[test]
    fn bytes_other_headers_describe_are_kept() {
        let b = elf(
            true,
            true,
            &[
                (PT_LOAD, 5, 0x1_0000, 0x10_0000),
                (4, 4, 0x2_0000, 0x100), // PT_NOTE inside the code segment
            ],
        );
        assert_eq!(
            code_ranges(&b, 0x20_0000),
            [(0x1_0000, 0x2_0000), (0x2_0100, 0x11_0000)]
        );
        // Clipped to the file.
        assert_eq!(
            code_ranges(&b, 0x8_0000),
            [(0x1_0000, 0x2_0000), (0x2_0100, 0x8_0000)]
        );
    }

    #[test]
    fn garbage_and_truncated_headers_skip_nothing() {
        assert!(code_ranges(
            b"not an elf file at all, but long enough for a header......",
            1 << 20
        )
        .is_empty());
        let b = elf(true, true, SEPARATE_CODE);
        // The table is cut off.
        assert!(code_ranges(&b[..100], 0x230_0000).is_empty());
        let mut huge = elf(true, true, SEPARATE_CODE);
        huge[0x38] = 0xff;
        huge[0x39] = 0xff;
        assert!(code_ranges(&huge, 0x230_0000).is_empty());
        // A table offset at the end of the address space (found by the
        // `elf_code_ranges` fuzz target: it overflowed the index sums).
        let mut far = elf(true, true, SEPARATE_CODE);
        far[0x20..0x28].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
        assert!(code_ranges(&far, u64::MAX).is_empty());
    }

    #[test]
    fn read_keeps_all_but_code_and_checks_length() {
        let size = 0x30_0000u64;
        let mut file = elf(true, true, &[(PT_LOAD, 5, 0x10_0000, 0x10_0000)]);
        file.resize(size as usize, 0);
        for (i, x) in file.iter_mut().enumerate().skip(4096) {
            *x = (i % 251) as u8 + 1;
        }
        let mut r = std::io::Cursor::new(&file[64..]);
        let got = read(&mut r, &file[..64], size).unwrap();
        assert_eq!(got.len(), file.len());
        assert_eq!(&got[..0x10_0000], &file[..0x10_0000]);
        assert!(got[0x10_0000..0x20_0000].iter().all(|&x| x == 0));
        assert_eq!(&got[0x20_0000..], &file[0x20_0000..]);
        // A short stream is an error, not a silently short file.
        let mut short = std::io::Cursor::new(&file[64..0x28_0000]);
        let e = read(&mut short, &file[..64], size).err().unwrap();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        let mut in_code = std::io::Cursor::new(&file[64..0x18_0000]);
        assert!(read(&mut in_code, &file[..64], size).is_err());
    }
}
