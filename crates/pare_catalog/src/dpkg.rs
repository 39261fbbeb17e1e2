//! `dpkg-db`: Debian and Ubuntu packages from dpkg's database.
//!
//! ## What it does
//! Reads `/var/lib/dpkg/status` (one paragraph per package) and
//! distroless's `/var/lib/dpkg/status.d/*` (one file per package), keeping
//! packages whose `Status` says they are installed. Each package gets its
//! Debian *source* package and version (the `Source:` field, also in its
//! `Source: name (version)` form), which vulnerability feeds key on, its
//! architecture, and the files it owns from `info/<pkg>.list` (directories
//! dropped), or from `*.md5sums` when no list exists.
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
use pare_fsindex::Kind;

/// Cataloger name.
pub const NAME: &str = "dpkg-db";
/// Output version.
pub const VERSION: u32 = 1;
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
    probe: None,
    run,
};

/// One package paragraph, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// `Package`.
    pub name: String,
    /// `Version`.
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

/// Parse a status file. Bad paragraphs come back as `Err(message)` in
/// place, so the others survive.
#[must_use]
pub fn parse_status(text: &str) -> Vec<Result<Stanza, String>> {
    paragraphs(text)
        .into_iter()
        .map(|(line, para)| parse_stanza(para, line))
        .collect()
}

fn parse_stanza(para: &str, line: usize) -> Result<Stanza, String> {
    let f = fields(para, line)?;
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let name = get("Package")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("line {line}: paragraph without `Package`"))?;
    let version = get("Version")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("line {line}: package `{name}` without `Version`"))?;
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
    Ok(Stanza {
        name,
        version,
        arch: get("Architecture"),
        source: source.filter(|s| !s.is_empty()),
        source_version: source_version.filter(|s| !s.is_empty()),
        status: get("Status"),
        line,
    })
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
            let files = String::from_utf8_lossy(bytes)
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with('/') && *l != "/.")
                .filter(|l| cx.idx.get(l).is_none_or(|e| e.kind != Kind::Dir))
                .map(str::to_string)
                .collect();
            return (files, Some(e.layer));
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

fn md5sums_files(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(_, p)| format!("/{}", p.trim().trim_start_matches('/')))
        .collect()
}

fn package(cx: &Ctx<'_>, s: &Stanza, db: &str, files: Vec<String>, layer: usize) -> Package {
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
        source_version: Some(
            s.source_version
                .clone()
                .unwrap_or_else(|| s.version.clone()),
        ),
        arch: s.arch.clone(),
        licenses: Vec::new(),
        layer: cx.layer_ref(layer),
        locations: vec![db.to_string()],
        files,
        dev: false,
        cataloger: NAME,
    }
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    const STATUS: &str = "/var/lib/dpkg/status";
    if let (Some(bytes), Some(entry)) = (cx.idx.contents(STATUS), cx.idx.get(STATUS)) {
        let text = String::from_utf8_lossy(bytes);
        for st in parse_status(&text) {
            match st {
                Ok(s) if s.installed() => {
                    let (files, list_layer) = owned(cx, "/var/lib/dpkg/info", &s);
                    let layer = list_layer.unwrap_or(entry.layer);
                    sink.packages.push(package(cx, &s, STATUS, files, layer));
                }
                Ok(_) => {}
                Err(e) => sink.warn(NAME, STATUS, e),
            }
        }
    }
    let dir = "/var/lib/dpkg/status.d";
    let files: Vec<(String, usize)> = cx
        .idx
        .under(dir)
        .filter(|(p, e)| {
            e.is_file()
                && !p.ends_with(".md5sums")
                && p.rsplit_once('/').is_some_and(|(d, _)| d == dir)
        })
        .map(|(p, e)| (p.to_string(), e.layer))
        .collect();
    for (path, layer) in files {
        let Some(bytes) = cx.idx.contents(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        for st in parse_status(&text) {
            match st {
                Ok(s) if s.installed() => {
                    let sums = format!("{path}.md5sums");
                    let owned = cx
                        .idx
                        .contents(&sums)
                        .map(md5sums_files)
                        .unwrap_or_default();
                    sink.packages.push(package(cx, &s, &path, owned, layer));
                }
                Ok(_) => {}
                Err(e) => sink.warn(NAME, &path, e),
            }
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

    #[test]
    fn malformed_paragraph_warns_and_keeps_the_rest() {
        let r = run("dpkg/malformed", NAME);
        assert_eq!(r.packages.len(), 1, "{r:?}");
        assert_eq!(r.warnings.len(), 2, "{r:?}");
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn source_with_version() {
        let s = parse_status(
            "Package: bsdutils\nVersion: 1:2.38.1-5+b1\nSource: util-linux (2.38.1-5)\n",
        );
        let s = s[0].as_ref().unwrap();
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
        }
    }
}
