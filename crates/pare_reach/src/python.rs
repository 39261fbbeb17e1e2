//! Python: the modules an interpreter can import from its entry script.
//!
//! During the pass the script probe keeps, for every `.py` file (and every
//! `#!` script run by python), only the module names it imports
//! ([`imports`]): `import a.b, c`, `from x import y` (as `x` and `x.y`, since
//! `y` may be a submodule), relative imports with their leading dots, and
//! string literals given to `importlib.import_module(…)`/`__import__(…)`.
//! Imports anywhere in the file count (inside functions, `try` blocks):
//! what *can* be imported is reachable.
//!
//! After the pass, `run` builds `sys.path` the way CPython's `site` does
//! — the script's directory (or the working directory for `-m`/`-c`),
//! `PYTHONPATH`, the standard library `…/lib/python3.X` and its
//! `lib-dynload`, the site directories (`/usr/local/lib/python3.X/{site,dist}-packages`,
//! `/usr/lib/python3/dist-packages`, `/usr/lib/python3.X/site-packages`),
//! a virtual environment's `site-packages` when `pyvenv.cfg` sits next to
//! or above the interpreter, and directories listed in `.pth` files — and
//! walks the import graph: a module name is found as a package
//! (`__init__.py`), a module (`m.py`), an extension (`m.cpython-3XY-….so`,
//! `m.abi3.so`, `m.so`) or a namespace package, parents first. Extension
//! modules are `dlopen`ed by the interpreter: their ELF closure is added
//! with the interpreter as the loading executable.

use super::graph::Label;
use super::paths::{file_name, join, parent};
use super::{lookup, Cx};
use pare_fsindex::Kind;
use std::collections::{HashMap, VecDeque};

/// Most imports kept per file.
const MAX_IMPORTS: usize = 4096;
/// Most modules walked per interpreter (bounded work on hostile images).
const MAX_MODULES: usize = 100_000;

/// Files to capture for Python's path configuration.
pub const GLOBS: &[&str] = &[
    "**/pyvenv.cfg",
    "**/site-packages/*.pth",
    "**/dist-packages/*.pth",
];

/// The module names a Python source imports (relative ones keep their
/// leading dots). Never panics; strings and comments are skipped.
#[must_use]
pub fn imports(src: &str) -> Vec<String> {
    imports_bytes(src.as_bytes())
}

/// [`imports`] over raw bytes: only statements that mention `import` are
/// decoded (lossily), so a file is not validated as UTF-8 as a whole.
#[must_use]
pub fn imports_bytes(src: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, s: &str| {
        let s = s.trim();
        let body = s.trim_start_matches('.');
        let valid = !body.is_empty()
            && body
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if valid && out.len() < MAX_IMPORTS && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    logical_statements(src, &mut |stmt: &str| {
        let stmt = stmt.trim();
        let stmt = if stmt.starts_with("import ") || stmt.starts_with("from ") {
            stmt
        } else if let Some(p) = stmt.find(": import ").or_else(|| stmt.find(": from ")) {
            stmt[p + 1..].trim()
        } else {
            return;
        };
        if let Some(rest) = stmt.strip_prefix("import ") {
            for part in rest.split(',') {
                let name = part.split_whitespace().next().unwrap_or("");
                push(&mut out, name);
            }
        } else if let Some(rest) = stmt.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else {
                return;
            };
            let module = module.trim();
            if module == "__future__" {
                return;
            }
            let dots_only = module.chars().all(|c| c == '.');
            if !dots_only {
                push(&mut out, module);
            }
            let names = names.trim().trim_start_matches('(').trim_end_matches(')');
            for n in names.split(',') {
                let n = n.split_whitespace().next().unwrap_or("");
                if n.is_empty() || n == "*" || !n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let full = if dots_only {
                    format!("{module}{n}")
                } else {
                    format!("{module}.{n}")
                };
                push(&mut out, &full);
            }
        }
    });
    // importlib.import_module("x") and __import__("x") with a literal.
    for pat in ["import_module(", "__import__("] {
        for pos in memchr::memmem::find_iter(src, pat.as_bytes()) {
            let rest = src[pos + pat.len()..].trim_ascii_start();
            let Some(&q) = rest.first().filter(|c| **c == b'"' || **c == b'\'') else {
                continue;
            };
            if let Some(end) = memchr::memchr(q, &rest[1..]) {
                let name = String::from_utf8_lossy(&rest[1..=end]);
                if !name.starts_with('.') {
                    push(&mut out, &name);
                }
            }
        }
    }
    out
}

/// Longest logical statement read (a hostile file cannot make one huge).
const MAX_STATEMENT: usize = 64 << 10;

/// Call `f` with each `;`-separated part of every logical statement that
/// holds the word `import` outside triple-quoted strings, with comments
/// and string contents removed and bracketed or backslash-continued lines
/// joined.
///
/// Fast because it does not walk every byte: `import` is searched for with
/// `memchr`'s SIMD finder, and only the logical lines around its
/// occurrences are read. Triple-quote state is tracked between occurrences
/// the same way, so docstrings are skipped; a triple quote inside a
/// one-line string or a comment can confuse it (an over-approximation at
/// worst: a docstring line is read as an import).
fn logical_statements(src: &[u8], f: &mut dyn FnMut(&str)) {
    use memchr::memmem::Finder;
    let import = Finder::new(b"import");
    let triples = [Finder::new(b"\"\"\""), Finder::new(b"'''")];
    let mut in_triple: Option<usize> = None; // index into `triples`
    let mut triple_pos = 0;
    let mut done = 0; // bytes already read as part of a statement
    let mut search = 0;
    let mut cur: Vec<u8> = Vec::new();
    while let Some(off) = import.find(&src[search..]) {
        let pos = search + off;
        search = pos + 6;
        if pos < done {
            continue;
        }
        let line_start = memchr::memrchr(b'\n', &src[..pos]).map_or(0, |i| i + 1);
        // Triple-quote state at the start of this line.
        while triple_pos < line_start {
            let window = &src[triple_pos..line_start];
            let next = match in_triple {
                Some(t) => triples[t].find(window).map(|o| (o, t)),
                None => triples
                    .iter()
                    .enumerate()
                    .filter_map(|(t, fd)| fd.find(window).map(|o| (o, t)))
                    .min(),
            };
            let Some((o, t)) = next else {
                triple_pos = line_start;
                break;
            };
            in_triple = if in_triple.is_some() { None } else { Some(t) };
            triple_pos += o + 3;
        }
        if in_triple.is_some() {
            continue;
        }
        // Read the logical line.
        cur.clear();
        let mut depth = 0usize;
        let mut i = line_start;
        while i < src.len() && cur.len() < MAX_STATEMENT {
            let c = src[i];
            match c {
                b'#' => {
                    i += memchr::memchr(b'\n', &src[i..]).unwrap_or(src.len() - i);
                    continue;
                }
                b'\'' | b'"' => {
                    if src.get(i + 1) == Some(&c) && src.get(i + 2) == Some(&c) {
                        break; // a triple-quoted string: not an import line
                    }
                    i += 1;
                    while i < src.len() && src[i] != c && src[i] != b'\n' {
                        i += if src[i] == b'\\' { 2 } else { 1 };
                    }
                    cur.extend_from_slice(b"\"\"");
                }
                b'\\' if src.get(i + 1) == Some(&b'\n') => {
                    cur.push(b' ');
                    i += 1;
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    cur.push(c);
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    cur.push(c);
                }
                b'\n' if depth > 0 => cur.push(b' '),
                b'\n' => break,
                _ => cur.push(c),
            }
            i += 1;
        }
        done = i;
        triple_pos = triple_pos.max(i.min(src.len()));
        for part in cur.split(|b| *b == b';') {
            if memchr::memmem::find(part, b"import").is_some() {
                f(&String::from_utf8_lossy(part));
            }
        }
    }
}

/// How an interpreter was started.
#[derive(Debug, Default)]
pub(crate) struct Invocation {
    /// The script (`python app.py`), absolute.
    pub script: Option<String>,
    /// `-m module`.
    pub module: Option<String>,
    /// `-c code`.
    pub code: Option<String>,
    /// Arguments after the script (for `module:attr` app arguments).
    pub args: Vec<String>,
}

/// Parse `python [options] (script | -m mod | -c code) args…`.
pub(crate) fn invocation(args: &[String], cwd: &str) -> Invocation {
    let mut inv = Invocation::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "-m" | "-c" => {
                let v = args.get(i + 1).cloned();
                if a == "-m" {
                    inv.module = v;
                } else {
                    inv.code = v;
                }
                inv.args = args.get(i + 2..).unwrap_or_default().to_vec();
                return inv;
            }
            "-X" | "-W" | "--check-hash-based-pycs" => i += 2,
            s if s.starts_with("-m") && s.len() > 2 => {
                inv.module = Some(s[2..].to_string());
                inv.args = args.get(i + 1..).unwrap_or_default().to_vec();
                return inv;
            }
            s if s.starts_with('-') && s != "-" => i += 1,
            s => {
                inv.script = Some(join(cwd, s));
                inv.args = args.get(i + 1..).unwrap_or_default().to_vec();
                return inv;
            }
        }
    }
    inv
}

/// `3.11` from `python3.11`.
fn version_of(name: &str) -> Option<String> {
    let v = name.strip_prefix("python")?;
    let v: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (v.contains('.') && v.len() >= 3).then_some(v)
}

/// What a module name resolved to.
#[derive(Debug, Clone)]
enum Resolved {
    /// A file module, package or extension, with (for packages) the
    /// directories searched for submodules.
    Found {
        dirs: Vec<String>,
    },
    Missing,
}

/// Walk the imports of one interpreter process. `exe` is the node of the
/// interpreter's ELF file (canonical path `exe_path`), `invoked` the path
/// it was run by (a venv's `bin/python` is a symlink), `args` its
/// arguments. Returns `false` when the import graph could not be built.
pub(crate) fn run(
    cx: &mut Cx<'_>,
    exe: usize,
    exe_path: &str,
    invoked: &str,
    args: &[String],
) -> bool {
    let cwd = cx.cwd.clone();
    let inv = invocation(args, &cwd);
    let version = version_of(file_name(exe_path)).or_else(|| {
        // A `python3` that is not a symlink: look for a standard library.
        ["/usr/local/lib", "/usr/lib"].iter().find_map(|base| {
            cx.idx
                .under(base)
                .filter(|(p, _)| p.ends_with("/os.py") && p.matches('/').count() == 5)
                .find_map(|(p, _)| version_of(file_name(parent(p))))
        })
    });
    let Some(version) = version else {
        cx.notes.push(format!(
            "python interpreter `{exe_path}`: standard library version not found; its imports are not followed"
        ));
        return false;
    };
    let sys_path = sys_path(cx, exe_path, invoked, &version, &inv);
    let tag = format!("cpython-{}", version.replace('.', ""));
    let mut w = Walk {
        sys_path,
        tag,
        modules: HashMap::new(),
        exe,
    };
    let mut queue: VecDeque<Import> = VecDeque::new();
    let start = if let Some(script) = &inv.script {
        match cx.idx.resolve_entry(script) {
            Ok((canon, e)) if e.is_file() => {
                let node = cx
                    .graph
                    .find(&canon)
                    .unwrap_or_else(|| cx.graph.add(&canon, Label::Path, None));
                let Some(imports) = cx.script_imports(&canon) else {
                    cx.notes.push(format!(
                        "python script `{script}`: its imports are unknown (not read during the pass)"
                    ));
                    return false;
                };
                for m in imports {
                    queue.push_back((m, node, Some(("__main__".into(), false))));
                }
                node
            }
            _ => {
                cx.notes
                    .push(format!("python script `{script}` does not exist"));
                return false;
            }
        }
    } else if let Some(m) = &inv.module {
        queue.push_back((m.clone(), exe, None));
        exe
    } else if let Some(code) = &inv.code {
        for m in imports(code) {
            queue.push_back((m, exe, None));
        }
        exe
    } else {
        cx.notes.push(format!(
            "python interpreter `{exe_path}` runs without a script: nothing to follow"
        ));
        return true;
    };
    // `gunicorn app:app`, `uvicorn main:app`, `celery -A proj`: modules
    // named on the command line of a python tool are imported by it.
    for a in &inv.args {
        let m = a.split(':').next().unwrap_or("");
        if a.contains(':')
            && !m.is_empty()
            && m.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            queue.push_back((m.to_string(), start, None));
        }
    }
    // `site` and `encodings` are imported at every start-up.
    for m in ["site", "encodings"] {
        queue.push_back((m.to_string(), exe, None));
    }
    while let Some((name, from, rel)) = queue.pop_front() {
        if w.modules.len() >= MAX_MODULES {
            cx.notes.push(format!(
                "python: more than `{MAX_MODULES}` modules; the rest are not followed"
            ));
            break;
        }
        let Some(abs) = absolute(&name, rel.as_ref()) else {
            continue;
        };
        for found in w.import(cx, &abs, from) {
            queue.extend(found);
        }
    }
    true
}

/// The absolute name of `name` imported from module `from` (`(name,
/// is_package)`); `None` for a relative import beyond the top.
fn absolute(name: &str, from: Option<&(String, bool)>) -> Option<String> {
    let dots = name.chars().take_while(|c| *c == '.').count();
    if dots == 0 {
        return Some(name.to_string());
    }
    let (m, is_pkg) = from?;
    let mut base: Vec<&str> = m.split('.').collect();
    if !is_pkg {
        base.pop();
    }
    for _ in 1..dots {
        base.pop()?;
    }
    let rest = &name[dots..];
    if base.is_empty() {
        return (!rest.is_empty()).then(|| rest.to_string());
    }
    Some(if rest.is_empty() {
        base.join(".")
    } else {
        format!("{}.{rest}", base.join("."))
    })
}

struct Walk {
    sys_path: Vec<String>,
    tag: String,
    modules: HashMap<String, Resolved>,
    exe: usize,
}

/// A module to import: its name, the node importing it and the importer's
/// name and whether it is a package (for relative imports).
type Import = (String, usize, Option<(String, bool)>);
type Queued = Vec<Import>;

impl Walk {
    /// Import `name` (and its parents) from node `from`; returns the
    /// imports of newly loaded source modules, to queue.
    fn import(&mut self, cx: &mut Cx<'_>, name: &str, from: usize) -> Vec<Queued> {
        let mut out = Vec::new();
        let parts: Vec<&str> = name.split('.').collect();
        for n in 1..=parts.len() {
            let full = parts[..n].join(".");
            if let Some(r) = self.modules.get(&full) {
                match r {
                    Resolved::Missing => return out,
                    Resolved::Found { .. } => continue,
                }
            }
            let dirs: Vec<String> = if n == 1 {
                self.sys_path.clone()
            } else {
                match self.modules.get(&parts[..n - 1].join(".")) {
                    Some(Resolved::Found { dirs, .. }) => dirs.clone(),
                    _ => Vec::new(),
                }
            };
            let r = self.find(cx, parts[n - 1], &full, &dirs, from, &mut out);
            let missing = matches!(r, Resolved::Missing);
            self.modules.insert(full, r);
            if missing {
                return out;
            }
        }
        out
    }

    /// Find module `short` (full name `full`) in `dirs`, add its node.
    fn find(
        &mut self,
        cx: &mut Cx<'_>,
        short: &str,
        full: &str,
        dirs: &[String],
        from: usize,
        out: &mut Vec<Queued>,
    ) -> Resolved {
        let mut portions = Vec::new();
        for d in dirs {
            let pkg = join(d, short);
            let pkg_dir = lookup(cx.idx, &pkg)
                .filter(|(_, e)| e.kind == Kind::Dir)
                .map(|(c, _)| c);
            if let Some(pc) = &pkg_dir {
                if let Some((canon, e)) = lookup(cx.idx, &join(pc, "__init__.py")) {
                    if e.is_file() {
                        let node = cx
                            .graph
                            .add(&canon, Label::Name(full.to_string()), Some(from));
                        out.push(self.queue_imports(cx, &canon, node, full, true));
                        return Resolved::Found {
                            dirs: vec![pc.clone()],
                        };
                    }
                }
            }
            if let Some((canon, e)) = lookup(cx.idx, &format!("{pkg}.py")) {
                if e.is_file() {
                    let node = cx
                        .graph
                        .add(&canon, Label::Name(full.to_string()), Some(from));
                    out.push(self.queue_imports(cx, &canon, node, full, false));
                    return Resolved::Found { dirs: Vec::new() };
                }
            }
            for ext in [
                format!("{pkg}.{}-{}.so", self.tag, multiarch_of(cx, self.exe)),
                format!("{pkg}.{}.so", self.tag),
                format!("{pkg}.abi3.so"),
                format!("{pkg}.so"),
            ] {
                if let Some((canon, e)) = lookup(cx.idx, &ext) {
                    if e.is_file() {
                        let node = cx.graph.add(&canon, Label::Path, Some(from));
                        cx.graph.alias(&ext, node);
                        cx.load_extension(node, &canon, self.exe);
                        return Resolved::Found { dirs: Vec::new() };
                    }
                }
            }
            if let Some(pc) = pkg_dir {
                portions.push(pc);
            }
        }
        if portions.is_empty() {
            return Resolved::Missing;
        }
        // A namespace package: shown by name, owned by nobody.
        cx.graph
            .add(&portions[0], Label::Name(full.to_string()), Some(from));
        Resolved::Found { dirs: portions }
    }

    fn queue_imports(
        &self,
        cx: &Cx<'_>,
        canon: &str,
        node: usize,
        full: &str,
        is_pkg: bool,
    ) -> Queued {
        cx.script_imports(canon)
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m, node, Some((full.to_string(), is_pkg))))
            .collect()
    }
}

fn multiarch_of(cx: &Cx<'_>, exe: usize) -> &'static str {
    cx.elf_of(&cx.graph.nodes[exe].path)
        .and_then(pare_elf::ElfInfo::multiarch)
        .unwrap_or("x86_64-linux-gnu")
}

/// `sys.path` for an interpreter of `version` at `exe_path`.
fn sys_path(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_imports() {
        let src = r#"
"""Docstring: import notthis
"""
import os, sys as system
import a.b.c as d  # import notacomment
from x.y import (z,
    w as ww)
from . import sibling
from ..parent import thing
from __future__ import annotations
try: import optional
except ImportError: pass
s = "import fake"
def f():
    from lazy import mod; import other
mod = importlib.import_module("dyn.mod")
"#;
        assert_eq!(
            imports(src),
            [
                "os",
                "sys",
                "a.b.c",
                "x.y",
                "x.y.z",
                "x.y.w",
                ".sibling",
                "..parent",
                "..parent.thing",
                "optional",
                "lazy",
                "lazy.mod",
                "other",
                "dyn.mod"
            ]
        );
    }

    #[test]
    fn hostile_sources_do_not_panic() {
        for s in [
            "'''",
            "\"",
            "from",
            "import",
            "from . import",
            "(((",
            "\\",
            "é'",
            "import .",
        ] {
            let _ = imports(s);
        }
    }

    #[test]
    fn relative_names() {
        let m = ("pkg.sub.mod".to_string(), false);
        assert_eq!(absolute(".x", Some(&m)).as_deref(), Some("pkg.sub.x"));
        assert_eq!(absolute("..y", Some(&m)).as_deref(), Some("pkg.y"));
        let p = ("pkg".to_string(), true);
        assert_eq!(absolute(".x", Some(&p)).as_deref(), Some("pkg.x"));
        assert_eq!(absolute("...x", Some(&p)), None);
        assert_eq!(absolute("a.b", None).as_deref(), Some("a.b"));
    }

    #[test]
    fn invocations() {
        let a = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let i = invocation(&a(&["-u", "-X", "dev", "app.py", "x"]), "/srv");
        assert_eq!(i.script.as_deref(), Some("/srv/app.py"));
        let i = invocation(&a(&["-m", "flask", "run"]), "/");
        assert_eq!(i.module.as_deref(), Some("flask"));
        assert_eq!(i.args, ["run"]);
        assert_eq!(version_of("python3.11").as_deref(), Some("3.11"));
        assert_eq!(version_of("python3"), None);
    }
}
