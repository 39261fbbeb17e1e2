//! `npm-package`: installed npm packages.
//!
//! ## What it does
//! Reads every `package.json` at the root of an installed package
//! (`…/node_modules/NAME/package.json`, `…/node_modules/@SCOPE/NAME/package.json`,
//! at any nesting depth), and every other `package.json` that declares both
//! a name and a version (the application itself, Debian's
//! `/usr/share/nodejs/*`). The `package-lock.json` beside the top
//! `node_modules` (or npm's hidden `node_modules/.package-lock.json`), v2 or
//! v3, marks which installed packages are development dependencies
//! (`"dev": true`), so production and dev dependencies can be told apart.
//! Lock entries that are not installed are not reported: an image SBOM
//! lists what is in the image.
//!
//! ## Why is this bad?
//! Not a rule: a cataloger. Dev dependencies shipped in a production image
//! are attack surface nobody uses.
//!
//! ## Example
//! `app/node_modules/@types/node/package.json` with version `20.1.0`
//! becomes `pkg:npm/%40types/node@20.1.0`.
//!
//! Use instead: nothing to change.
//!
//! ## Fix safety
//! No fix.
//!
//! ## Layer attribution
//! The layer of the package's `package.json`.
//!
//! ## References
//! - <https://docs.npmjs.com/cli/v10/configuring-npm/package-json>
//! - <https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json>

use super::purl::purl;
use super::{Cataloger, Ctx, Sink};
use pare_findings::{Ecosystem, Package};
use serde_json::Value;
use std::collections::HashMap;

/// Cataloger name.
pub const NAME: &str = "npm-package";
/// Output version.
pub const VERSION: u32 = 1;
/// Files read.
pub const GLOBS: &[&str] = &[
    "**/package.json",
    "**/package-lock.json",
    "**/node_modules/.package-lock.json",
];

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    name: NAME,
    version: VERSION,
    globs: GLOBS,
    probe: None,
    run,
};

/// The fields of a `package.json` pare uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `license` / `licenses`.
    pub licenses: Vec<String>,
}

/// Parse a `package.json`.
///
/// # Errors
/// The JSON error, with line and column.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(o) = v else {
        return Err("line 1:1: not a JSON object".to_string());
    };
    let s = |k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut licenses = Vec::new();
    match o.get("license") {
        Some(Value::String(l)) if !l.is_empty() => licenses.push(l.clone()),
        Some(Value::Object(l)) => {
            licenses.extend(l.get("type").and_then(Value::as_str).map(str::to_string))
        }
        _ => {}
    }
    if let Some(Value::Array(ls)) = o.get("licenses") {
        for l in ls {
            match l {
                Value::String(s) => licenses.push(s.clone()),
                Value::Object(m) => {
                    licenses.extend(m.get("type").and_then(Value::as_str).map(str::to_string))
                }
                _ => {}
            }
        }
    }
    Ok(Manifest {
        name: s("name"),
        version: s("version"),
        licenses,
    })
}

/// `node_modules/…` key → dev flag, from a lock file's `packages` map
/// (lockfileVersion 2 and 3).
///
/// # Errors
/// The JSON error, or a lock without a `packages` map (v1).
pub fn parse_lock(bytes: &[u8]) -> Result<HashMap<String, bool>, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let Some(pkgs) = v.get("packages").and_then(Value::as_object) else {
        let lv = v
            .get("lockfileVersion")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        return Err(format!(
            "lockfileVersion `{lv}` has no `packages` map (v2 or v3 needed)"
        ));
    };
    Ok(pkgs
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, e)| {
            (
                k.clone(),
                e.get("dev").and_then(Value::as_bool).unwrap_or(false),
            )
        })
        .collect())
}

/// For `/app/node_modules/a/node_modules/@s/b/package.json`: the project
/// root (`/app`), the lock key (`node_modules/a/node_modules/@s/b`) and the
/// name from the path (`@s/b`). `None` when the file is not a package root.
fn package_root(path: &str) -> Option<(&str, &str, String)> {
    let dir = path.strip_suffix("/package.json")?;
    let first = dir.find("/node_modules/")?;
    let root = &dir[..first];
    let key = &dir[first + 1..];
    // Walk the key: node_modules/(@scope/)?name(/node_modules/(@scope/)?name)*
    let mut parts = key.split('/').peekable();
    let mut name = String::new();
    while let Some(p) = parts.next() {
        if p != "node_modules" {
            return None;
        }
        let first = parts.next()?;
        name = if first.starts_with('@') {
            format!("{first}/{}", parts.next()?)
        } else {
            first.to_string()
        };
        if name.starts_with('.') {
            return None;
        }
    }
    Some((root, key, name))
}

fn run(cx: &Ctx<'_>, sink: &mut Sink) {
    let captured = cx.idx.captured();
    let mut locks: HashMap<&str, HashMap<String, bool>> = HashMap::new();
    for (path, bytes) in &captured {
        let root = if let Some(r) = path.strip_suffix("/node_modules/.package-lock.json") {
            r
        } else if let Some(r) = path.strip_suffix("/package-lock.json") {
            if path.contains("/node_modules/") {
                continue; // a dependency's own lock: not what was installed
            }
            r
        } else {
            continue;
        };
        match parse_lock(bytes) {
            Ok(l) => {
                locks.entry(root).or_default().extend(l);
            }
            Err(e) => sink.warn(NAME, path, e),
        }
    }
    for (path, bytes) in &captured {
        if !path.ends_with("/package.json") {
            continue;
        }
        let root = package_root(path);
        let m = match parse_manifest(bytes) {
            Ok(m) => m,
            Err(e) => {
                if root.is_some() {
                    sink.warn(NAME, path, e);
                }
                continue;
            }
        };
        let (name, version) = match (&root, m.name, m.version) {
            (_, Some(n), Some(v)) => (n, v),
            (Some(_), n, None) => {
                sink.warn(
                    NAME,
                    path,
                    format!("package `{}` has no `version`", n.unwrap_or_default()),
                );
                continue;
            }
            (Some((_, _, from_path)), None, Some(v)) => (from_path.clone(), v),
            _ => continue,
        };
        let dev = root
            .as_ref()
            .and_then(|(r, key, _)| locks.get(r).and_then(|l| l.get(*key)))
            .copied()
            .unwrap_or(false);
        let (ns, base) = match name.split_once('/') {
            Some((s, b)) if s.starts_with('@') => (Some(s), b),
            _ => (None, name.as_str()),
        };
        sink.packages.push(Package {
            purl: purl("npm", ns, base, &version, &[]),
            ecosystem: Ecosystem::Npm,
            source_name: None,
            source_version: None,
            arch: None,
            licenses: m.licenses,
            layer: cx.layer_of(path),
            locations: vec![(*path).to_string()],
            files: Vec::new(),
            dev,
            cataloger: NAME,
            name,
            version,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::run;

    #[test]
    fn roots() {
        assert_eq!(
            package_root("/app/node_modules/a/node_modules/@s/b/package.json"),
            Some((
                "/app",
                "node_modules/a/node_modules/@s/b",
                "@s/b".to_string()
            ))
        );
        assert_eq!(package_root("/app/node_modules/a/lib/package.json"), None);
        assert_eq!(package_root("/app/package.json"), None);
        assert_eq!(package_root("/app/node_modules/.bin/package.json"), None);
    }

    #[test]
    fn app_with_lock() {
        let r = run("npm/app", NAME);
        assert_eq!(r.warnings.len(), 1, "{r:?}");
        assert!(
            r.packages.iter().any(|p| p.dev),
            "a dev dependency is flagged"
        );
        assert!(r.packages.iter().any(|p| !p.dev && p.name == "express"));
        insta::assert_json_snapshot!(r);
    }

    #[test]
    fn never_panics_on_garbage() {
        for input in [
            &b""[..],
            b"[]",
            b"{\"name\":1}",
            b"{\"license\":{}}",
            b"\xff",
        ] {
            let _ = parse_manifest(input);
            let _ = parse_lock(input);
        }
    }
}
