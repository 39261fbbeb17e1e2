//! The dynamic-linking facts of one ELF file, extracted during the index
//! pass: class, byte order, machine, `PT_INTERP`, `DT_NEEDED`, `DT_RPATH`,
//! `DT_RUNPATH` and `DT_SONAME`.
//!
//! Read from *program headers* (`PT_DYNAMIC`, `PT_INTERP`, `PT_LOAD`), as
//! `ld.so` itself does: they survive `strip --strip-all`/`sstrip` where
//! section headers may not. Malformed input gives `None`, never a panic.
//!
//! The result is encoded compactly (one short line per fact) because the
//! index keeps it for every ELF file of the image.

use object::elf::{
    FileHeader32, FileHeader64, DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ,
    DT_STRTAB, ET_DYN, ET_EXEC, PT_DYNAMIC, PT_INTERP, PT_LOAD,
};
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::Endianness;

/// Most `DT_NEEDED` entries kept per file (real files have a few dozen).
const MAX_NEEDED: usize = 1024;
/// Longest string kept (a path or a search list).
const MAX_STRING: usize = 4096;

/// What `ld.so` needs to know about one ELF object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElfInfo {
    /// ELFCLASS64 (else 32-bit).
    pub is_64: bool,
    /// Big-endian (else little).
    pub big_endian: bool,
    /// `e_machine` (62 = x86-64, 183 = `AArch64`, 3 = i386, 40 = ARM).
    pub machine: u16,
    /// `PT_INTERP`: the program interpreter (`/lib64/ld-linux-x86-64.so.2`).
    pub interp: Option<String>,
    /// `DT_NEEDED` names, in order.
    pub needed: Vec<String>,
    /// `DT_RPATH`, split on `:` (`None` when absent).
    pub rpath: Option<Vec<String>>,
    /// `DT_RUNPATH`, split on `:` (`None` when absent).
    pub runpath: Option<Vec<String>>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
}

impl ElfInfo {
    /// Whether a library of `other`'s class, byte order and machine can be
    /// loaded into a process of this one (`ld.so` skips those that cannot).
    #[must_use]
    pub fn compatible(&self, other: &ElfInfo) -> bool {
        self.is_64 == other.is_64
            && self.big_endian == other.big_endian
            && self.machine == other.machine
    }

    /// Debian multiarch triplet of the machine (`x86_64-linux-gnu`).
    #[must_use]
    pub fn multiarch(&self) -> Option<&'static str> {
        Some(match (self.machine, self.is_64) {
            (62, true) => "x86_64-linux-gnu",
            (62, false) => "x86_64-linux-gnux32",
            (3, false) => "i386-linux-gnu",
            (183, true) => "aarch64-linux-gnu",
            (40, false) => "arm-linux-gnueabihf",
            (21, true) => "powerpc64le-linux-gnu",
            (22, true) => "s390x-linux-gnu",
            (243, true) => "riscv64-linux-gnu",
            _ => return None,
        })
    }

    /// `$PLATFORM` as glibc expands it.
    #[must_use]
    pub fn platform(&self) -> &'static str {
        match self.machine {
            62 => "x86_64",
            3 => "i686",
            183 => "aarch64",
            40 => "v7l",
            _ => "",
        }
    }

    /// Compact text form: `64 le 62` then `I`/`N`/`R`/`U`/`S` lines.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!(
            "{} {} {}\n",
            if self.is_64 { 64 } else { 32 },
            if self.big_endian { "be" } else { "le" },
            self.machine
        );
        let mut line = |tag: char, v: &str| {
            s.push(tag);
            s.push(' ');
            s.push_str(v);
            s.push('\n');
        };
        if let Some(i) = &self.interp {
            line('I', i);
        }
        for n in &self.needed {
            line('N', n);
        }
        if let Some(r) = &self.rpath {
            line('R', &r.join(":"));
        }
        if let Some(r) = &self.runpath {
            line('U', &r.join(":"));
        }
        if let Some(n) = &self.soname {
            line('S', n);
        }
        s.into_bytes()
    }

    /// Inverse of [`ElfInfo::encode`]; `None` for anything else.
    #[must_use]
    pub fn decode(b: &[u8]) -> Option<ElfInfo> {
        let text = std::str::from_utf8(b).ok()?;
        let mut lines = text.lines();
        let mut head = lines.next()?.split(' ');
        let mut info = ElfInfo {
            is_64: head.next()? == "64",
            big_endian: head.next()? == "be",
            machine: head.next()?.parse().ok()?,
            ..ElfInfo::default()
        };
        for l in lines {
            let (tag, v) = l.split_at_checked(2)?;
            match tag {
                "I " => info.interp = Some(v.to_string()),
                "N " => info.needed.push(v.to_string()),
                "R " => info.rpath = Some(split_path(v)),
                "U " => info.runpath = Some(split_path(v)),
                "S " => info.soname = Some(v.to_string()),
                _ => return None,
            }
        }
        Some(info)
    }
}

fn split_path(v: &str) -> Vec<String> {
    v.split(':').map(str::to_string).collect()
}

/// Parse an ELF executable or shared object (`ET_EXEC`/`ET_DYN`). `None`
/// for anything else or anything malformed.
#[must_use]
pub fn parse(data: &[u8]) -> Option<ElfInfo> {
    if data.len() < 16 || &data[..4] != b"\x7fELF" {
        return None;
    }
    match data[4] {
        1 => parse_as::<FileHeader32<Endianness>>(data),
        2 => parse_as::<FileHeader64<Endianness>>(data),
        _ => None,
    }
}

fn parse_as<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<ElfInfo> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let ty = header.e_type(endian);
    if ty != ET_EXEC && ty != ET_DYN {
        return None;
    }
    let mut info = ElfInfo {
        is_64: header.is_type_64(),
        big_endian: header.is_big_endian(),
        machine: header.e_machine(endian),
        ..ElfInfo::default()
    };
    let phdrs = header.program_headers(endian, data).ok()?;
    let mut dynamic = None;
    for ph in phdrs {
        match ph.p_type(endian) {
            PT_INTERP => {
                if let Ok(Some(i)) = ph.interpreter(endian, data) {
                    info.interp = Some(text(i));
                }
            }
            PT_DYNAMIC => dynamic = ph.dynamic(endian, data).ok().flatten(),
            _ => {}
        }
    }
    let Some(dynamic) = dynamic else {
        return Some(info);
    };
    // DT_STRTAB is a virtual address: map it through the PT_LOAD segments.
    let mut strtab_addr = None;
    let mut strsz = None;
    for d in dynamic {
        let tag: u64 = d.d_tag(endian).into();
        match u32::try_from(tag) {
            Ok(DT_NULL) => break,
            Ok(DT_STRTAB) => strtab_addr = Some(d.d_val(endian).into()),
            Ok(DT_STRSZ) => strsz = Some(d.d_val(endian).into()),
            _ => {}
        }
    }
    let strtab = strtab_addr.and_then(|addr: u64| {
        phdrs.iter().find_map(|ph| {
            if ph.p_type(endian) != PT_LOAD {
                return None;
            }
            let vaddr: u64 = ph.p_vaddr(endian).into();
            let filesz: u64 = ph.p_filesz(endian).into();
            let offset: u64 = ph.p_offset(endian).into();
            if addr < vaddr || addr - vaddr >= filesz {
                return None;
            }
            let start = usize::try_from(offset.checked_add(addr - vaddr)?).ok()?;
            let seg_end = usize::try_from(offset.checked_add(filesz)?).ok()?;
            let end = match strsz {
                Some(n) => start.checked_add(usize::try_from(n).ok()?)?.min(seg_end),
                None => seg_end,
            };
            data.get(start..end.min(data.len()))
        })
    })?;
    let string = |off: u64| -> Option<String> {
        let s = strtab.get(usize::try_from(off).ok()?..)?;
        let end = s.iter().position(|b| *b == 0)?;
        Some(text(&s[..end]))
    };
    for d in dynamic {
        let tag: u64 = d.d_tag(endian).into();
        let val: u64 = d.d_val(endian).into();
        match u32::try_from(tag) {
            Ok(DT_NULL) => break,
            Ok(DT_NEEDED) if info.needed.len() < MAX_NEEDED => {
                if let Some(s) = string(val) {
                    info.needed.push(s);
                }
            }
            Ok(DT_RPATH) => info.rpath = string(val).map(|s| split_path(&s)),
            Ok(DT_RUNPATH) => info.runpath = string(val).map(|s| split_path(&s)),
            Ok(DT_SONAME) => info.soname = string(val),
            _ => {}
        }
    }
    Some(info)
}

/// Lossy UTF-8 without line breaks (they would break the encoding).
fn text(b: &[u8]) -> String {
    let b = &b[..b.len().min(MAX_STRING)];
    String::from_utf8_lossy(b).replace(['\n', '\r'], "?")
}

/// Synthetic ELF files for tests (here and in the crates that read ELF
/// facts).
#[doc(hidden)]
pub mod synth {
    use object::elf::{
        DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_STRSZ, DT_STRTAB, ET_DYN, PT_DYNAMIC, PT_INTERP,
        PT_LOAD,
    };

    /// An ELF header and program header table, `(type, flags, offset,
    /// filesz)` each, in 4 KiB.
    #[must_use]
    pub fn program_headers(is64: bool, le: bool, phdrs: &[(u32, u32, u64, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = if is64 { 2 } else { 1 };
        b[5] = if le { 1 } else { 2 };
        b[6] = 1; // EV_CURRENT
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

    /// A minimal ELF64 little-endian x86-64 `ET_DYN` with PT_INTERP,
    /// PT_LOAD and PT_DYNAMIC, for tests.
    #[must_use]
    pub fn elf64(
        interp: Option<&str>,
        needed: &[&str],
        rpath: Option<&str>,
        runpath: Option<&str>,
    ) -> Vec<u8> {
        elf(true, 62, interp, needed, rpath, runpath)
    }

    /// A minimal ELF of either class (little-endian) and any machine.
    #[must_use]
    pub fn elf(
        is_64: bool,
        machine: u16,
        interp: Option<&str>,
        needed: &[&str],
        rpath: Option<&str>,
        runpath: Option<&str>,
    ) -> Vec<u8> {
        let (ehsize, phentsize, dynsize) = if is_64 { (64, 56, 16) } else { (52, 32, 8) };
        let nph = 3usize;
        let interp_off = ehsize + phentsize * nph;
        let mut interp_bytes = interp.map(|i| i.as_bytes().to_vec()).unwrap_or_default();
        interp_bytes.push(0);
        let strtab_off = interp_off + interp_bytes.len();
        let mut strtab = vec![0u8];
        let mut dyns: Vec<(u64, u64)> = Vec::new();
        let mut add = |tag: u32, s: &str, strtab: &mut Vec<u8>| {
            dyns.push((u64::from(tag), strtab.len() as u64));
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
        };
        for n in needed {
            add(DT_NEEDED, n, &mut strtab);
        }
        if let Some(r) = rpath {
            add(DT_RPATH, r, &mut strtab);
        }
        if let Some(r) = runpath {
            add(DT_RUNPATH, r, &mut strtab);
        }
        while strtab.len() % 8 != 0 {
            strtab.push(0);
        }
        let dyn_off = strtab_off + strtab.len();
        dyns.push((u64::from(DT_STRTAB), strtab_off as u64));
        dyns.push((u64::from(DT_STRSZ), strtab.len() as u64));
        dyns.push((0, 0));
        let total = dyn_off + dyns.len() * dynsize;
        let mut out = vec![0u8; ehsize];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = if is_64 { 2 } else { 1 };
        out[5] = 1;
        out[6] = 1;
        let put = |out: &mut Vec<u8>, off: usize, v: u64, n: usize| {
            out[off..off + n].copy_from_slice(&v.to_le_bytes()[..n]);
        };
        put(&mut out, 16, u64::from(ET_DYN), 2);
        put(&mut out, 18, u64::from(machine), 2);
        put(&mut out, 20, 1, 4);
        if is_64 {
            put(&mut out, 32, ehsize as u64, 8); // e_phoff
            put(&mut out, 52, ehsize as u64, 2); // e_ehsize
            put(&mut out, 54, phentsize as u64, 2);
            put(&mut out, 56, nph as u64, 2);
        } else {
            put(&mut out, 28, ehsize as u64, 4);
            put(&mut out, 40, ehsize as u64, 2);
            put(&mut out, 42, phentsize as u64, 2);
            put(&mut out, 44, nph as u64, 2);
        }
        let phdrs: [(u32, usize, usize); 3] = [
            (
                if interp.is_some() { PT_INTERP } else { 0 },
                interp_off,
                interp_bytes.len(),
            ),
            (PT_LOAD, 0, total),
            (PT_DYNAMIC, dyn_off, dyns.len() * dynsize),
        ];
        for (ty, off, size) in phdrs {
            let mut ph = vec![0u8; phentsize];
            let w = |ph: &mut Vec<u8>, o: usize, v: u64, n: usize| {
                ph[o..o + n].copy_from_slice(&v.to_le_bytes()[..n]);
            };
            if is_64 {
                w(&mut ph, 0, u64::from(ty), 4);
                w(&mut ph, 8, off as u64, 8); // p_offset
                w(&mut ph, 16, off as u64, 8); // p_vaddr
                w(&mut ph, 32, size as u64, 8); // p_filesz
                w(&mut ph, 40, size as u64, 8); // p_memsz
            } else {
                w(&mut ph, 0, u64::from(ty), 4);
                w(&mut ph, 4, off as u64, 4);
                w(&mut ph, 8, off as u64, 4);
                w(&mut ph, 16, size as u64, 4);
                w(&mut ph, 20, size as u64, 4);
            }
            out.extend_from_slice(&ph);
        }
        out.extend_from_slice(&interp_bytes);
        out.extend_from_slice(&strtab);
        for (tag, val) in dyns {
            let n = dynsize / 2;
            out.extend_from_slice(&tag.to_le_bytes()[..n]);
            out.extend_from_slice(&val.to_le_bytes()[..n]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::synth::{elf, elf64};
    use super::*;

    #[test]
    fn parses_synthetic_64_and_32_bit() {
        let b = elf64(
            Some("/lib64/ld-linux-x86-64.so.2"),
            &["libpq.so.5", "libc.so.6"],
            None,
            Some("$ORIGIN/../lib:/opt/x"),
        );
        let i = parse(&b).unwrap();
        assert!(i.is_64 && !i.big_endian && i.machine == 62);
        assert_eq!(i.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
        assert_eq!(i.needed, ["libpq.so.5", "libc.so.6"]);
        assert_eq!(i.rpath, None);
        assert_eq!(
            i.runpath,
            Some(vec!["$ORIGIN/../lib".to_string(), "/opt/x".to_string()])
        );
        assert_eq!(ElfInfo::decode(&i.encode()), Some(i.clone()));

        let b = elf(false, 3, None, &["libm.so.6"], Some("/r"), None);
        let j = parse(&b).unwrap();
        assert!(!j.is_64 && j.machine == 3 && j.interp.is_none());
        assert_eq!(j.needed, ["libm.so.6"]);
        assert_eq!(j.rpath, Some(vec!["/r".to_string()]));
        assert!(!i.compatible(&j));
        assert_eq!(ElfInfo::decode(&j.encode()), Some(j));
    }

    #[test]
    fn malformed_is_none_never_a_panic() {
        let good = elf64(Some("/lib/ld.so"), &["liba.so"], None, None);
        assert!(parse(b"not an elf").is_none());
        assert!(parse(b"\x7fELF").is_none());
        // Every truncation and every single-byte corruption: no panic.
        for n in 0..good.len() {
            let _ = parse(&good[..n]);
        }
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xff;
            let _ = parse(&b);
        }
        assert!(ElfInfo::decode(b"64 le x\n").is_none());
        assert!(ElfInfo::decode(b"64 le 62\nZ what\n").is_none());
    }

    #[test]
    fn parses_the_test_binary_itself() {
        // The running test binary is a real, toolchain-made ELF.
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(exe).unwrap();
        let i = parse(&data).expect("the test binary is ELF");
        assert!(i.needed.iter().any(|n| n.starts_with("libc.")), "{i:?}");
    }
}
