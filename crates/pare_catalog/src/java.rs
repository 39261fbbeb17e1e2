//! `java-archive`: Maven artifacts in JAR, WAR and EAR files.
//!
//! ## What it does
//! A probe sees every `*.jar`, `*.war`, `*.ear` (and Jenkins `*.hpi`,
//! `*.jpi`) that starts with a zip signature, reads its central directory
//! and extracts `META-INF/maven/**/pom.properties` (group, artifact,
//! version) and `META-INF/MANIFEST.MF`, descending into nested archives
//! (`WEB-INF/lib/*.jar`, Spring Boot's `BOOT-INF/lib/*.jar`). An archive
//! without `pom.properties` is named from its manifest
//! (`Implementation-Title`/`Bundle-SymbolicName` and
//! `Implementation-Version`/`Bundle-Version`), or else from its file name
//! (`name-1.2.3.jar`).
//!
//! Zip bombs are bounded: at most [`MAX_DEPTH`] levels of nesting, entries
//! of at most [`MAX_ENTRY`] bytes once inflated, [`MAX_TOTAL`] bytes
//! inflated per top-level archive and [`MAX_ENTRIES`] entries per archive.
//! An archive past a limit is reported as a warning naming it.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Fat jars hide whole dependency trees.
//!
//! ## Example
//! `/app/app.war!WEB-INF/lib/log4j-core-2.14.1.jar` with
//! `META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties`
//! gives `pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The layer of the outermost archive.
//!
//! ## References
//! - <https://pkg.go.dev/archive/zip> (format, APPNOTE.TXT)
//! - <https://maven.apache.org/shared/maven-archiver/>

use super::purl::purl;
use super::{Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};
use pare_fsindex::Probe;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::sync::Arc;

/// Cataloger name.
pub const NAME: &str = "java-archive";
/// Output version.
pub const VERSION: u32 = 1;
/// No globs: archives are found by the probe (name and zip signature).
pub const GLOBS: &[&str] = &[];
/// Deepest nesting of archives read.
pub const MAX_DEPTH: usize = 4;
/// Largest inflated entry read.
pub const MAX_ENTRY: u64 = 64 << 20;
/// Most bytes inflated for one top-level archive, nested ones included.
pub const MAX_TOTAL: u64 = 512 << 20;
/// Most entries in one archive.
pub const MAX_ENTRIES: usize = 200_000;

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: Some(probe),
    run,
};

fn probe() -> Arc<dyn Probe> {
    Arc::new(JarProbe)
}

const EXTS: &[&str] = &[".jar", ".war", ".ear", ".hpi", ".jpi"];

fn is_archive_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    EXTS.iter().any(|e| lower.ends_with(e))
}

struct JarProbe;

impl Probe for JarProbe {
    fn name(&self) -> &'static str {
        NAME
    }
    fn wants(&self, path: &str, _size: u64, _mode: u32, head: &[u8]) -> bool {
        is_archive_name(path) && head.starts_with(b"PK")
    }
    fn probe(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        serde_json::to_vec(&scan(data)).ok()
    }
}

/// One artifact found in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Where, inside the top archive (`""` for the archive itself,
    /// `WEB-INF/lib/x.jar` for a nested one).
    pub inner: String,
    /// Maven groupId, when known.
    pub group: Option<String>,
    /// artifactId or name.
    pub artifact: String,
    /// Version.
    pub version: String,
}

/// Everything found in one top-level archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// Artifacts.
    pub artifacts: Vec<Artifact>,
    /// Problems (`WEB-INF/lib/x.jar: entry expands past 67108864 bytes`).
    pub errors: Vec<String>,
}

/// Read a zip archive (and nested archives) from memory.
#[must_use]
pub fn scan(data: &[u8]) -> Scan {
    let mut out = Scan::default();
    let mut budget = MAX_TOTAL;
    scan_inner(data, "", "", 0, &mut budget, &mut out);
    out
}

struct ZipEntry<'a> {
    name: String,
    method: u16,
    csize: u64,
    usize_: u64,
    data: &'a [u8],
}

fn u16le(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn u32le(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn entries(data: &[u8]) -> Result<Vec<ZipEntry<'_>>, String> {
    let tail = data.len().saturating_sub(65_557);
    let eocd = memchr::memmem::rfind(&data[tail..], b"PK\x05\x06")
        .map(|p| p + tail)
        .ok_or("no end of central directory (not a zip, or truncated)")?;
    let total = usize::from(u16le(data, eocd + 10).ok_or("truncated end record")?);
    let cd_off = u32le(data, eocd + 16).ok_or("truncated end record")? as usize;
    if total == 0xffff || cd_off == 0xffff_ffff {
        return Err("zip64 archives are not supported".to_string());
    }
    if total > MAX_ENTRIES {
        return Err(format!("more than {MAX_ENTRIES} entries"));
    }
    let mut out = Vec::with_capacity(total);
    let mut p = cd_off;
    for _ in 0..total {
        if u32le(data, p) != Some(0x0201_4b50) {
            return Err(format!("bad central directory record at offset {p}"));
        }
        let method = u16le(data, p + 10).ok_or("truncated central directory")?;
        let csize = u64::from(u32le(data, p + 20).ok_or("truncated central directory")?);
        let usize_ = u64::from(u32le(data, p + 24).ok_or("truncated central directory")?);
        let nlen = usize::from(u16le(data, p + 28).ok_or("truncated central directory")?);
        let elen = usize::from(u16le(data, p + 30).ok_or("truncated central directory")?);
        let clen = usize::from(u16le(data, p + 32).ok_or("truncated central directory")?);
        let local = u32le(data, p + 42).ok_or("truncated central directory")? as usize;
        let name = data
            .get(p + 46..p + 46 + nlen)
            .ok_or("truncated central directory")?;
        let name = String::from_utf8_lossy(name).into_owned();
        p += 46 + nlen + elen + clen;
        // Only the entries pare reads need their local header resolved.
        if !(name.starts_with("META-INF/") || is_archive_name(&name)) || name.ends_with('/') {
            continue;
        }
        if u32le(data, local) != Some(0x0403_4b50) {
            return Err(format!("bad local header for `{name}`"));
        }
        let lnlen = usize::from(u16le(data, local + 26).ok_or("truncated local header")?);
        let lelen = usize::from(u16le(data, local + 28).ok_or("truncated local header")?);
        let start = local + 30 + lnlen + lelen;
        let end = start
            .checked_add(usize::try_from(csize).map_err(|_| "size overflow")?)
            .ok_or("size overflow")?;
        let body = data
            .get(start..end)
            .ok_or_else(|| format!("`{name}` runs past the end of the archive"))?;
        out.push(ZipEntry {
            name,
            method,
            csize,
            usize_,
            data: body,
        });
    }
    Ok(out)
}

fn inflate(e: &ZipEntry<'_>, budget: &mut u64) -> Result<Vec<u8>, String> {
    let limit = MAX_ENTRY.min(*budget);
    if e.usize_ > limit {
        return Err(format!(
            "`{}` expands to {} bytes, past the limit of {limit}",
            e.name, e.usize_
        ));
    }
    let mut out = Vec::new();
    let res = match e.method {
        0 => {
            out.extend_from_slice(e.data);
            Ok(())
        }
        8 => flate2::read::DeflateDecoder::new(e.data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map(drop),
        m => return Err(format!("`{}` uses compression method {m}", e.name)),
    };
    res.map_err(|err| format!("`{}`: {err}", e.name))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "`{}` expands past the limit of {limit} bytes (zip bomb?)",
            e.name
        ));
    }
    let _ = e.csize;
    *budget -= out.len() as u64;
    Ok(out)
}

fn props(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(['=', ':']))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// MANIFEST.MF main section, continuation lines joined.
fn manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(rest);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// `commons-io-2.11.0.jar` → (`commons-io`, `2.11.0`).
fn from_file_name(path: &str) -> Option<(String, String)> {
    let base = path.rsplit('/').next()?;
    let stem = base.rsplit_once('.')?.0;
    let bytes = stem.as_bytes();
    let split = (1..bytes.len()).find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit())?;
    Some((stem[..split - 1].to_string(), stem[split..].to_string()))
}

fn scan_inner(
    data: &[u8],
    inner: &str,
    file_name: &str,
    depth: usize,
    budget: &mut u64,
    out: &mut Scan,
) {
    let label = if inner.is_empty() {
        String::new()
    } else {
        format!("{inner}: ")
    };
    let list = match entries(data) {
        Ok(l) => l,
        Err(e) => {
            out.errors.push(format!("{label}{e}"));
            return;
        }
    };
    let mut found_pom = false;
    let mut mf: Vec<(String, String)> = Vec::new();
    for e in &list {
        let is_pom = e.name.starts_with("META-INF/maven/") && e.name.ends_with("/pom.properties");
        let is_mf = e.name.eq_ignore_ascii_case("META-INF/MANIFEST.MF");
        if !is_pom && !is_mf {
            continue;
        }
        let bytes = match inflate(e, budget) {
            Ok(b) => b,
            Err(err) => {
                out.errors.push(format!("{label}{err}"));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        if is_mf {
            mf = manifest(&text);
            continue;
        }
        let p = props(&text);
        let get = |k: &str| {
            p.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        if let (Some(artifact), Some(version)) = (get("artifactId"), get("version")) {
            found_pom = true;
            out.artifacts.push(Artifact {
                inner: inner.to_string(),
                group: get("groupId"),
                artifact,
                version,
            });
        }
    }
    if !found_pom {
        let get = |k: &str| {
            mf.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let name = get("Implementation-Title")
            .or_else(|| {
                get("Bundle-SymbolicName")
                    .map(|s| s.split(';').next().unwrap_or("").trim().to_string())
            })
            .or_else(|| get("Bundle-Name"));
        let version = get("Implementation-Version").or_else(|| get("Bundle-Version"));
        let from_name = from_file_name(file_name);
        let pair = match (name, version, from_name) {
            (_, Some(v), Some((n, _))) => Some((n, v)),
            (Some(n), Some(v), None) => Some((n, v)),
            (_, None, Some((n, v))) => Some((n, v)),
            _ => None,
        };
        if let Some((artifact, version)) = pair {
            out.artifacts.push(Artifact {
                inner: inner.to_string(),
                group: None,
                artifact,
                version,
            });
        }
    }
    for e in &list {
        if !is_archive_name(&e.name) {
            continue;
        }
        let nested = if inner.is_empty() {
            e.name.clone()
        } else {
            format!("{inner}!{}", e.name)
        };
        if depth + 1 >= MAX_DEPTH {
            out.errors.push(format!(
                "{nested}: archives nested deeper than {MAX_DEPTH} levels"
            ));
            continue;
        }
        match inflate(e, budget) {
            Ok(b) => scan_inner(&b, &nested, &e.name, depth + 1, budget, out),
            Err(err) => out.errors.push(format!("{label}{err}")),
        }
    }
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    for (path, bytes) in cx.idx.probe_results(NAME) {
        let mut s: Scan = match serde_json::from_slice(bytes) {
            Ok(s) => s,
            Err(e) => {
                sink.warn(NAME, path, format!("internal: {e}"));
                continue;
            }
        };
        // The top archive's own name, when it had no metadata of its own.
        if !s.artifacts.iter().any(|a| a.inner.is_empty()) && s.errors.is_empty() {
            if let Some((n, v)) = from_file_name(path) {
                s.artifacts.push(Artifact {
                    inner: String::new(),
                    group: None,
                    artifact: n,
                    version: v,
                });
            }
        }
        for e in s.errors {
            sink.warn(NAME, path, e);
        }
        for a in s.artifacts {
            let location = if a.inner.is_empty() {
                path.to_string()
            } else {
                format!("{path}!{}", a.inner)
            };
            let name = match &a.group {
                Some(g) => format!("{g}:{}", a.artifact),
                None => a.artifact.clone(),
            };
            sink.packages.push(Package {
                purl: purl("maven", a.group.as_deref(), &a.artifact, &a.version, &[]),
                name,
                version: a.version,
                ecosystem: Ecosystem::Maven,
                source_name: None,
                source_version: None,
                arch: None,
                licenses: Vec::new(),
                layer: cx.layer_of(path),
                locations: vec![location],
                files: Vec::new(),
                dev: false,
                cataloger: NAME,
            });
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// Build a zip in memory from (name, data, deflate?) entries.
    pub(crate) fn zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data, deflate) in files {
            let body = if *deflate {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            } else {
                data.to_vec()
            };
            let off = u32::try_from(out.len()).unwrap();
            let method: u16 = if *deflate { 8 } else { 0 };
            let n = u16::try_from(name.len()).unwrap();
            let cs = u32::try_from(body.len()).unwrap();
            let us = u32::try_from(data.len()).unwrap();
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // time, date, crc
            out.extend_from_slice(&cs.to_le_bytes());
            out.extend_from_slice(&us.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&body);
            cd.extend_from_slice(b"PK\x01\x02");
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
            cd.extend_from_slice(&method.to_le_bytes());
            cd.extend_from_slice(&[0; 8]);
            cd.extend_from_slice(&cs.to_le_bytes());
            cd.extend_from_slice(&us.to_le_bytes());
            cd.extend_from_slice(&n.to_le_bytes());
            cd.extend_from_slice(&[0; 12]); // extra, comment, disk, int attr, ext attr
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = u32::try_from(out.len()).unwrap();
        let count = u16::try_from(files.len()).unwrap();
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&u32::try_from(cd.len()).unwrap().to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0; 2]);
        out
    }

    #[test]
    fn war_with_nested_jars() {
        let log4j = zip(&[(
            "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
            b"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n",
            true,
        )]);
        let plain = zip(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nImplementation-Version: 2.11.0\n",
            true,
        )]);
        let war = zip(&[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\nImplementation-Title: shop\nImplementation-Version: 1.0\n",
                false,
            ),
            ("WEB-INF/lib/log4j-core-2.14.1.jar", &log4j, false),
            ("WEB-INF/lib/commons-io-2.11.0.jar", &plain, true),
        ]);
        let s = scan(&war);
        assert!(s.errors.is_empty(), "{s:?}");
        insta::assert_json_snapshot!(s);
    }

    #[test]
    fn zip_bomb_is_refused() {
        let big = vec![0u8; (MAX_ENTRY + 1) as usize];
        let bomb = zip(&[("META-INF/MANIFEST.MF", &big, true)]);
        let s = scan(&bomb);
        assert_eq!(s.errors.len(), 1, "{s:?}");
        assert!(s.errors[0].contains("limit"), "{s:?}");
        // Nesting past the depth limit.
        let mut j = zip(&[(
            "META-INF/MANIFEST.MF",
            b"Implementation-Version: 1\n",
            false,
        )]);
        for _ in 0..MAX_DEPTH + 1 {
            j = zip(&[("x-1.0.jar", &j, false)]);
        }
        let s = scan(&j);
        assert!(
            s.errors.iter().any(|e| e.contains("nested deeper")),
            "{s:?}"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(!scan(b"PK\x03\x04garbage").errors.is_empty());
        assert!(!scan(b"").errors.is_empty());
        let mut z = zip(&[("META-INF/MANIFEST.MF", b"x", false)]);
        let n = z.len();
        z[n - 6] = 0xff; // central directory offset points past the end
        assert!(!scan(&z).errors.is_empty());
    }

    #[test]
    fn names_from_files() {
        assert_eq!(
            from_file_name("/a/commons-io-2.11.0.jar"),
            Some(("commons-io".into(), "2.11.0".into()))
        );
        assert_eq!(from_file_name("/a/app.jar"), None);
    }
}
