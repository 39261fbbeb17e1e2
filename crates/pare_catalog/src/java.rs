//! `java-archive`: Maven artifacts in JAR, WAR and EAR files.
//!
//! ## What it does
//! A probe sees every `*.jar`, `*.war`, `*.ear` (and Jenkins `*.hpi`,
//! `*.jpi`), reads its central directory and extracts
//! `META-INF/maven/**/pom.properties` (group, artifact, version) with the
//! licenses of the `pom.xml` beside it, and `META-INF/MANIFEST.MF`,
//! descending into nested archives (`WEB-INF/lib/*.jar`, Spring Boot's
//! `BOOT-INF/lib/*.jar`). A file named like an archive that is not a zip is
//! a warning naming it, never skipped in silence.
//!
//! An archive without `pom.properties` is named from its manifest's
//! identifiers, never from a display name (`Implementation-Title: Micronaut
//! Core` and `Bundle-Name` are for people):
//! - a Jenkins plugin (`.hpi`/`.jpi`, or a manifest with `Short-Name` and
//!   `Group-Id`) is `Group-Id:Short-Name`;
//! - the artifact is the file name's stem when the file is named
//!   `artifact-1.2.3.jar` (Maven's default), else the module identifier
//!   (`Automatic-Module-Name`, else `Bundle-SymbolicName`), less the group
//!   when it starts with it, else the file name as a last resort;
//! - the group is `Implementation-Vendor-Id` (Maven's archiver writes the
//!   groupId there), else the module identifier less its last segment when
//!   that segment is the artifact's tail (`org.apache.commons.lang3` for
//!   `commons-lang3`); without either, there is no group;
//! - the version is `Implementation-Version`, `Plugin-Version`,
//!   `Bundle-Version`, the file name's, or `Specification-Version`; with
//!   none, the version is unknown and a note says so.
//!
//! Licenses come from the `pom.xml` `<licenses>` (names, else URLs), else
//! the manifest's `Bundle-License`, normalised to SPDX
//! ([`super::license`], well-known license URLs included).
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
//!
//! One file (about 620 lines of code): the zip reader, nested-archive descent
//! and the manifest naming rules serve only this cataloger and share its
//! limits (entry sizes, expansion ratio, nesting depth).

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
    fn wants(&self, path: &str, _size: u64, _mode: u32, _head: &[u8]) -> bool {
        // Non-zip files too, so that they are reported rather than skipped.
        is_archive_name(path)
    }
    fn probe(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        serde_json::to_vec(&scan_file(path, data)).ok()
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
    /// Version (empty when unknown).
    pub version: String,
    /// Declared licenses, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
}

/// Everything found in one top-level archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// Artifacts.
    pub artifacts: Vec<Artifact>,
    /// Problems (`WEB-INF/lib/x.jar: entry expands past 67108864 bytes`).
    pub errors: Vec<String>,
    /// Odd but read (`x.jar: no version in its manifest or file name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Read a zip archive (and nested archives) from memory.
#[must_use]
pub fn scan(data: &[u8]) -> Scan {
    scan_file("", data)
}

/// [`scan`] an archive whose path is `path` (its file name can name it).
#[must_use]
pub fn scan_file(path: &str, data: &[u8]) -> Scan {
    let mut out = Scan::default();
    if !data.starts_with(b"PK") {
        let what = if data.is_empty() {
            "an empty file".to_string()
        } else {
            let head: String = data
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ");
            format!("it starts with `{head}`")
        };
        out.errors.push(format!(
            "not a zip archive ({what}, a zip starts with `50 4b`)"
        ));
        return out;
    }
    let mut budget = MAX_TOTAL;
    scan_inner(data, "", path, 0, &mut budget, &mut out);
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

/// The `<name>` (else `<url>`) of each `<project><licenses><license>` of
/// a `pom.xml`. A pom that does not parse declares nothing.
fn pom_licenses(xml: &str) -> Vec<String> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }
    let Some(licenses) = child(doc.root_element(), "licenses") else {
        return Vec::new();
    };
    licenses
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "license")
        .filter_map(|l| {
            let text = |name| child(l, name).and_then(|n| n.text()).map(str::trim);
            text("name")
                .filter(|t| !t.is_empty())
                .or_else(|| text("url"))
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        })
        .collect()
}

/// OSGi `Bundle-License`: comma-separated `name;link=url` clauses (quoted
/// names may hold commas); the name (a URL, an SPDX id or text) of each.
fn bundle_licenses(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in v.chars().chain([',']) {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                let name = cur.split(';').next().unwrap_or("").trim().trim_matches('"');
                if !name.is_empty() && name != "<<EXTERNAL>>" {
                    out.push(name.to_string());
                }
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    out
}

/// An identifier-looking manifest value: a dotted name without spaces.
fn identifier(v: &str) -> Option<&str> {
    let v = v.split(';').next()?.trim();
    (!v.is_empty() && !v.contains(char::is_whitespace)).then_some(v)
}

/// Name an archive without `pom.properties` from its manifest, as the
/// module doc says. `None` only when neither the manifest nor the file name
/// gives a name.
fn from_manifest(mf: &[(String, String)], file_name: &str) -> Option<Artifact> {
    let get = |k: &str| {
        mf.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let from_name = from_file_name(file_name);
    let version = get("Implementation-Version")
        .or_else(|| get("Plugin-Version"))
        .or_else(|| get("Bundle-Version"))
        .map(|v| v.split_whitespace().next().unwrap_or(v).to_string())
        .or_else(|| from_name.as_ref().map(|(_, v)| v.clone()))
        .or_else(|| get("Specification-Version").map(str::to_string))
        .unwrap_or_default();
    let jenkins =
        is_plugin_name(file_name) || get("Short-Name").is_some() && get("Group-Id").is_some();
    if jenkins {
        if let Some(short) = get("Short-Name").and_then(identifier) {
            return Some(Artifact {
                inner: String::new(),
                group: get("Group-Id").and_then(identifier).map(str::to_string),
                artifact: short.to_string(),
                version,
                licenses: Vec::new(),
            });
        }
    }
    let vendor_group = get("Implementation-Vendor-Id")
        .and_then(identifier)
        .filter(|g| g.contains('.'))
        .map(str::to_string);
    let modules: Vec<&str> = [get("Automatic-Module-Name"), get("Bundle-SymbolicName")]
        .into_iter()
        .flatten()
        .filter_map(identifier)
        .collect();
    let stem = file_name
        .rsplit('/')
        .next()
        .and_then(|b| b.rsplit_once('.'))
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty());
    let (group, artifact) = if let Some((n, _)) = &from_name {
        // `org.apache.commons.lang3` names `commons-lang3`'s group when its
        // last segment is the artifact's tail.
        let derived = modules.iter().find_map(|m| {
            let (head, tail) = m.rsplit_once('.')?;
            (n == tail || n.ends_with(&format!("-{tail}"))).then(|| head.to_string())
        });
        (vendor_group.or(derived), n.clone())
    } else if let Some(m) = modules.first() {
        match &vendor_group {
            Some(g) => {
                let rest = m
                    .strip_prefix(g.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .filter(|r| !r.is_empty());
                match rest {
                    Some(r) => (vendor_group.clone(), r.to_string()),
                    None => (None, (*m).to_string()),
                }
            }
            None => (None, (*m).to_string()),
        }
    } else {
        (vendor_group, stem?.to_string())
    };
    Some(Artifact {
        inner: String::new(),
        group,
        artifact,
        version,
        licenses: Vec::new(),
    })
}

fn is_plugin_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".hpi") || lower.ends_with(".jpi")
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
            let dir = e.name.trim_end_matches("pom.properties");
            let licenses = list
                .iter()
                .find(|x| {
                    x.name.len() == dir.len() + 7
                        && x.name.starts_with(dir)
                        && x.name.ends_with("pom.xml")
                })
                .and_then(|x| inflate(x, budget).ok())
                .map(|xml| pom_licenses(&String::from_utf8_lossy(&xml)))
                .unwrap_or_default();
            out.artifacts.push(Artifact {
                inner: inner.to_string(),
                group: get("groupId"),
                artifact,
                version,
                licenses,
            });
        }
    }
    let mf_licenses = || {
        mf.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Bundle-License"))
            .map(|(_, v)| bundle_licenses(v))
            .unwrap_or_default()
    };
    if found_pom {
        // pom.xml had none: the manifest may.
        for a in out
            .artifacts
            .iter_mut()
            .filter(|a| a.inner == inner && a.licenses.is_empty())
        {
            a.licenses = mf_licenses();
        }
    } else if let Some(mut a) = from_manifest(&mf, file_name) {
        a.inner = inner.to_string();
        a.licenses = mf_licenses();
        if a.version.is_empty() {
            let what = if inner.is_empty() {
                "the archive"
            } else {
                inner
            };
            out.notes.push(format!(
                "{what}: no version in its manifest or file name: listed with an unknown version"
            ));
        }
        out.artifacts.push(a);
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
        let s: Scan = match serde_json::from_slice(bytes) {
            Ok(s) => s,
            Err(e) => {
                sink.warn(NAME, path, format!("internal: {e}"));
                continue;
            }
        };
        for e in s.errors {
            sink.warn(NAME, path, e);
        }
        for n in s.notes {
            sink.note(NAME, path, n);
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
                licenses: super::license::normalize_all(a.licenses.iter().map(String::as_str)),
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
        let s = scan_file("srv/shop.war", &war);
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

    fn manifest_fixture(name: &str) -> Vec<u8> {
        let p = crate::testutil::fixture(&format!("java/manifests/{name}"));
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// (group, artifact, version, licenses) of a jar holding only `mf` as
    /// its manifest, named `file`.
    fn named(file: &str, mf: &[u8]) -> (Option<String>, String, String, Vec<String>) {
        let jar = zip(&[("META-INF/MANIFEST.MF", mf, true)]);
        let s = scan_file(file, &jar);
        assert!(s.errors.is_empty(), "{s:?}");
        assert_eq!(s.artifacts.len(), 1, "{s:?}");
        let a = s.artifacts[0].clone();
        (a.group, a.artifact, a.version, a.licenses)
    }

    /// Jars without `pom.properties` are named from the manifest's
    /// identifiers and the file name, never from `Implementation-Title` or
    /// `Bundle-Name` (real Debian 12 manifests; Micronaut and Jenkins
    /// shapes, see `resources/test/fixtures/java/README.md`).
    #[test]
    fn jars_without_pom_are_named_from_their_manifests() {
        let lang = manifest_fixture("commons-lang3-3.12.0.MF");
        assert_eq!(
            named("app/lib/commons-lang3-3.12.0.jar", &lang),
            (
                Some("org.apache.commons".into()),
                "commons-lang3".into(),
                "3.12.0".into(),
                vec![]
            )
        );
        assert_eq!(
            named("app/lib/lang.jar", &lang),
            (
                None,
                "org.apache.commons.lang3".into(),
                "3.12.0".into(),
                vec![]
            )
        );
        let databind = manifest_fixture("jackson-databind-2.14.0.MF");
        assert_eq!(
            named("app/lib/jackson-databind-2.14.0.jar", &databind),
            (
                Some("com.fasterxml.jackson.core".into()),
                "jackson-databind".into(),
                "2.14.0".into(),
                vec!["https://www.apache.org/licenses/LICENSE-2.0.txt".into()]
            )
        );
        assert_eq!(
            named("app/lib/databind.jar", &databind).1,
            "jackson-databind",
            "Bundle-SymbolicName less Implementation-Vendor-Id"
        );
        let micronaut = manifest_fixture("micronaut-core.MF");
        assert_eq!(
            named("app/lib/micronaut-core-4.2.0.jar", &micronaut),
            (
                Some("io.micronaut".into()),
                "micronaut-core".into(),
                "4.2.0".into(),
                vec![]
            )
        );
        assert_eq!(named("app/lib/core.jar", &micronaut).1, "io.micronaut.core");
        let git = manifest_fixture("git-plugin.MF");
        assert_eq!(
            named("var/jenkins_home/plugins/git.hpi", &git),
            (
                Some("org.jenkins-ci.plugins".into()),
                "git".into(),
                "5.2.1".into(),
                vec![]
            )
        );
        // Nothing but a file name without a version: named, version unknown, a note.
        let jar = zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n", true)]);
        let s = scan_file("opt/tool.jar", &jar);
        assert_eq!(
            (
                s.artifacts[0].artifact.as_str(),
                s.artifacts[0].version.as_str()
            ),
            ("tool", "")
        );
        assert_eq!(
            s.notes,
            ["the archive: no version in its manifest or file name: listed with an unknown version"]
        );
    }

    /// Licenses from the `pom.xml` beside `pom.properties` (Debian 12's
    /// jackson-core 2.14.1 pom).
    #[test]
    fn pom_xml_licenses() {
        let pom = manifest_fixture("jackson-core-2.14.1.pom.xml");
        assert_eq!(
            pom_licenses(&String::from_utf8_lossy(&pom)),
            ["The Apache Software License, Version 2.0"]
        );
        let jar = zip(&[
            (
                "META-INF/maven/com.fasterxml.jackson.core/jackson-core/pom.properties",
                b"groupId=com.fasterxml.jackson.core\nartifactId=jackson-core\nversion=2.14.1\n",
                true,
            ),
            (
                "META-INF/maven/com.fasterxml.jackson.core/jackson-core/pom.xml",
                &pom,
                true,
            ),
        ]);
        let s = scan_file("app/lib/jackson-core-2.14.1.jar", &jar);
        assert_eq!(
            s.artifacts[0].licenses,
            ["The Apache Software License, Version 2.0"]
        );
        assert!(pom_licenses("<not xml").is_empty());
        assert_eq!(
            bundle_licenses("\"Apache License, Version 2.0\";link=\"https://x\", MIT"),
            ["Apache License, Version 2.0", "MIT"]
        );
    }

    /// A file named `.jar` that is not a zip is a warning naming it.
    #[test]
    fn not_a_zip_is_a_warning() {
        let s = scan_file("x.jar", b"#!/bin/sh\nexec java\n");
        assert_eq!(
            s.errors,
            ["not a zip archive (it starts with `23 21 2f 62 69 6e 2f 73`, a zip starts with `50 4b`)"]
        );
        let r = crate::testutil::run("java/not-zip", NAME);
        assert!(r.packages.is_empty(), "{r:?}");
        assert_eq!(r.warnings.len(), 1, "{r:?}");
        assert_eq!(r.warnings[0].path, "/app/lib/launcher.jar");
        assert!(
            r.warnings[0].message.starts_with("not a zip archive"),
            "{r:?}"
        );
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
