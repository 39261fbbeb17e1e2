//! `python-package`: installed Python distributions.
//!
//! ## What it does
//! Reads every `*.dist-info/METADATA` (wheels, pip) with its `RECORD` (the
//! files the distribution installed), and every `*.egg-info/PKG-INFO` or
//! `*.egg-info` file (setuptools, distro packages). Names are normalised
//! per PEP 503 (`Flask_SQLAlchemy` → `flask-sqlalchemy`), which is how PyPI
//! and OSV key them. Licenses come from `License-Expression`, else a
//! one-line `License`, else the `License ::` classifiers.
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
/// Files read.
pub const GLOBS: &[&str] = &[
    "**/*.dist-info/METADATA",
    "**/*.dist-info/RECORD",
    "**/*.egg-info/PKG-INFO",
    "**/*.egg-info",
];

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

/// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
#[must_use]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Parse the header section of a METADATA / PKG-INFO file.
///
/// # Errors
/// A message naming the line when `Name` or `Version` is missing or a
/// header line is malformed.
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
    if m.name.is_empty() || m.version.is_empty() {
        return Err(format!(
            "line {last_line}: no `{}` header (truncated metadata?)",
            if m.name.is_empty() { "Name" } else { "Version" }
        ));
    }
    m.licenses = if let Some(e) = expression.filter(|e| !e.is_empty()) {
        vec![e]
    } else if let Some(l) = license.filter(|l| !l.is_empty() && l != "UNKNOWN" && l.len() < 100) {
        vec![l]
    } else {
        classifiers
    };
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
    let metas: Vec<(&str, &[u8])> = cx
        .idx
        .captured()
        .into_iter()
        .filter(|(p, _)| {
            p.ends_with(".dist-info/METADATA")
                || p.ends_with(".egg-info/PKG-INFO")
                || p.ends_with(".egg-info")
        })
        .collect();
    for (path, bytes) in metas {
        let m = match parse_metadata(&String::from_utf8_lossy(bytes)) {
            Ok(m) => m,
            Err(e) => {
                sink.warn(NAME, path, e);
                continue;
            }
        };
        let meta_dir = if path.ends_with(".egg-info") {
            path
        } else {
            path.rsplit_once('/').map_or(path, |(d, _)| d)
        };
        let site = meta_dir.rsplit_once('/').map_or("", |(d, _)| d);
        let files = if meta_dir.ends_with(".dist-info") {
            cx.idx
                .contents(&format!("{meta_dir}/RECORD"))
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
    fn pep503() {
        assert_eq!(normalize("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a--_.B"), "a-b");
        assert_eq!(normalize("psycopg2-binary"), "psycopg2-binary");
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
