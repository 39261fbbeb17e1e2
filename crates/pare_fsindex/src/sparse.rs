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
    for (start, end) in pare_elf::code_ranges(&map[..prefix], size) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use pare_elf::synth::program_headers as elf;

    const PT_LOAD: u32 = 1;

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
