//! `apk-db`: Alpine packages from apk's installed database.
//!
//! ## What it does
//! Reads `/lib/apk/db/installed`: one paragraph per package of one-letter
//! fields (`P:` name, `V:` version, `A:` arch, `o:` origin, `L:` license,
//! `F:` directory followed by its `R:` files).
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Alpine's secdb keys advisories on the origin
//! (source) package, so the origin is kept as the source name.
//!
//! ## Example
//! ```text
//! P:musl
//! V:1.2.4-r2
//! A:x86_64
//! o:musl
//! L:MIT
//! F:lib
//! R:ld-musl-x86_64.so.1
//! ```
//! becomes `pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The database is one file; a package's layer is the earliest layer among
//! the files it owns that are still present (an upgrade rewrites all of
//! them), falling back to the database's layer.
//!
//! ## References
//! - <https://wiki.alpinelinux.org/wiki/Apk_spec>

use super::purl::purl;
use super::{paragraphs, truncate, Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};

/// Cataloger name.
pub const NAME: &str = "apk-db";
/// Output version.
pub const VERSION: u32 = 1;
/// Files read.
pub const GLOBS: &[&str] = &["lib/apk/db/installed"];

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: None,
    run,
};

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApkEntry {
    /// `P`.
    pub name: String,
    /// `V`.
    pub version: String,
    /// `A`.
    pub arch: Option<String>,
    /// `o`.
    pub origin: Option<String>,
    /// `L`.
    pub license: Option<String>,
    /// `F` + `R`, absolute.
    pub files: Vec<String>,
}

/// Parse the database; bad paragraphs come back as `Err` in place.
#[must_use]
pub fn parse_installed(text: &str) -> Vec<Result<ApkEntry, String>> {
    paragraphs(text)
        .into_iter()
        .map(|(line, para)| {
            let mut e = ApkEntry::default();
            let mut dir = String::new();
            for (i, l) in para.lines().enumerate() {
                let Some((k, v)) = l.split_once(':') else {
                    return Err(format!(
                        "line {}: expected `X:value`, found `{}`",
                        line + i,
                        truncate(l, 40)
                    ));
                };
                match k {
                    "P" => e.name = v.to_string(),
                    "V" => e.version = v.to_string(),
                    "A" => e.arch = Some(v.to_string()),
                    "o" => e.origin = Some(v.to_string()),
                    "L" => e.license = Some(v.to_string()),
                    "F" => dir = v.trim_matches('/').to_string(),
                    "R" => e.files.push(if dir.is_empty() {
                        format!("/{v}")
                    } else {
                        format!("/{dir}/{v}")
                    }),
                    _ => {}
                }
            }
            if e.name.is_empty() || e.version.is_empty() {
                return Err(format!("line {line}: package without `P:` or `V:`"));
            }
            Ok(e)
        })
        .collect()
}

/// The `L:` field as SPDX: an identifier or expression (`MIT`,
/// `GPL-2.0-or-later AND MIT`), or older packages' space-separated list of
/// identifiers (`MIT BSD-2-Clause`), one license each; else as written.
fn licenses(l: &str) -> Vec<String> {
    let words: Vec<&str> = l.split_whitespace().collect();
    let operators = words.iter().any(|w| {
        ["AND", "OR", "WITH"]
            .iter()
            .any(|o| w.eq_ignore_ascii_case(o))
    });
    if words.len() > 1 && !operators {
        if let Some(ids) = words
            .iter()
            .map(|w| super::license::spdx_id(w))
            .collect::<Option<Vec<_>>>()
        {
            return ids;
        }
    }
    super::license::normalize(l).into_iter().collect()
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    const DB: &str = "/lib/apk/db/installed";
    let (Some(bytes), Some(db)) = (cx.idx.contents(DB), cx.idx.get(DB)) else {
        return;
    };
    let distro = cx.distro_qualifier();
    let ns = cx.distro.map_or("alpine", |d| d.id.as_str());
    for e in parse_installed(&String::from_utf8_lossy(bytes)) {
        let e = match e {
            Ok(e) => e,
            Err(m) => {
                sink.warn(NAME, DB, m);
                continue;
            }
        };
        let layer = e
            .files
            .iter()
            .filter_map(|f| cx.idx.get(f).map(|x| x.layer))
            .min()
            .unwrap_or(db.layer);
        let upstream = e.origin.as_deref().filter(|o| *o != e.name);
        sink.packages.push(Package {
            purl: purl(
                "apk",
                Some(ns),
                &e.name,
                &e.version,
                &[
                    ("arch", e.arch.as_deref()),
                    ("distro", distro.as_deref()),
                    ("upstream", upstream),
                ],
            ),
            source_name: Some(e.origin.clone().unwrap_or_else(|| e.name.clone())),
            source_version: None,
            arch: e.arch,
            licenses: e.license.as_deref().map(licenses).unwrap_or_default(),
            layer: cx.layer_ref(layer),
            locations: vec![DB.to_string()],
            files: e.files,
            dev: false,
            cataloger: NAME,
            ecosystem: Ecosystem::Apk,
            name: e.name,
            version: e.version,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::run;

    #[test]
    fn installed_db() {
        let r = run("apk/alpine", NAME);
        assert_eq!(r.warnings.len(), 1, "{r:?}");
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn license_fields() {
        // Values from Alpine's installed databases (3.19: SPDX; older: lists).
        assert_eq!(licenses("MIT"), ["MIT"]);
        assert_eq!(licenses("GPL-2.0-only AND MIT"), ["GPL-2.0-only AND MIT"]);
        assert_eq!(licenses("MIT BSD-2-Clause"), ["MIT", "BSD-2-Clause"]);
        assert_eq!(licenses("GPL2+"), ["GPL-2.0-or-later"]);
        assert_eq!(licenses("custom"), ["custom"]);
    }

    #[test]
    fn never_panics_on_garbage() {
        for input in ["", "P:", "x\n", "R:a\nP:b\nV:1\n", "F:/\nR:x\nP:a\nV:1"] {
            let _ = parse_installed(input);
        }
    }
}
