//! `rust-audit-binary`: Rust crates recorded by `cargo auditable`.
//!
//! ## What it does
//! A probe sees every ELF file during the pass and reads its `.dep-v0`
//! section: zlib-compressed JSON listing every crate compiled in, with its
//! version and source. Decompression is capped (a crafted section cannot
//! expand without bound) and only the JSON is kept, never the binary.
//!
//! Licenses: none. The `.dep-v0` format records each crate's name,
//! version, source and kind only (no license field), and the crates'
//! `Cargo.toml`s are not in the image, so the SBOM says nothing about them
//! rather than guess (syft says nothing either).
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Without it, a Rust binary's dependencies are
//! invisible to scanners.
//!
//! ## Example
//! `/app/rshello` built with `cargo auditable build` from a crate that uses
//! `itoa 1.0.1` gives `pkg:cargo/itoa@1.0.1` and `pkg:cargo/rshello@0.1.0`.
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
//! - <https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md>

use super::purl::purl;
use super::{Cataloger, Ctx, Sink};
use pare_elf::section as elf_section;
use pare_findings::{Ecosystem, Package};
use pare_fsindex::Probe;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::sync::Arc;

/// Cataloger name.
pub const NAME: &str = "rust-audit-binary";
/// Output version.
pub const VERSION: u32 = 1;
/// No globs: ELF files are found by the probe.
pub const GLOBS: &[&str] = &[];
/// Largest decompressed `.dep-v0` accepted (cargo-auditable's own limit is 8 MiB).
pub const MAX_JSON: u64 = 8 << 20;

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: Some(probe),
    run,
};

fn probe() -> Arc<dyn Probe> {
    Arc::new(AuditProbe)
}

struct AuditProbe;

impl Probe for AuditProbe {
    fn name(&self) -> &'static str {
        NAME
    }
    fn wants(&self, _path: &str, _size: u64, _mode: u32, head: &[u8]) -> bool {
        pare_elf::is_elf(head)
    }
    fn probe(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let section = elf_section(data, ".dep-v0")?;
        let r = match inflate(section) {
            Ok(json) => Extracted::Ok(json),
            Err(e) => Extracted::Err(e),
        };
        serde_json::to_vec(&r).ok()
    }
    /// `.dep-v0` is a non-allocated section, outside every segment.
    fn reads_code(&self) -> bool {
        false
    }
}

/// What the probe keeps.
#[derive(Debug, Serialize, Deserialize)]
enum Extracted {
    Ok(String),
    Err(String),
}

/// Decompress a `.dep-v0` section, refusing more than [`MAX_JSON`] bytes.
///
/// # Errors
/// A corrupt zlib stream, or output past the cap.
pub fn inflate(section: &[u8]) -> Result<String, String> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("`.dep-v0` is not a zlib stream: {e}"))?;
    if out.len() as u64 > MAX_JSON {
        return Err(format!("`.dep-v0` expands past {MAX_JSON} bytes"));
    }
    String::from_utf8(out).map_err(|_| "`.dep-v0` is not UTF-8".to_string())
}

/// One crate in the audit data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditCrate {
    /// Crate name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `crates.io`, `local`, `git`, ...
    #[serde(default)]
    pub source: Option<String>,
    /// Build-time dependency (`build`) or `runtime`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The binary's own crate.
    #[serde(default)]
    pub root: bool,
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditCrate>,
}

/// Parse the decompressed JSON.
///
/// # Errors
/// The JSON error.
pub fn parse(json: &str) -> Result<Vec<AuditCrate>, String> {
    serde_json::from_str::<AuditData>(json)
        .map(|d| d.packages)
        .map_err(|e| format!("`.dep-v0` JSON: line {}:{}: {e}", e.line(), e.column()))
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    for (path, bytes) in cx.idx.probe_results(NAME) {
        let crates = match serde_json::from_slice::<Extracted>(bytes) {
            Ok(Extracted::Ok(json)) => parse(&json),
            Ok(Extracted::Err(e)) => Err(e),
            Err(e) => Err(format!("internal: {e}")),
        };
        match crates {
            Ok(crates) => {
                for c in crates {
                    sink.packages.push(Package {
                        purl: purl("cargo", None, &c.name, &c.version, &[]),
                        ecosystem: Ecosystem::Cargo,
                        source_name: None,
                        source_version: None,
                        arch: None,
                        licenses: Vec::new(),
                        layer: cx.layer_of(path),
                        locations: vec![path.to_string()],
                        files: Vec::new(),
                        dev: false,
                        cataloger: NAME,
                        name: c.name,
                        version: c.version,
                    });
                }
            }
            Err(e) => sink.warn(NAME, path, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::elf_with_sections;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_dep_v0() {
        let json = br#"{"packages":[{"name":"itoa","version":"1.0.1","source":"crates.io"},{"name":"rshello","version":"0.1.0","source":"local","dependencies":[0],"root":true}]}"#;
        let elf = elf_with_sections(&[(".dep-v0", &zlib(json))]);
        let out = AuditProbe.probe("app/x", &elf).expect("found");
        let Extracted::Ok(j) = serde_json::from_slice(&out).unwrap() else {
            panic!("not ok")
        };
        let c = parse(&j).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].name.as_str(), c[0].version.as_str()),
            ("itoa", "1.0.1")
        );
        assert!(c[1].root);
    }

    #[test]
    fn bomb_and_garbage_are_errors() {
        let bomb = zlib(&vec![b' '; (MAX_JSON + 10) as usize]);
        assert!(inflate(&bomb).unwrap_err().contains("expands past"));
        assert!(inflate(b"not zlib").is_err());
        assert!(parse("{}").is_err());
        let elf = elf_with_sections(&[(".text", b"x")]);
        assert!(AuditProbe.probe("x", &elf).is_none());
    }
}
