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

//!
//! Split by concern: [`imports`] reads source files during the pass,
//! `sys_path` builds the search path, `walk` resolves module names to
//! files; this module runs one interpreter's walk.

mod imports;
mod sys_path;
mod walk;

pub use imports::{imports, imports_bytes};

use super::graph::Label;
use super::paths::{file_name, join, parent};
use super::Cx;
use std::collections::{HashMap, VecDeque};
use sys_path::sys_path;
use walk::{absolute, Import, Walk};

/// Most imports kept per file.
pub(crate) const MAX_IMPORTS: usize = 4096;
/// Most modules walked per interpreter (bounded work on hostile images).
const MAX_MODULES: usize = 100_000;

/// Files to capture for Python's path configuration.
pub const GLOBS: &[&str] = &[
    "**/pyvenv.cfg",
    "**/site-packages/*.pth",
    "**/dist-packages/*.pth",
];

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
pub(super) enum Resolved {
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

#[cfg(test)]
mod tests {
    use super::*;

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
