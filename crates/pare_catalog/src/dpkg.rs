//! `dpkg-db`: Debian and Ubuntu packages from dpkg's database.
//!
//! ## What it does
//! Reads `/var/lib/dpkg/status` (one paragraph per package) and
//! distroless's `/var/lib/dpkg/status.d/*` (one file per package), keeping
//! packages whose `Status` says they are installed. Each package gets its
//! Debian *source* package and version (the `Source:` field, also in its
//! `Source: name (version)` form), which vulnerability feeds key on, its
//! architecture, the files it owns from `info/<pkg>.list` (directories
//! dropped), or from `*.md5sums` when no list exists, and the licenses its
//! `/usr/share/doc/<pkg>/copyright` declares ([`super::copyright`], through
//! the doc directory's symlinks: `libgcc-s1` → `gcc-12-base`).
//!
//! `status.d` also holds other files beside the records (`*.md5sums`,
//! `*.list`, `*.conffiles`, maintainer scripts like `*.preinst`): a file
//! is read as records only when its content is a control file (its first
//! line is a `Field: value`) with a `Package` field, so a script is never a
//! package. A paragraph without `Package` and an installed package without
//! `Version` are odd but readable: a note naming the file and line (the
//! package is kept, its version unknown), never an incomplete SBOM. A
//! paragraph that does not parse is a warning: a package may be missing.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Debian advisories name source packages
//! (`openssl`), not binary ones (`libssl3`), so a scanner needs both.
//!
//! ## Example
//! ```text
//! Package: libssl3
//! Status: install ok installed
//! Source: openssl
//! Version: 3.0.15-1~deb12u1
//! Architecture: amd64
//! ```
//! becomes `pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! `status` is one file rewritten by every `apt-get install`, so its own
//! layer says nothing about a package. A package's layer is the layer of its
//! `info/<pkg>.list` file, which dpkg writes when (and only when) it
//! installs or upgrades that package; without a list, the status file's
//! layer. A `status.d` file is per package, so its own layer is used.
//!
//! ## References
//! - <https://man7.org/linux/man-pages/man5/deb-control.5.html>
//! - <https://www.debian.org/doc/debian-policy/ch-controlfields.html#source>

use super::purl::purl;
use super::{fields, paragraphs, Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{Kind, Probe};
use std::sync::Arc;

/// Cataloger name.
pub const NAME: &str = "dpkg-db";
/// Output version.
pub const VERSION: u32 = 2;
/// Files read.
pub const GLOBS: &[&str] = &[
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/*",
    "var/lib/dpkg/info/*.list",
    "var/lib/dpkg/info/*.md5sums",
];

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: Some(probe),
    run,
};

fn probe() -> Arc<dyn Probe> {
    Arc::new(CopyrightProbe)
}

/// Reads `usr/share/doc/*/copyright` during the pass and keeps only the
/// license names (one per line), not the text: the files are small, but
/// there is one per package.
struct CopyrightProbe;

impl Probe for CopyrightProbe {
    fn name(&self) -> &'static str {
        NAME
    }
    fn wants(&self, path: &str, size: u64, _mode: u32, _head: &[u8]) -> bool {
        size <= super::copyright::MAX_LEN as u64
            && path
                .strip_prefix("usr/share/doc/")
                .and_then(|p| p.strip_suffix("/copyright"))
                .is_some_and(|pkg| !pkg.is_empty() && !pkg.contains('/'))
    }
    fn probe(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let names = super::copyright::licenses(&String::from_utf8_lossy(data));
        Some(names.join("\n").into_bytes())
    }
    fn reads_code(&self) -> bool {
        false
    }
}

/// One package paragraph, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// `Package`.
    pub name: String,
    /// `Version` (empty when the paragraph has none).
    pub version: String,
    /// `Architecture`.
    pub arch: Option<String>,
    /// `Source` name.
    pub source: Option<String>,
    /// Version in `Source: name (version)`.
    pub source_version: Option<String>,
    /// `Status` (`install ok installed`).
    pub status: Option<String>,
    /// First line of the paragraph in its file.
    pub line: usize,
}

impl Stanza {
    /// Whether dpkg considers the package installed (not removed, not just
    /// config files left).
    #[must_use]
    pub fn installed(&self) -> bool {
        match &self.status {
            None => true,
            Some(s) => {
                let state = s.split_whitespace().nth(2).unwrap_or("");
                !matches!(state, "not-installed" | "config-files")
            }
        }
    }
}

/// One paragraph of a status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paragraph {
    /// A package record.
    Package(Stanza),
    /// A paragraph without a `Package` field: not a record (a note).
    NotAPackage(String),
    /// A paragraph that does not parse (a warning: a package may be lost).
    Malformed(String),
}

/// Parse a status file, one [`Paragraph`] per paragraph, so that a bad one
/// does not cost the others.
#[must_use]
pub fn parse_status(text: &str) -> Vec<Paragraph> {
    paragraphs(text)
        .into_iter()
        .map(|(line, para)| parse_stanza(para, line))
        .collect()
}

/// Whether a `status.d` file is a control file (records), by content: its
/// first non-blank line is a `Field: value` with a valid field name, and a
/// line starts with `Package:`. Scripts, file lists, checksums and
/// conffiles lists are not.
#[must_use]
pub fn is_control_file(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let Some((field, _)) = first.split_once(':') else {
        return false;
    };
    let name_ok = field.starts_with(|c: char| c.is_ascii_alphanumeric())
        && field
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '#' && c != ':');
    name_ok
        && text.lines().any(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.eq_ignore_ascii_case("Package"))
        })
}

fn parse_stanza(para: &str, line: usize) -> Paragraph {
    let f = match fields(para, line) {
        Ok(f) => f,
        Err(e) => return Paragraph::Malformed(e),
    };
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let Some(name) = get("Package").filter(|s| !s.is_empty()) else {
        return Paragraph::NotAPackage(format!(
            "line {line}: paragraph without `Package`: skipped"
        ));
    };
    let version = get("Version").unwrap_or_default();
    let (source, source_version) = match get("Source") {
        Some(s) => {
            let s = s.trim();
            match s.split_once('(') {
                Some((n, v)) => (
                    Some(n.trim().to_string()),
                    Some(v.trim_end_matches(')').trim().to_string()),
                ),
                None => (Some(s.to_string()), None),
            }
        }
        None => (None, None),
    };
    Paragraph::Package(Stanza {
        name,
        version,
        arch: get("Architecture"),
        source: source.filter(|s| !s.is_empty()),
        source_version: source_version.filter(|s| !s.is_empty()),
        status: get("Status"),
        line,
    })
}

/// Licenses from the package's `copyright` file (as the probe extracted
/// them), normalised to SPDX where they name one.
fn licenses(
    cx: &Ctx<'_>,
    copyrights: &std::collections::HashMap<&str, &[u8]>,
    name: &str,
) -> Vec<String> {
    let path = format!("/usr/share/doc/{name}/copyright");
    let real = cx.idx.resolve(&path).unwrap_or(path);
    let Some(bytes) = copyrights.get(real.as_str()) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(bytes);
    super::license::normalize_all(text.lines())
}

/// Owned files of `name` from its `.list` (or `.md5sums`) under `dir`,
/// returning them with the layer of the list file.
fn owned(cx: &Ctx<'_>, dir: &str, stanza: &Stanza) -> (Vec<String>, Option<usize>) {
    let mut names = vec![stanza.name.clone()];
    if let Some(a) = &stanza.arch {
        names.push(format!("{}:{a}", stanza.name));
    }
    for n in &names {
        let list = format!("{dir}/{n}.list");
        if let (Some(bytes), Some(e)) = (cx.idx.contents(&list), cx.idx.get(&list)) {
            return (list_files(cx, bytes), Some(e.layer));
        }
    }
    for n in &names {
        let sums = format!("{dir}/{n}.md5sums");
        if let (Some(bytes), Some(e)) = (cx.idx.contents(&sums), cx.idx.get(&sums)) {
            return (md5sums_files(bytes), Some(e.layer));
        }
    }
    (Vec::new(), None)
}

/// The files of a `.list` (directories dropped).
fn list_files(cx: &Ctx<'_>, bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('/') && *l != "/.")
        .filter(|l| cx.idx.get(l).is_none_or(|e| e.kind != Kind::Dir))
        .map(str::to_string)
        .collect()
}

fn md5sums_files(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(_, p)| format!("/{}", p.trim().trim_start_matches('/')))
        .collect()
}

fn package(
    cx: &Ctx<'_>,
    s: &Stanza,
    db: &str,
    files: Vec<String>,
    layer: usize,
    licenses: Vec<String>,
) -> Package {
    let distro = cx.distro_qualifier();
    let ns = cx.distro.map_or("debian", |d| d.id.as_str());
    let upstream = match (&s.source, &s.source_version) {
        (Some(n), Some(v)) if n != &s.name || v != &s.version => Some(format!("{n}@{v}")),
        (Some(n), _) if n != &s.name => Some(n.clone()),
        _ => None,
    };
    Package {
        name: s.name.clone(),
        version: s.version.clone(),
        ecosystem: Ecosystem::Deb,
        purl: purl(
            "deb",
            Some(ns),
            &s.name,
            &s.version,
            &[
                ("arch", s.arch.as_deref()),
                ("distro", distro.as_deref()),
                ("upstream", upstream.as_deref()),
            ],
        ),
        source_name: Some(s.source.clone().unwrap_or_else(|| s.name.clone())),
        source_version: s
            .source_version
            .clone()
            .or_else(|| Some(s.version.clone()))
            .filter(|v| !v.is_empty()),
        arch: s.arch.clone(),
        licenses,
        layer: cx.layer_ref(layer),
        locations: vec![db.to_string()],
        files,
        dev: false,
        cataloger: NAME,
    }
}

/// Record one paragraph: a package, a note or a warning.
fn record(
    cx: &Ctx<'_>,
    sink: &mut Sink,
    path: &str,
    para: Paragraph,
    place: impl FnOnce(&Stanza) -> (Vec<String>, usize),
    licenses: impl FnOnce(&str) -> Vec<String>,
) {
    match para {
        Paragraph::Package(s) if s.installed() => {
            if s.version.is_empty() {
                sink.note(
                    NAME,
                    path,
                    format!(
                        "line {}: package `{}` has no `Version`: listed with an unknown version",
                        s.line, s.name
                    ),
                );
            }
            let (files, layer) = place(&s);
            let lic = licenses(&s.name);
            sink.packages.push(package(cx, &s, path, files, layer, lic));
        }
        Paragraph::Package(_) => {}
        Paragraph::NotAPackage(m) => sink.note(NAME, path, m),
        Paragraph::Malformed(m) => sink.warn(NAME, path, m),
    }
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    const STATUS: &str = "/var/lib/dpkg/status";
    let copyrights: std::collections::HashMap<&str, &[u8]> = cx.idx.probe_results(NAME).collect();
    let lic = |name: &str| licenses(cx, &copyrights, name);
    if let (Some(bytes), Some(entry)) = (cx.idx.contents(STATUS), cx.idx.get(STATUS)) {
        let text = String::from_utf8_lossy(bytes);
        for para in parse_status(&text) {
            let place = |s: &Stanza| {
                let (files, list_layer) = owned(cx, "/var/lib/dpkg/info", s);
                (files, list_layer.unwrap_or(entry.layer))
            };
            record(cx, sink, STATUS, para, place, lic);
        }
    }
    let dir = "/var/lib/dpkg/status.d";
    let files: Vec<(String, usize)> = cx
        .idx
        .under(dir)
        .filter(|(p, e)| e.is_file() && p.rsplit_once('/').is_some_and(|(d, _)| d == dir))
        .map(|(p, e)| (p.to_string(), e.layer))
        .collect();
    for (path, layer) in files {
        let Some(bytes) = cx.idx.contents(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        if !is_control_file(&text) {
            continue; // a script, a file list, checksums: not records
        }
        for para in parse_status(&text) {
            let place = |s: &Stanza| {
                let list = cx
                    .idx
                    .contents(&format!("{path}.list"))
                    .or_else(|| cx.idx.contents(&format!("{dir}/{}.list", s.name)));
                let files = match list {
                    Some(l) => list_files(cx, l),
                    None => cx
                        .idx
                        .contents(&format!("{path}.md5sums"))
                        .map(md5sums_files)
                        .unwrap_or_default(),
                };
                (files, layer)
            };
            record(cx, sink, &path, para, place, lic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::run;

    #[test]
    fn status_file() {
        let r = run("dpkg/status", NAME);
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn distroless_status_d() {
        let r = run("dpkg/status-d", NAME);
        insta::assert_json_snapshot!(r);
    }

    /// A paragraph that does not parse is a warning (a package may be
    /// lost); an installed package without `Version` is kept, with a note.
    #[test]
    fn malformed_paragraph_warns_and_keeps_the_rest() {
        let r = run("dpkg/malformed", NAME);
        let names: Vec<_> = r
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(names, [("good", "1.0"), ("noversion", "")], "{r:?}");
        assert_eq!(r.warnings.len(), 1, "{r:?}");
        assert_eq!(r.notes.len(), 1, "{r:?}");
        assert!(
            r.notes[0]
                .message
                .starts_with("line 8: package `noversion` has no `Version`"),
            "{r:?}"
        );
        insta::assert_json_snapshot!(r);
    }

    /// A distroless-style `status.d` with maintainer scripts, file lists,
    /// conffiles and checksums beside the records (the names and contents
    /// of `libpam-runtime`'s info files in Debian 12; the `.preinst` is
    /// syft's `glob-paths` fixture), a record file that opens with a
    /// paragraph without `Package`, and one whose package has no `Version`
    /// (syft's `status.d/doc-examples` style): only the records are
    /// packages, the odd paragraphs are notes, nothing is a warning.
    #[test]
    fn status_d_reads_records_by_content() {
        let r = run("dpkg/status-d-scripts", NAME);
        let names: Vec<_> = r
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("libpam-runtime", "1.5.2-6+deb12u3"),
                ("mutt", ""),
                ("zlib1g", "1:1.2.13.dfsg-1+deb12u1")
            ],
            "{r:?}"
        );
        assert!(r.warnings.is_empty(), "{r:?}");
        let notes: Vec<_> = r.notes.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "/var/lib/dpkg/status.d/mutt: line 1: package `mutt` has no `Version`: listed with an unknown version (dpkg-db)",
                "/var/lib/dpkg/status.d/zlib1g: line 1: paragraph without `Package`: skipped (dpkg-db)",
            ]
        );
        let pam = &r.packages[0];
        assert!(
            pam.files.iter().any(|f| f == "/usr/sbin/pam-auth-update"),
            "the .list beside the record: {pam:?}"
        );
        for l in [
            "BSD-3-Clause",
            "GPL-2.0-or-later",
            "public-domain",
            "GPL-3+ with Bison exception",
        ] {
            assert!(
                pam.licenses.iter().any(|x| x == l),
                "{l} in {:?}",
                pam.licenses
            );
        }
        assert_eq!(r.packages[2].licenses, ["Zlib"]);
        assert!(r.packages[1].licenses.is_empty());
    }

    #[test]
    fn control_files_by_content() {
        assert!(is_control_file("Package: a\nVersion: 1\n"));
        assert!(is_control_file(
            "\nStatus: install ok installed\n\nPackage: a\n"
        ));
        assert!(!is_control_file("#!/bin/sh\nset -e\nPackage: x\n"));
        assert!(!is_control_file("/.\n/usr\n/usr/bin/x\n"));
        assert!(!is_control_file(
            "d41d8cd98f00b204e9800998ecf8427e  usr/bin/x\n"
        ));
        assert!(!is_control_file("Template: x/y\nType: boolean\n"));
        assert!(!is_control_file(""));
    }

    /// Copyright files are read through the doc directory's symlink, and
    /// only for installed packages.
    #[test]
    fn licenses_from_copyright_files() {
        let r = run("dpkg/status", NAME);
        let lic: Vec<_> = r
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.licenses.clone()))
            .collect();
        insta::assert_json_snapshot!(lic);
    }

    #[test]
    fn source_with_version() {
        let s = parse_status(
            "Package: bsdutils\nVersion: 1:2.38.1-5+b1\nSource: util-linux (2.38.1-5)\n",
        );
        let Paragraph::Package(s) = &s[0] else {
            panic!("{s:?}")
        };
        assert_eq!(s.source.as_deref(), Some("util-linux"));
        assert_eq!(s.source_version.as_deref(), Some("2.38.1-5"));
    }

    #[test]
    fn never_panics_on_garbage() {
        for input in [
            "",
            ":",
            "\n \n",
            " x\n",
            "Package\n",
            "Package: a\n\tb\n",
            "\u{feff}Package: x",
        ] {
            let _ = parse_status(input);
            let _ = is_control_file(input);
        }
    }
}
