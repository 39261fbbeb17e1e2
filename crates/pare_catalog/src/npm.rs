//! `npm-package`: installed npm packages.
//!
//! ## What it does
//! Reads every `package.json` at the root of an installed package
//! (`…/node_modules/NAME/package.json`, `…/node_modules/@SCOPE/NAME/package.json`,
//! at any nesting depth), and every other `package.json` that declares both
//! a name and a version (the application itself, Debian's
//! `/usr/share/nodejs/*`). The `package-lock.json` beside the top
//! `node_modules` (or npm's hidden `node_modules/.package-lock.json`) marks
//! which installed packages are development dependencies (`"dev": true`),
//! so production and dev dependencies can be told apart: the `packages` map
//! of lockfileVersion 2 and 3, or the nested `dependencies` tree of
//! lockfileVersion 1 (npm 5 and 6), where a package nested under a dev
//! dependency is one too. Lock entries that are not installed are not
//! reported: an image SBOM lists what is in the image.
//!
//! An installed package whose `package.json` has no `version` is kept with
//! an unknown version, and one without a `name` is named from its
//! directory; a note says which field was missing. A project's own
//! `package.json` (outside `node_modules`) with a name but no version, or
//! the reverse, is noted and not listed. Licenses (`license`, or the old
//! `licenses` list) are normalised to SPDX ([`super::license`]).
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

/// `node_modules/…` key → dev flag, from a lock file: the `packages` map
/// (lockfileVersion 2 and 3), else the `dependencies` tree (lockfileVersion
/// 1), else nothing (a lock with no dependencies).
///
/// # Errors
/// The JSON error, or a lock that is not a JSON object.
pub fn parse_lock(bytes: &[u8]) -> Result<HashMap<String, bool>, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err("line 1:1: not a JSON object".to_string());
    }
    let Some(pkgs) = v.get("packages").and_then(Value::as_object) else {
        let mut out = HashMap::new();
        if let Some(deps) = v.get("dependencies").and_then(Value::as_object) {
            lock_v1(deps, "", false, 0, &mut out);
        }
        return Ok(out);
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

/// Deepest `dependencies` nesting read from a v1 lock (npm's trees are far
/// shallower; the cap bounds recursion on hostile input).
const MAX_LOCK_DEPTH: usize = 64;

/// Walk a lockfileVersion 1 `dependencies` tree: `{"a": {"version",
/// "dev", "dependencies": {"b": …}}}` gives `node_modules/a` and
/// `node_modules/a/node_modules/b`. A package under a dev dependency is a
/// dev dependency.
fn lock_v1(
    deps: &serde_json::Map<String, Value>,
    prefix: &str,
    parent_dev: bool,
    depth: usize,
    out: &mut HashMap<String, bool>,
) {
    if depth >= MAX_LOCK_DEPTH {
        return;
    }
    for (name, e) in deps {
        let key = format!("{prefix}node_modules/{name}");
        let dev = parent_dev || e.get("dev").and_then(Value::as_bool).unwrap_or(false);
        if let Some(sub) = e.get("dependencies").and_then(Value::as_object) {
            lock_v1(sub, &format!("{key}/"), dev, depth + 1, out);
        }
        out.insert(key, dev);
    }
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
            (Some((_, _, from_path)), n, None) => {
                let n = n.unwrap_or_else(|| from_path.clone());
                sink.note(
                    NAME,
                    path,
                    format!("package `{n}` has no `version`: listed with an unknown version"),
                );
                (n, String::new())
            }
            (Some((_, _, from_path)), None, Some(v)) => {
                sink.note(
                    NAME,
                    path,
                    format!("no `name`: named `{from_path}` from its directory"),
                );
                (from_path.clone(), v)
            }
            (None, Some(n), None) => {
                sink.note(
                    NAME,
                    path,
                    format!("`{n}` has no `version`: a project manifest, not listed"),
                );
                continue;
            }
            (None, None, Some(v)) => {
                sink.note(
                    NAME,
                    path,
                    format!("version `{v}` but no `name`: a project manifest, not listed"),
                );
                continue;
            }
            (None, None, None) => continue,
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
            licenses: super::license::normalize_all(m.licenses.iter().map(String::as_str)),
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

    /// A lockfileVersion 1 `dependencies` tree (syft's nested fixture):
    /// every installed package is listed, dev flags follow the tree, and
    /// `package.json`s without a name or version are notes, never an
    /// incomplete SBOM.
    #[test]
    fn lock_v1_tree() {
        let r = run("npm/lock-v1", NAME);
        assert!(r.warnings.is_empty(), "{r:?}");
        let got: Vec<_> = r
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.dev,
                    p.locations[0].trim_start_matches("/app/node_modules/"),
                )
            })
            .collect();
        insta::assert_json_snapshot!(got);
        let notes: Vec<_> = r.notes.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "/app/node_modules/nameless/package.json: no `name`: named `nameless` from its directory (npm-package)",
                "/app/node_modules/noversion/package.json: package `noversion` has no `version`: listed with an unknown version (npm-package)",
            ]
        );
        let dev_parent = r.packages.iter().find(|p| p.name == "dev-parent").unwrap();
        assert_eq!(dev_parent.licenses, ["(MIT OR Apache-2.0)"]);
        let lock = parse_lock(
            &std::fs::read(crate::testutil::fixture(
                "npm/lock-v1/app/package-lock.json",
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(lock.len(), 9);
        assert!(lock["node_modules/dev-parent/node_modules/dev-nested"]);
        assert!(!lock["node_modules/parent/node_modules/middle/node_modules/shared"]);
    }

    #[test]
    fn never_panics_on_garbage() {
        for input in [
            &b""[..],
            b"[]",
            b"{\"name\":1}",
            b"{\"license\":{}}",
            b"{\"dependencies\":{\"a\":{\"dependencies\":{\"b\":1}}}}",
            b"\xff",
        ] {
            let _ = parse_manifest(input);
            let _ = parse_lock(input);
        }
    }
}
