//! `go-binary`: Go modules compiled into ELF binaries.
//!
//! ## What it does
//! A probe sees every ELF file during the pass and extracts the Go build
//! info (`.go.buildinfo`, the `\xff Go buildinf:` blob): the Go version,
//! which becomes the `stdlib` package, the main module (`mod`), and every
//! dependency module (`dep`) with its version, or with its replacement
//! (`=>`) when the module was replaced. Both the inline format (Go ≥ 1.18)
//! and the older pointer format are read. Only the small build-info text is
//! kept, never the binary.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Statically linked Go binaries carry their
//! dependencies, and the Go standard library, invisibly to package managers.
//!
//! ## Example
//! `/app/hello` built with go1.19.8 from module `example.com/hello` gives
//! `pkg:golang/stdlib@go1.19.8` and `pkg:golang/example.com/hello@(devel)`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The layer of the binary.
//!
//! ## References
//! - <https://pkg.go.dev/debug/buildinfo>
//! - <https://go.dev/src/debug/buildinfo/buildinfo.go>

use super::purl::purl;
use super::{Cataloger, Ctx, Sink};
use pare_elf::{read_vaddr, section as elf_section};
use pare_findings::{Ecosystem, Package};
use pare_fsindex::Probe;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Cataloger name.
pub const NAME: &str = "go-binary";
/// Output version.
pub const VERSION: u32 = 1;
/// No globs: ELF files are found by the probe.
pub const GLOBS: &[&str] = &[];

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: Some(probe),
    run,
};

const MAGIC: &[u8] = b"\xff Go buildinf:";
/// The build info strings are small; anything larger is corrupt.
const MAX_STRING: u64 = 1 << 20;

fn probe() -> Arc<dyn Probe> {
    Arc::new(GoProbe)
}

/// What the probe keeps per binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Extracted {
    /// Go version and module info text.
    Ok {
        /// `go1.19.8`.
        go_version: String,
        /// The `path`/`mod`/`dep`/`=>`/`build` lines.
        modinfo: String,
    },
    /// The blob exists but could not be read.
    Err(String),
}

struct GoProbe;

impl Probe for GoProbe {
    fn name(&self) -> &'static str {
        NAME
    }
    fn wants(&self, _path: &str, _size: u64, _mode: u32, head: &[u8]) -> bool {
        pare_elf::is_elf(head)
    }
    fn probe(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let r = extract(data)?;
        serde_json::to_vec(&r).ok()
    }
    /// `.go.buildinfo` is data (the first section of the writable
    /// segment), found through the section headers or, when those are
    /// stripped, by its magic outside the code.
    fn reads_code(&self) -> bool {
        false
    }
}

/// Find and decode the build info of a binary. `None` when it is not a Go
/// binary.
#[must_use]
pub fn extract(data: &[u8]) -> Option<Extracted> {
    let (blob, _) = match elf_section(data, ".go.buildinfo") {
        Some(s) if s.starts_with(MAGIC) => (s, None),
        // An ELF with section headers but no `.go.buildinfo` is not Go:
        // no need to search its bytes.
        _ if pare_elf::has_section_headers(data) => return None,
        _ => {
            // Stripped section headers: Go aligns the blob to 16 bytes.
            let pos = memchr::memmem::find_iter(data, MAGIC).find(|p| p % 16 == 0)?;
            (&data[pos..], Some(pos))
        }
    };
    Some(decode(data, blob).unwrap_or_else(Extracted::Err))
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, x) in b.iter().take(10).enumerate() {
        v |= u64::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn decode(file: &[u8], blob: &[u8]) -> Result<Extracted, String> {
    if blob.len() < 32 {
        return Err("build info header is truncated".to_string());
    }
    let ptr_size = usize::from(blob[14]);
    let flags = blob[15];
    let (go_version, modinfo) = if flags & 2 != 0 {
        let mut rest = &blob[32..];
        let mut read = || -> Result<String, String> {
            let (n, used) = uvarint(rest).ok_or("bad string length in build info")?;
            if n > MAX_STRING {
                return Err(format!("build info string of {n} bytes is implausible"));
            }
            let n = usize::try_from(n).map_err(|_| "bad length")?;
            let s = rest
                .get(used..used + n)
                .ok_or("build info string runs past the end of the file")?;
            rest = &rest[used + n..];
            Ok(String::from_utf8_lossy(s).into_owned())
        };
        (read()?, read()?)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("pointer size {ptr_size} in build info header"));
        }
        let big = flags & 1 != 0;
        let rd = |b: &[u8]| -> u64 {
            let mut v = 0u64;
            if big {
                for x in b {
                    v = (v << 8) | u64::from(*x);
                }
            } else {
                for (i, x) in b.iter().enumerate() {
                    v |= u64::from(*x) << (8 * i);
                }
            }
            v
        };
        let p1 = rd(&blob[16..16 + ptr_size]);
        let p2 = rd(&blob[16 + ptr_size..16 + 2 * ptr_size]);
        let read_go_string = |addr: u64| -> Result<String, String> {
            let hdr = read_vaddr(file, addr, 2 * ptr_size as u64)
                .ok_or("build info pointer outside the binary")?;
            let data = rd(&hdr[..ptr_size]);
            let len = rd(&hdr[ptr_size..]);
            if len > MAX_STRING {
                return Err(format!("build info string of {len} bytes is implausible"));
            }
            let s = read_vaddr(file, data, len).ok_or("build info string outside the binary")?;
            Ok(String::from_utf8_lossy(s).into_owned())
        };
        (read_go_string(p1)?, read_go_string(p2)?)
    };
    if !go_version.starts_with("go") {
        return Err(format!(
            "Go version `{}` does not start with `go`",
            super::truncate(&go_version, 20)
        ));
    }
    // modinfo is framed by 16-byte sentinels.
    let modinfo = if modinfo.len() >= 33 && modinfo.as_bytes()[modinfo.len() - 17] == b'\n' {
        String::from_utf8_lossy(&modinfo.as_bytes()[16..modinfo.len() - 16]).into_owned()
    } else {
        modinfo
    };
    Ok(Extracted::Ok {
        go_version,
        modinfo,
    })
}

/// A module line of the build info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version (`(devel)` for a main module built from a checkout).
    pub version: String,
    /// Whether this is the main module.
    pub main: bool,
}

/// The modules in a modinfo text, replacements applied.
#[must_use]
pub fn modules(modinfo: &str) -> Vec<Module> {
    let mut out: Vec<Module> = Vec::new();
    for line in modinfo.lines() {
        let mut f = line.split('\t');
        match f.next() {
            Some(kind @ ("mod" | "dep")) => {
                let (Some(path), version) = (f.next(), f.next()) else {
                    continue;
                };
                out.push(Module {
                    path: path.to_string(),
                    version: version.unwrap_or("").to_string(),
                    main: kind == "mod",
                });
            }
            Some("=>") => {
                if let (Some(last), Some(path)) = (out.last_mut(), f.next()) {
                    path.clone_into(&mut last.path);
                    last.version = f.next().unwrap_or("").to_string();
                }
            }
            _ => {}
        }
    }
    out
}

fn go_package(cx: &Ctx<'_>, path: &str, name: &str, version: &str) -> Package {
    let (ns, base) = match name.rsplit_once('/') {
        Some((ns, b)) => (Some(ns), b),
        None => (None, name),
    };
    let purl_version = if version == "(devel)" { "" } else { version };
    Package {
        purl: purl("golang", ns, base, purl_version, &[]),
        name: name.to_string(),
        version: version.to_string(),
        ecosystem: Ecosystem::Go,
        source_name: None,
        source_version: None,
        arch: None,
        licenses: Vec::new(),
        layer: cx.layer_of(path),
        locations: vec![path.to_string()],
        files: Vec::new(),
        dev: false,
        cataloger: NAME,
    }
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    for (path, bytes) in cx.idx.probe_results(NAME) {
        match serde_json::from_slice::<Extracted>(bytes) {
            Ok(Extracted::Ok {
                go_version,
                modinfo,
            }) => {
                sink.packages
                    .push(go_package(cx, path, "stdlib", &go_version));
                for m in modules(&modinfo) {
                    if m.path.is_empty() {
                        continue;
                    }
                    let version = if m.version.is_empty() {
                        "(devel)"
                    } else {
                        &m.version
                    };
                    sink.packages.push(go_package(cx, path, &m.path, version));
                }
            }
            Ok(Extracted::Err(e)) => sink.warn(NAME, path, e),
            Err(e) => sink.warn(NAME, path, format!("internal: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal (non-ELF) buffer holding an inline-format blob.
    fn blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = vec![0u8; 16];
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[8, 2]);
        out.extend_from_slice(&[0; 16]);
        for s in [version, modinfo] {
            let mut n = s.len();
            while n >= 0x80 {
                out.push(u8::try_from(n & 0x7f).unwrap() | 0x80);
                n >>= 7;
            }
            out.push(u8::try_from(n).unwrap());
            out.extend_from_slice(s.as_bytes());
        }
        b.extend(out);
        b
    }

    #[test]
    fn inline_format_with_replacement() {
        let sentinel = "0123456789abcdef";
        let info = format!(
            "{sentinel}path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.0\th1:x\n=>\tgithub.com/fork/text\tv0.3.1\th1:y\nbuild\tCGO_ENABLED=0\n\n{sentinel}"
        );
        let Some(Extracted::Ok {
            go_version,
            modinfo,
        }) = extract(&blob("go1.21.0", &info))
        else {
            panic!("not extracted")
        };
        assert_eq!(go_version, "go1.21.0");
        let m = modules(&modinfo);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].path, "example.com/hello");
        assert!(m[0].main);
        assert_eq!(
            (m[1].path.as_str(), m[1].version.as_str()),
            ("github.com/fork/text", "v0.3.1")
        );
    }

    #[test]
    fn corrupt_blob_is_an_error_not_a_panic() {
        let mut b = blob("go1.21.0", "x");
        b[16 + 32] = 0xff; // length varint never terminates properly
        b.truncate(16 + 34);
        assert!(matches!(extract(&b), Some(Extracted::Err(_))));
        let mut c = vec![0u8; 16];
        c.extend_from_slice(MAGIC);
        c.extend_from_slice(&[8, 0, 0, 0]);
        assert!(matches!(extract(&c), Some(Extracted::Err(_))));
        assert_eq!(extract(b"\x7fELF not go"), None);
    }
}
