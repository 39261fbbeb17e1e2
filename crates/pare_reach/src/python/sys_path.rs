//! `sys.path` as CPython's `site` builds it.

use super::super::paths::{join, parent};
use super::super::Cx;
use super::Invocation;

/// `sys.path` for an interpreter of `version` at `exe_path`.
pub(super) fn sys_path(
    cx: &Cx<'_>,
    exe_path: &str,
    invoked: &str,
    version: &str,
    inv: &Invocation,
) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    let push = |v: &mut Vec<String>, d: String| {
        let d = cx.idx.resolve(&d).unwrap_or(d);
        if !v.contains(&d) {
            v.push(d);
        }
    };
    match &inv.script {
        Some(s) => push(&mut v, parent(s).to_string()),
        None => push(&mut v, cx.cwd.clone()),
    }
    if let Some(pp) = cx.env.get("PYTHONPATH") {
        for d in pp.split(':').filter(|d| !d.is_empty()) {
            push(&mut v, join(&cx.cwd, d));
        }
    }
    // The prefix: `/usr/local` for `/usr/local/bin/python3.11`.
    let prefix = parent(parent(exe_path)).to_string();
    let mut prefixes = vec![prefix.clone()];
    for p in ["/usr/local", "/usr"] {
        if !prefixes.iter().any(|x| x == p) {
            prefixes.push(p.to_string());
        }
    }
    let std_prefix = prefixes
        .iter()
        .find(|p| {
            cx.idx
                .resolve_entry(&format!("{p}/lib/python{version}/os.py"))
                .is_ok()
        })
        .cloned()
        .unwrap_or(prefix);
    push(&mut v, format!("{std_prefix}/lib/python{version}"));
    push(
        &mut v,
        format!("{std_prefix}/lib/python{version}/lib-dynload"),
    );
    let mut site: Vec<String> = Vec::new();
    // A virtual environment: `pyvenv.cfg` beside or above the interpreter
    // as it was invoked (not its symlink target).
    let venv = [parent(invoked), parent(parent(invoked))]
        .into_iter()
        .find(|d| cx.idx.contents(&join(d, "pyvenv.cfg")).is_some());
    let system_site = venv.is_none_or(|d| {
        cx.idx.contents(&join(d, "pyvenv.cfg")).is_some_and(|c| {
            String::from_utf8_lossy(c).lines().any(|l| {
                let l = l.replace(' ', "");
                l == "include-system-site-packages=true"
            })
        })
    });
    if let Some(d) = venv {
        site.push(format!("{d}/lib/python{version}/site-packages"));
    }
    if system_site {
        for p in ["/usr/local", "/usr"] {
            site.push(format!("{p}/lib/python{version}/site-packages"));
            site.push(format!("{p}/lib/python{version}/dist-packages"));
        }
        site.push("/usr/local/lib/python3/dist-packages".to_string());
        site.push("/usr/lib/python3/dist-packages".to_string());
    }
    for s in site {
        if cx.idx.resolve_entry(&s).is_err() {
            continue;
        }
        push(&mut v, s.clone());
        // `.pth` files add directories (lines starting `import` run code,
        // which is not followed).
        let canon = cx.idx.resolve(&s).unwrap_or(s);
        let pth: Vec<String> = cx
            .idx
            .captured()
            .into_iter()
            .filter(|(p, _)| parent(p) == canon && p.ends_with(".pth"))
            .flat_map(|(_, c)| {
                String::from_utf8_lossy(c)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("import"))
                    .map(|l| join(&canon, l))
                    .collect::<Vec<_>>()
            })
            .collect();
        for d in pth {
            if cx.idx.resolve_entry(&d).is_ok() {
                push(&mut v, d);
            }
        }
    }
    v
}
