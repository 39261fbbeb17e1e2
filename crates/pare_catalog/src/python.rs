//! `python-package`: installed Python distributions.
//!
//! ## What it does
//! Reads every `*.dist-info/METADATA` (wheels, pip) with its `RECORD` (the
//! files the distribution installed), every `*.egg-info/PKG-INFO` or
//! `*.egg-info` file (setuptools, distro packages), and the
//! `EGG-INFO/PKG-INFO` of eggs unpacked as directories
//! (`site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO`, easy_install and
//! buildout), in any letter case of the directory suffix (`.DIST-INFO`,
//! `.Egg-Info`). Names are normalised per PEP 503 (`Flask_SQLAlchemy` →
//! `flask-sqlalchemy`), which is how PyPI and OSV key them. Licenses come
//! from `License-Expression`, else a one-line `License`, else the
//! `License ::` classifiers, normalised to SPDX where they name one
//! ([`super::license`]).
//!
//! Metadata without a `Version` header is odd but readable: the
//! distribution is kept with the version its directory name carries
//! (`foo-1.2.dist-info`), else an unknown one, and a note says so. Metadata
//! without a `Name`, or with a broken header line (a truncated file), is a
//! warning: a package may be missing.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger.
//!
//! ## Example
//! `usr/local/lib/python3.11/dist-packages/flask-3.0.3.dist-info/METADATA`
//! with `Name: Flask` and `Version: 3.0.3` becomes `pkg:pypi/flask@3.0.3`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The layer of the `METADATA` (or `PKG-INFO`) file.
//!
//! ## References
//! - <https://packaging.python.org/en/latest/specifications/core-metadata/>
//! - <https://packaging.python.org/en/latest/specifications/recording-installed-packages/>
//! - <https://peps.python.org/pep-0503/#normalized-names>

use super::purl::purl;
use super::{truncate, Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};

/// Cataloger name.
pub const NAME: &str = "python-package";
/// Output version.
pub const VERSION: u32 = 1;
/// Files read (globs are case-sensitive, so the suffixes are spelled in
/// any case with classes).
pub const GLOBS: &[&str] = &[
    "**/*.[dD][iI][sS][tT]-[iI][nN][fF][oO]/METADATA",
    "**/*.[dD][iI][sS][tT]-[iI][nN][fF][oO]/RECORD",
    "**/*.[eE][gG][gG]-[iI][nN][fF][oO]/PKG-INFO",
    "**/*.[eE][gG][gG]-[iI][nN][fF][oO]",
    "**/*.[eE][gG][gG]/EGG-INFO/PKG-INFO",
];

/// What kind of metadata file `path` is, by its (case-insensitive) suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetaKind {
    /// `X.dist-info/METADATA`.
    DistInfo,
    /// `X.egg-info/PKG-INFO`.
    EggInfoDir,
    /// `X.egg-info` (a file).
    EggInfoFile,
    /// `X.egg/EGG-INFO/PKG-INFO`.
    Egg,
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn meta_kind(path: &str) -> Option<(MetaKind, &str)> {
    if let Some(dir) = path.strip_suffix("/METADATA") {
        return ends_with_ci(dir, ".dist-info").then_some((MetaKind::DistInfo, dir));
    }
    if let Some(dir) = path.strip_suffix("/EGG-INFO/PKG-INFO") {
        if ends_with_ci(dir, ".egg") {
            return Some((MetaKind::Egg, dir));
        }
    }
    if let Some(dir) = path.strip_suffix("/PKG-INFO") {
        return ends_with_ci(dir, ".egg-info").then_some((MetaKind::EggInfoDir, dir));
    }
    ends_with_ci(path, ".egg-info").then_some((MetaKind::EggInfoFile, path))
}

/// The version in a metadata directory's name (`Flask-3.0.3.dist-info`,
/// `foo-1.0-py3.11.egg`): the part after the first `-`, up to the next `-`.
fn version_from_dir(dir: &str) -> Option<String> {
    let base = dir.rsplit('/').next()?;
    let stem = base.rsplit_once('.')?.0;
    let (_, rest) = stem.split_once('-')?;
    let v = rest.split('-').next()?;
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: None,
    run,
};

/// Core metadata fields pare uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// `Name`, as written.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// Licenses.
    pub licenses: Vec<String>,
}

/// PEP 503 normalisation (the workspace's one normaliser).
pub use pare_findings::pep503_normalize as normalize;

/// Parse the header section of a METADATA / PKG-INFO file. `version` is
/// empty when the file has no `Version` header.
///
/// # Errors
/// A message naming the line when `Name` is missing or a header line is
/// malformed.
pub fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let mut m = Metadata::default();
    let mut license: Option<String> = None;
    let mut expression: Option<String> = None;
    let mut classifiers: Vec<String> = Vec::new();
    let mut last_line = 0;
    for (i, line) in text.lines().enumerate() {
        last_line = i + 1;
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue; // continuation of a multi-line header (Description, License)
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!(
                "line {}: expected `Header: value`, found `{}`",
                i + 1,
                truncate(line, 40)
            ));
        };
        let v = v.trim();
        match k.to_ascii_lowercase().as_str() {
            "name" => v.clone_into(&mut m.name),
            "version" => v.clone_into(&mut m.version),
            "license" => license = Some(v.to_string()),
            "license-expression" => expression = Some(v.to_string()),
            "classifier" => {
                if let Some(l) = v.strip_prefix("License :: ") {
                    let l = l.rsplit(" :: ").next().unwrap_or(l).trim();
                    if !l.is_empty() {
                        classifiers.push(l.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if m.name.is_empty() {
        return Err(format!(
            "line {last_line}: no `Name` header (truncated metadata?)"
        ));
    }
    let declared = if let Some(e) = expression.filter(|e| !e.is_empty()) {
        vec![e]
    } else if let Some(l) = license.filter(|l| !l.is_empty() && l != "UNKNOWN" && l.len() < 100) {
        vec![l]
    } else {
        classifiers
    };
    m.licenses = super::license::normalize_all(declared.iter().map(String::as_str));
    Ok(m)
}

/// Paths listed in a RECORD file, made absolute against `site` (the
/// directory holding the `.dist-info`).
#[must_use]
pub fn record_files(text: &str, site: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let path = if let Some(rest) = line.strip_prefix('"') {
            rest.split_once("\",")
                .map_or(rest, |(p, _)| p)
                .replace("\"\"", "\"")
        } else {
            line.split(',').next().unwrap_or("").to_string()
        };
        if path.is_empty() {
            continue;
        }
        let joined = if path.starts_with('/') {
            path
        } else {
            format!("{site}/{path}")
        };
        let mut parts: Vec<&str> = Vec::new();
        for p in joined.split('/') {
            match p {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        out.push(format!("/{}", parts.join("/")));
    }
    out
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    let metas: Vec<(&str, &[u8], MetaKind, &str)> = cx
        .idx
        .captured()
        .into_iter()
        .filter_map(|(p, b)| meta_kind(p).map(|(k, dir)| (p, b, k, dir)))
        .collect();
    for (path, bytes, kind, meta_dir) in metas {
        let mut m = match parse_metadata(&String::from_utf8_lossy(bytes)) {
            Ok(m) => m,
            Err(e) => {
                sink.warn(NAME, path, e);
                continue;
            }
        };
        if m.version.is_empty() {
            match version_from_dir(meta_dir) {
                Some(v) => {
                    sink.note(
                        NAME,
                        path,
                        format!("no `Version` header: version `{v}` from the directory name"),
                    );
                    m.version = v;
                }
                None => sink.note(
                    NAME,
                    path,
                    format!(
                        "`{}` has no `Version` header: listed with an unknown version",
                        m.name
                    ),
                ),
            }
        }
        let site = meta_dir.rsplit_once('/').map_or("", |(d, _)| d);
        let files = if kind == MetaKind::DistInfo {
            let record = format!("{meta_dir}/RECORD");
            cx.idx
                .contents(&record)
                .map(|r| record_files(&String::from_utf8_lossy(r), site))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let name = normalize(&m.name);
        sink.packages.push(Package {
            purl: purl("pypi", None, &name, &m.version, &[]),
            name,
            version: m.version,
            ecosystem: Ecosystem::Pypi,
            source_name: None,
            source_version: None,
            arch: None,
            licenses: m.licenses,
            layer: cx.layer_of(path),
            locations: vec![path.to_string()],
            files,
            dev: false,
            cataloger: NAME,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::run;

    #[test]
    fn kinds_and_versions_from_names() {
        assert_eq!(
            meta_kind("/s/Flask-3.0.3.DIST-INFO/METADATA"),
            Some((MetaKind::DistInfo, "/s/Flask-3.0.3.DIST-INFO"))
        );
        assert_eq!(
            meta_kind("/s/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO"),
            Some((MetaKind::Egg, "/s/foo-1.0-py3.11.egg"))
        );
        assert_eq!(
            meta_kind("/s/x.Egg-Info"),
            Some((MetaKind::EggInfoFile, "/s/x.Egg-Info"))
        );
        assert_eq!(meta_kind("/s/x/METADATA"), None);
        assert_eq!(meta_kind("/s/x/PKG-INFO"), None);
        assert_eq!(
            version_from_dir("/s/foo-1.0-py3.11.egg").as_deref(),
            Some("1.0")
        );
        assert_eq!(
            version_from_dir("/s/Flask-3.0.3.dist-info").as_deref(),
            Some("3.0.3")
        );
        assert_eq!(version_from_dir("/s/legacy.egg-info"), None);
    }

    /// Eggs unpacked as directories, upper-case suffixes and metadata
    /// without a version (`python/eggs`: the PKG-INFO files are those of
    /// real distributions, trimmed to their headers; see its README).
    #[test]
    fn eggs_cases_and_missing_versions() {
        let r = run("python/eggs", NAME);
        assert!(r.warnings.is_empty(), "{r:?}");
        let got: Vec<_> = r
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.licenses.clone()))
            .collect();
        insta::assert_json_snapshot!(got);
        let notes: Vec<_> = r.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            notes,
            [
                "`noversion` has no `Version` header: listed with an unknown version",
                "no `Version` header: version `2.0.1` from the directory name",
            ],
            "{r:?}"
        );
    }

    #[test]
    fn site_packages() {
        let r = run("python/site", NAME);
        assert_eq!(r.warnings.len(), 1, "{r:?}");
        assert!(r.warnings[0]
            .path
            .ends_with("broken-1.0.dist-info/METADATA"));
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn record_paths_resolve_dotdot() {
        let f = record_files(
            "flask/__init__.py,sha256=x,1\n../../../bin/flask,,\n\"a,b.py\",,\n",
            "/usr/lib/python3/site-packages",
        );
        assert_eq!(
            f,
            vec![
                "/usr/lib/python3/site-packages/flask/__init__.py",
                "/usr/bin/flask",
                "/usr/lib/python3/site-packages/a,b.py"
            ]
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        for input in [
            "",
            "Name",
            "Name: x\n",
            ":\n",
            "Version: 1\n\nName: x",
            "\u{0}",
        ] {
            let _ = parse_metadata(input);
            let _ = record_files(input, "/");
        }
    }
}
