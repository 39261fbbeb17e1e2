//! pare's one ELF reader, on the `object` crate's low-level ELF types.
//!
//! Everything in pare that looks inside an ELF file comes here: the
//! dynamic-linking facts reachability follows ([`parse`]: `PT_INTERP`,
//! `DT_NEEDED`, `DT_RPATH`/`DT_RUNPATH`, `DT_SONAME`), the sections the
//! catalogers read (Go's `.go.buildinfo`, cargo-auditable's `.dep-v0`:
//! [`section`]), bytes at a virtual address through the `PT_LOAD` segments
//! (Go's pointer-format build info: [`read_vaddr`]) and the code segments a
//! sparse read can skip ([`code_ranges`]).
//!
//! `object` is the zero-copy, bounds-checked, fuzzed reader that the Rust
//! standard library's own backtraces use; its `unaligned` feature keeps odd
//! offsets in hostile files an error rather than a problem. Every function
//! here returns `None` (or nothing) for malformed input, never panics, and
//! works on a prefix of a file as long as the structures it needs are in
//! it (the fsindex pass hands over the first bytes of a file that is still
//! streaming).
#![deny(missing_docs)]

mod info;

pub use info::{parse, synth, ElfInfo};

use object::elf::{FileHeader32, FileHeader64, PF_X, PT_LOAD, SHT_NOBITS};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::Endianness;

/// The magic bytes every ELF file starts with.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// Whether `data` starts like an ELF file.
#[must_use]
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// Run `f` with the file header of `data` in its class (32 or 64-bit).
macro_rules! with_header {
    ($data:expr, |$h:ident, $e:ident| $body:expr) => {{
        let data: &[u8] = $data;
        if data.len() < 16 || !is_elf(data) {
            None
        } else {
            match data[4] {
                1 => (|| {
                    let $h = FileHeader32::<Endianness>::parse(data).ok()?;
                    let $e = $h.endian().ok()?;
                    $body
                })(),
                2 => (|| {
                    let $h = FileHeader64::<Endianness>::parse(data).ok()?;
                    let $e = $h.endian().ok()?;
                    $body
                })(),
                _ => None,
            }
        }
    }};
}

/// The bytes of the section named `name`, found through the section
/// headers. `None` when `data` is not ELF, has no such section, or the
/// section occupies no bytes in the file (`SHT_NOBITS`).
#[must_use]
pub fn section<'a>(data: &'a [u8], name: &str) -> Option<&'a [u8]> {
    with_header!(data, |h, e| {
        let sections = h.sections(e, data).ok()?;
        let (_, s) = sections.section_by_name(e, name.as_bytes())?;
        if s.sh_type(e) == SHT_NOBITS {
            return None;
        }
        s.data(e, data).ok()
    })
}

/// Whether `data` is ELF with a readable section header table (stripped
/// files may have none).
#[must_use]
pub fn has_section_headers(data: &[u8]) -> bool {
    with_header!(data, |h, e| {
        let sections = h.sections(e, data).ok()?;
        (!sections.is_empty()).then_some(())
    })
    .is_some()
}

/// `len` bytes at virtual address `addr`, through the `PT_LOAD` segment
/// that maps them from the file.
// The macro instantiates the body for ELF32 (u32 fields, widened by
// `into`) and ELF64 (already u64), where the conversion is a no-op.
#[allow(clippy::useless_conversion)]
#[must_use]
pub fn read_vaddr(data: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    with_header!(data, |h, e| {
        for ph in h.program_headers(e, data).ok()? {
            if ph.p_type(e) != PT_LOAD {
                continue;
            }
            let vaddr: u64 = ph.p_vaddr(e).into();
            let filesz: u64 = ph.p_filesz(e).into();
            let offset: u64 = ph.p_offset(e).into();
            if addr >= vaddr && addr.checked_add(len)? <= vaddr.checked_add(filesz)? {
                let start = usize::try_from(offset.checked_add(addr - vaddr)?).ok()?;
                return data.get(start..start.checked_add(usize::try_from(len).ok()?)?);
            }
        }
        None
    })
}

/// One program header, reduced to what [`code_ranges`] needs.
struct Segment {
    load: bool,
    exec: bool,
    offset: u64,
    filesz: u64,
}

// The macro instantiates the body for ELF32 (u32 fields, widened by
// `into`) and ELF64 (already u64), where the conversion is a no-op.
#[allow(clippy::useless_conversion)]
fn segments(prefix: &[u8]) -> Option<Vec<Segment>> {
    with_header!(prefix, |h, e| {
        Some(
            h.program_headers(e, prefix)
                .ok()?
                .iter()
                .map(|ph| Segment {
                    load: ph.p_type(e) == PT_LOAD,
                    exec: ph.p_flags(e) & PF_X != 0,
                    offset: ph.p_offset(e).into(),
                    filesz: ph.p_filesz(e).into(),
                })
                .collect(),
        )
    })
}

/// The byte ranges of a `size`-byte ELF file that hold only machine code,
/// from its first bytes (`prefix`, which must contain the ELF header and
/// the program header table, or nothing is skipped). Sorted, disjoint,
/// within `size`.
///
/// Code is the file range of a `PT_LOAD` segment with `PF_X` that does not
/// start at offset 0 (modern linkers give instructions a segment of their
/// own; classic layouts put headers and data in the executable segment at
/// offset 0, which is kept whole), minus anything another program header
/// also describes and minus the prefix itself.
#[must_use]
pub fn code_ranges(prefix: &[u8], size: u64) -> Vec<(u64, u64)> {
    let Some(segs) = segments(prefix) else {
        return Vec::new();
    };
    let mut code: Vec<(u64, u64)> = Vec::new();
    let mut other: Vec<(u64, u64)> = Vec::new();
    for s in &segs {
        let end = s.offset.saturating_add(s.filesz).min(size);
        if s.offset >= end {
            continue;
        }
        if s.load && s.exec && s.offset > 0 {
            code.push((s.offset, end));
        } else {
            other.push((s.offset, end));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn self_exe() -> Vec<u8> {
        std::fs::read(std::env::current_exe().unwrap()).unwrap()
    }

    #[test]
    fn sections_of_a_real_binary() {
        let data = self_exe();
        assert!(has_section_headers(&data));
        let text = section(&data, ".text").expect(".text");
        assert!(!text.is_empty());
        // `.bss` is SHT_NOBITS: no bytes in the file.
        assert!(section(&data, ".bss").is_none());
        assert!(section(&data, ".no-such-section").is_none());
        assert!(section(b"not elf at all, not at all", ".text").is_none());
    }

    #[test]
    fn code_ranges_of_a_real_binary_are_inside_the_file() {
        let data = self_exe();
        let ranges = code_ranges(&data[..data.len().min(64 * 1024)], data.len() as u64);
        // rustc links with separate code on x86-64: there is code to skip.
        assert!(!ranges.is_empty());
        let text = section(&data, ".text").unwrap();
        let text_off = text.as_ptr() as usize - data.as_ptr() as usize;
        assert!(ranges
            .iter()
            .any(|&(s, e)| s <= text_off as u64 && (text_off as u64) < e));
        for w in ranges.windows(2) {
            assert!(w[0].1 <= w[1].0);
        }
        assert!(ranges.iter().all(|&(s, e)| s < e && e <= data.len() as u64));
    }

    #[test]
    fn vaddr_reads_through_load_segments() {
        // The synthetic file maps itself at vaddr == offset.
        let b = synth::elf64(Some("/lib/ld.so"), &["liba.so"], None, None);
        let interp_at = b.windows(10).position(|w| w == b"/lib/ld.so").unwrap() as u64;
        assert_eq!(read_vaddr(&b, interp_at, 10), Some(&b"/lib/ld.so"[..]));
        assert_eq!(read_vaddr(&b, u64::MAX - 1, 10), None);
    }

    use synth::program_headers as elf;

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
    fn malformed_never_panics() {
        let good = self_exe();
        let head = &good[..4096.min(good.len())];
        for n in 0..head.len().min(256) {
            let _ = section(&head[..n], ".text");
            let _ = code_ranges(&head[..n], 1 << 20);
            let _ = read_vaddr(&head[..n], 0, 4);
        }
        let mut b = head.to_vec();
        for i in 0..128.min(b.len()) {
            b[i] ^= 0xff;
            let _ = code_ranges(&b, 1 << 20);
            let _ = section(&b, ".text");
            b[i] ^= 0xff;
        }
    }
}
