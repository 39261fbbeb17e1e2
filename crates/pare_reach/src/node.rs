//! Node.js: the npm packages an app can `require`.
//!
//! From `node [options] script` the app is the nearest `package.json` at
//! or above the script. Its `dependencies`, `optionalDependencies` and
//! `peerDependencies` are walked transitively, each name resolved the way
//! `require` does: `node_modules/NAME` in the requiring package's
//! directory and then in each ancestor directory (skipping `node_modules`
//! directories themselves), then `NODE_PATH`; symlinks (pnpm, workspaces)
//! resolved through the index. JavaScript sources are not parsed: a
//! declared runtime dependency counts as loaded, which over-approximates
//! (a dependency declared but never required is reported reachable).
//! `devDependencies` are walked the same way into a separate set, so that
//! packages needed only for development are reported unreachable with
//! their own reason.

use super::graph::Label;
use super::paths::{join, parent};
use super::Cx;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};

/// Most packages walked (bounded work on hostile images).
const MAX_PACKAGES: usize = 50_000;

/// Node options that take a value as the next argument.
const OPTS_WITH_VALUE: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-C",
    "--conditions",
    "--env-file",
    "--title",
    "--inspect-port",
];

/// Walk one `node` process started with `args`; `exe` is the node of the
/// `node` binary.
pub(crate) fn run(cx: &mut Cx<'_>, _exe: usize, args: &[String]) {
    let mut i = 0;
    let mut script = None;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "-e" || a == "--eval" || a == "-p" || a == "--print" {
            cx.notes
                .push("node runs inline code (`-e`): its requires are not followed".to_string());
            break;
        }
        if OPTS_WITH_VALUE.contains(&a) {
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            i += 1;
            continue;
        }
        script = Some(join(&cx.cwd, a));
        break;
    }
    let Some(script) = script else {
        return;
    };
    let Some((canon, dir)) = find_script(cx, &script) else {
        cx.notes
            .push(format!("node script `{script}` does not exist"));
        return;
    };
    let root = cx
        .graph
        .find(&canon)
        .unwrap_or_else(|| cx.graph.add(&canon, Label::Path, None));
    // The app: nearest package.json at or above the script.
    let mut d = dir.clone();
    let app = loop {
        let pj = join(&d, "package.json");
        if let Some(v) = package_json(cx, &pj) {
            break Some((d.clone(), v));
        }
        if d == "/" {
            break None;
        }
        d = parent(&d).to_string();
    };
    let Some((app_dir, app)) = app else {
        cx.notes.push(format!(
            "node script `{script}`: no `package.json` above it; only its own directory is known"
        ));
        return;
    };
    // The app's own `package.json` is read by node (`type`, `exports`,
    // `imports`): the app is loaded.
    if let Ok(pj) = cx.idx.resolve(&join(&app_dir, "package.json")) {
        if cx.graph.find(&pj).is_none() {
            cx.graph.add(&pj, Label::Path, Some(root));
        }
    }
    let runtime: Vec<String> = ["dependencies", "optionalDependencies", "peerDependencies"]
        .iter()
        .flat_map(|k| names(&app, k))
        .collect();
    let reached = walk(cx, &app_dir, runtime, Some(root));
    let dev = walk(cx, &app_dir, names(&app, "devDependencies"), None);
    for p in dev {
        if !reached.contains(&p) {
            cx.node_dev.insert(p);
        }
    }
}

/// The script file: as given, with `.js`/`.mjs`/`.cjs`, or a directory's
/// `index.js`. Returns its canonical path and directory.
fn find_script(cx: &Cx<'_>, script: &str) -> Option<(String, String)> {
    for cand in [
        script.to_string(),
        format!("{script}.js"),
        format!("{script}.mjs"),
        format!("{script}.cjs"),
        join(script, "index.js"),
    ] {
        if let Ok((canon, e)) = cx.idx.resolve_entry(&cand) {
            if e.is_file() {
                let dir = parent(&canon).to_string();
                return Some((canon, dir));
            }
        }
    }
    None
}

fn package_json(cx: &Cx<'_>, path: &str) -> Option<Value> {
    let canon = cx.idx.resolve(path).ok()?;
    serde_json::from_slice(cx.idx.contents(&canon)?).ok()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Walk `deps` from `from_dir` transitively. With `parent`, reached
/// packages become graph nodes under it; returns the canonical paths of
/// the `package.json` files reached.
fn walk(
    cx: &mut Cx<'_>,
    from_dir: &str,
    deps: Vec<String>,
    parent_node: Option<usize>,
) -> HashSet<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<(String, String, Option<usize>)> = deps
        .into_iter()
        .map(|n| (n, from_dir.to_string(), parent_node))
        .collect();
    let node_path: Vec<String> = cx
        .env
        .get("NODE_PATH")
        .map(|p| {
            p.split(':')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    while let Some((name, dir, from)) = queue.pop_front() {
        if seen.len() >= MAX_PACKAGES {
            cx.notes.push(format!(
                "node: more than `{MAX_PACKAGES}` packages; the rest are not followed"
            ));
            break;
        }
        let Some((opened, canon)) = resolve(cx, &name, &dir, &node_path) else {
            continue;
        };
        if !seen.insert(canon.clone()) {
            continue;
        }
        let node = from.map(|f| {
            let id = cx
                .graph
                .find(&canon)
                .unwrap_or_else(|| cx.graph.add(&canon, Label::Name(name.clone()), Some(f)));
            cx.graph.alias(&opened, id);
            id
        });
        let Some(v) = cx
            .idx
            .contents(&canon)
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            continue;
        };
        let pkg_dir = parent(&canon).to_string();
        for k in ["dependencies", "optionalDependencies", "peerDependencies"] {
            for n in names(&v, k) {
                queue.push_back((n, pkg_dir.clone(), node));
            }
        }
    }
    seen
}

/// `require(name)` from `dir`: the package's `package.json`, as opened and
/// canonical.
fn resolve(cx: &Cx<'_>, name: &str, dir: &str, node_path: &[String]) -> Option<(String, String)> {
    let mut d = dir.to_string();
    loop {
        if !d.ends_with("/node_modules") {
            let cand = join(&join(&d, "node_modules"), &format!("{name}/package.json"));
            if let Ok(canon) = cx.idx.resolve(&cand) {
                return Some((cand, canon));
            }
        }
        if d == "/" {
            break;
        }
        d = parent(&d).to_string();
    }
    node_path.iter().find_map(|p| {
        let cand = join(p, &format!("{name}/package.json"));
        cx.idx.resolve(&cand).ok().map(|c| (cand, c))
    })
}
