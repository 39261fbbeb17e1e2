//! Reachability: which packages of an image the container's program can
//! load, with the evidence chain for each.
//!
//! ## Inputs
//! The image config (entrypoint, command, environment, working
//! directory, health check), the [`FsIndex`] built with [`CAPTURE_GLOBS`]
//! and [`probes`] (ELF dynamic facts and script facts gathered during the
//! single streaming pass: the index keeps no file contents otherwise) and
//! the cataloged packages.
//!
//! ## What is followed
//! 1. The programs the container runs ([`entry`]): `ENTRYPOINT` + `CMD`
//!    and the `HEALTHCHECK` command, resolved through `PATH`, `#!` lines,
//!    `env`, init wrappers and `sh -c` strings or shell scripts.
//! 2. Each ELF program's load closure as `ld.so` computes it ([`ldso`]):
//!    `PT_INTERP`, `DT_NEEDED` through `DT_RPATH`/`LD_LIBRARY_PATH`/
//!    `DT_RUNPATH`/`ld.so.conf`/default directories, with `$ORIGIN`,
//!    symlinks and architecture checks. A library already loaded under
//!    the same name (or `DT_SONAME`) is reused, as `ld.so` does.
//! 3. Python's import graph from the entry script ([`python`]), with the
//!    ELF closure of each extension module reached.
//! 4. Node's runtime dependency tree from the app's `package.json`
//!    ([`node`]); dev dependencies are set apart.
//! 5. Java jars named on the `java` command line.
//!
//! ## Packages
//! A package is `reachable` when a loaded file is one of its files (dpkg,
//! apk and rpm file lists, Python `RECORD`s) or locations (a Go or Rust
//! binary, an npm `package.json`, a jar). Paths are compared with their
//! directories' symlinks resolved (`/lib` → `/usr/lib` on merged-`/usr`
//! systems). The chain is the shortest path of load steps to the
//! package's namesake file when there is one (`libssl.so.3` for
//! `libssl3`), otherwise to its nearest file.
//!
//! A package is `unreachable` when nothing loads it and the program is
//! fully known; `unknown` when the entrypoint is missing or cannot be
//! resolved, when a command is only known at run time (`$CMD`, process
//! managers), when a Python import graph cannot be built (for every
//! package not reached), and for jars not on the `java` command line.
//! npm packages reached only through `devDependencies` (or flagged `dev`
//! by the lock file) are `unreachable` as dev dependencies.
//!
//! 6. What programs load by name at run time ([`runtime`]): `libgcc_s`
//!    and NSS modules with libc, OpenSSL's providers with libcrypto, a
//!    Python standard library's extension modules, Node's builtin module
//!    directory, CA certificates, time zones and the user database.
//!
//! ## Limits
//! Other libraries opened with `dlopen` by name (application plugins),
//! code loaded by `ctypes`, data files and programs started by
//! the application itself (`subprocess`, `child_process`) are not seen:
//! a note says so. JavaScript sources are not parsed (declared runtime
//! dependencies count as loaded), nor are Java class paths inside jars.
#![deny(missing_docs)]

pub mod closure;
pub mod entry;
mod graph;
pub mod ldso;
pub mod nginx;
pub mod node;
mod paths;
pub mod probe;
pub mod python;
pub mod runtime;
pub mod shell;

use graph::{Graph, Label};
use pare_elf::ElfInfo;
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{FsIndex, Kind, Probe};
use probe::Script;
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// Extra files to capture in the index pass: the loader's configuration,
/// Python's `pyvenv.cfg` and `.pth` files (npm's `package.json` files are
/// captured by the npm cataloger already).
pub const CAPTURE_GLOBS: &[&str] = &[
    "etc/ld.so.conf",
    "etc/ld.so.conf.d/*",
    "etc/ld-musl-*.path",
    "etc/nsswitch.conf",
    "**/pyvenv.cfg",
    "**/site-packages/*.pth",
    "**/dist-packages/*.pth",
    "**/package.json",
    // nginx's configuration and binaries (`nginx.rs`).
    "etc/nginx/**",
    "usr/local/nginx/conf/**",
    "usr/sbin/nginx",
    "usr/bin/nginx",
    "usr/local/sbin/nginx",
    "usr/local/nginx/sbin/nginx",
    "usr/local/openresty/nginx/conf/**",
    "usr/local/openresty/nginx/sbin/nginx",
    "usr/share/nginx/modules-available/*",
];

/// Most files in the load graph (bounded work on hostile images).
const MAX_NODES: usize = 200_000;

/// The probes reachability needs: ELF dynamic facts and script facts.
#[must_use]
pub fn probes() -> Vec<Arc<dyn Probe>> {
    vec![Arc::new(probe::ElfProbe), Arc::new(probe::ScriptProbe)]
}

/// Reachability of a package: pare's shared [`pare_findings::Reach`].
pub use pare_findings::Reach as Status;

/// The verdict for one package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReach {
    /// Reachable, unreachable or unknown.
    pub status: Status,
    /// Evidence steps, root first (join with ` → ` to print); empty unless
    /// reachable.
    pub chain: Vec<String>,
    /// One short human line.
    pub reason: String,
}

/// Reachability of every package of an image.
#[derive(Debug, Clone, Serialize)]
pub struct Reachability {
    /// The argv as the container runs it (`ENTRYPOINT` + `CMD`).
    pub entrypoint: Vec<String>,
    /// Resolved files that start the closure.
    pub roots: Vec<String>,
    /// Every program the entrypoint and the health check run, directly or
    /// through launchers, shells and `#!` lines (canonical paths, in the
    /// order they were first run): what `pare audit` reports as the tools
    /// an image needs. Not serialized (reports carry their own view).
    #[serde(skip)]
    pub programs: Vec<String>,
    /// Parallel to the packages given (same length, same order).
    pub packages: Vec<PackageReach>,
    /// Caveats: unresolved libraries, what is not seen.
    pub notes: Vec<String>,
}

/// The analysis state shared by the submodules.
pub(crate) struct Cx<'a> {
    pub idx: &'a FsIndex,
    elf: HashMap<&'a str, ElfInfo>,
    scripts: HashMap<&'a str, &'a [u8]>,
    pub env: HashMap<String, String>,
    pub path: Vec<String>,
    pub cwd: String,
    ld: ldso::LdConfig,
    pub graph: Graph,
    /// Path each ELF node was opened by (for `$ORIGIN`).
    opened: HashMap<usize, String>,
    /// `DT_NEEDED` names and sonames already loaded.
    loaded_libs: HashSet<String>,
    pub notes: Vec<String>,
    /// Why the program is not fully known (unreached packages → unknown).
    pub unresolved: Vec<String>,
    pub python_incomplete: Option<String>,
    pub java_ran: bool,
    /// Canonical `package.json` paths reached only via dev dependencies.
    pub node_dev: HashSet<String>,
    /// Command lines already followed.
    pub execs: HashSet<String>,
    /// Steps that fail in the image (for `pare verify`).
    pub problems: Vec<closure::Problem>,
    /// How the command being followed was met.
    pub via: closure::Via,
    /// Which container process the command belongs to.
    pub origin: closure::Origin,
    /// Programs run, canonical paths, first run first.
    pub programs: Vec<String>,
    /// Directories the programs write by what their configuration says
    /// (nginx's: [`nginx::Conf`]), with why.
    pub writes: Vec<(String, String)>,
}

impl<'a> Cx<'a> {
    /// The context of the container's process: the config's `Env` and an
    /// absolute `WorkingDir` (`/` otherwise).
    fn for_config(idx: &'a FsIndex, config: &pare_image::ConfigFile) -> Self {
        let env: HashMap<String, String> = config
            .config
            .env
            .iter()
            .filter_map(|e| e.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cwd = config
            .config
            .working_dir
            .clone()
            .filter(|w| w.starts_with('/'))
            .unwrap_or_else(|| "/".to_string());
        Self::new(idx, env, cwd)
    }

    fn new(idx: &'a FsIndex, env: HashMap<String, String>, cwd: String) -> Self {
        let elf = idx
            .probe_results(probe::ELF_PROBE)
            .filter_map(|(p, b)| Some((p, ElfInfo::decode(b)?)))
            .collect();
        let scripts = idx.probe_results(probe::SCRIPT_PROBE).collect();
        let path = env
            .get("PATH")
            .map_or(entry::DEFAULT_PATH, String::as_str)
            .split(':')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let ld = ldso::LdConfig::load(idx, env.get("LD_LIBRARY_PATH").map(String::as_str), &cwd);
        Self {
            idx,
            elf,
            scripts,
            env,
            path,
            cwd,
            ld,
            graph: Graph::default(),
            opened: HashMap::new(),
            loaded_libs: HashSet::new(),
            notes: Vec::new(),
            unresolved: Vec::new(),
            python_incomplete: None,
            java_ran: false,
            node_dev: HashSet::new(),
            execs: HashSet::new(),
            problems: Vec::new(),
            via: closure::Via::Entrypoint,
            origin: closure::Origin::Entrypoint,
            programs: Vec::new(),
            writes: Vec::new(),
        }
    }

    /// ELF facts of a canonical path (hardlinks share their target's).
    pub fn elf_of(&self, path: &str) -> Option<&ElfInfo> {
        self.elf.get(path).or_else(|| {
            let e = self.idx.get(path)?;
            (e.kind == Kind::Hardlink)
                .then_some(e.link.as_deref())
                .flatten()
                .and_then(|t| self.elf.get(t))
        })
    }

    fn script_bytes(&self, path: &str) -> Option<&'a [u8]> {
        self.scripts.get(path).copied().or_else(|| {
            let e = self.idx.get(path)?;
            (e.kind == Kind::Hardlink)
                .then_some(e.link.as_deref())
                .flatten()
                .and_then(|t| self.scripts.get(t).copied())
        })
    }

    /// Script facts of a canonical path.
    pub fn script(&self, path: &str) -> Option<Script> {
        self.script_bytes(path).map(Script::decode)
    }

    /// Python imports of a canonical path.
    pub fn script_imports(&self, path: &str) -> Option<Vec<String>> {
        self.script(path).map(|s| s.imports)
    }

    /// Add a note once.
    pub fn note(&mut self, n: String) {
        if !self.notes.contains(&n) && self.notes.len() < 200 {
            self.notes.push(n);
        }
    }

    /// Record a step that fails, once.
    pub fn problem(&mut self, p: closure::Problem) {
        if !self.problems.contains(&p) && self.problems.len() < 1000 {
            self.problems.push(p);
        }
    }

    /// A command only known at run time.
    pub fn dynamic(&mut self, word: &str) {
        let m = format!("the command `{word}` is only known at run time");
        if !self.unresolved.contains(&m) {
            self.unresolved.push(m);
        }
    }

    /// Load ELF program `id` (a process's executable) and its closure.
    pub fn load_program(&mut self, id: usize) {
        let path = self.graph.nodes[id].path.clone();
        let Some(info) = self.elf_of(&path).cloned() else {
            return;
        };
        if let Some(interp) = &info.interp {
            match self.idx.resolve(interp) {
                Ok(canon) => {
                    if self.graph.find(&canon).is_none() && self.elf_of(&canon).is_some() {
                        let n = self.graph.add(&canon, Label::Lib(interp.clone()), Some(id));
                        self.graph.alias(interp, n);
                    }
                }
                Err(_) => {
                    self.problem(closure::Problem::InterpreterNotFound {
                        interp: interp.clone(),
                        by: path.clone(),
                    });
                    self.note(format!(
                        "program interpreter `{interp}` of `{path}` not found in the image"
                    ));
                }
            }
        }
        self.opened.insert(id, path);
        self.closure(vec![id]);
    }

    /// Load extension module `id` (`dlopen`ed by the process of `exe`).
    pub fn load_extension(&mut self, id: usize, canon: &str, exe: usize) {
        if self.elf_of(canon).is_none() {
            return;
        }
        self.opened.entry(id).or_insert_with(|| canon.to_string());
        self.closure(vec![id, exe]);
    }

    /// Breadth-first `DT_NEEDED` closure of `start`, whose loader chain
    /// (itself first, the executable last) is `chain`.
    fn closure(&mut self, chain: Vec<usize>) {
        let mut queue: VecDeque<Vec<usize>> = VecDeque::from([chain]);
        while let Some(chain) = queue.pop_front() {
            let id = chain[0];
            let path = self.graph.nodes[id].path.clone();
            let Some(info) = self.elf_of(&path).cloned() else {
                continue;
            };
            if let Some(s) = &info.soname {
                self.loaded_libs.insert(s.clone());
            }
            for needed in &info.needed {
                if self.loaded_libs.contains(needed) {
                    continue;
                }
                if self.graph.nodes.len() >= MAX_NODES {
                    self.note(format!(
                        "more than `{MAX_NODES}` files loaded; the rest are not followed"
                    ));
                    return;
                }
                let infos: Vec<(String, ElfInfo)> = chain
                    .iter()
                    .filter_map(|c| {
                        let p = self
                            .opened
                            .get(c)
                            .cloned()
                            .unwrap_or_else(|| self.graph.nodes[*c].path.clone());
                        let i = self.elf_of(&self.graph.nodes[*c].path)?.clone();
                        Some((p, i))
                    })
                    .collect();
                let objs: Vec<ldso::Obj<'_>> = infos
                    .iter()
                    .map(|(p, i)| ldso::Obj { path: p, info: i })
                    .collect();
                let found = ldso::find(self.idx, &|p| self.elf_of(p), &self.ld, needed, &objs);
                let Some(found) = found else {
                    self.problem(closure::Problem::LibraryNotFound {
                        needed: needed.clone(),
                        by: path.clone(),
                    });
                    self.note(format!(
                        "`{needed}` needed by `{path}` not found in the image"
                    ));
                    continue;
                };
                self.loaded_libs.insert(needed.clone());
                if self.graph.find(&found.canonical).is_some() {
                    continue;
                }
                let n = self
                    .graph
                    .add(&found.canonical, Label::Lib(needed.clone()), Some(id));
                self.graph.alias(&found.opened, n);
                self.opened.insert(n, found.opened);
                let mut next = vec![n];
                next.extend(chain.iter().copied());
                queue.push_back(next);
            }
        }
    }
}

/// The entry at `path` and its canonical path. `path`'s directory must be
/// canonical already: then an entry that is not a symlink is its own
/// canonical path, and a missing one is missing, with one map lookup
/// instead of a full [`FsIndex::resolve`].
pub(crate) fn lookup<'i>(
    idx: &'i FsIndex,
    path: &str,
) -> Option<(String, &'i pare_fsindex::Entry)> {
    match idx.get(path) {
        Some(e) if e.kind != Kind::Symlink => Some((path.to_string(), e)),
        Some(_) => idx.resolve_entry(path).ok(),
        None => None,
    }
}

/// Analyze which `packages` the container's program can load.
#[must_use]
pub fn analyze(
    config: Option<&pare_image::ConfigFile>,
    idx: &FsIndex,
    packages: &[Package],
) -> Reachability {
    let all = |status: Status, reason: &str| -> Vec<PackageReach> {
        packages
            .iter()
            .map(|_| PackageReach {
                status,
                chain: Vec::new(),
                reason: reason.to_string(),
            })
            .collect()
    };
    let Some(config) = config else {
        return Reachability {
            entrypoint: Vec::new(),
            roots: Vec::new(),
            programs: Vec::new(),
            packages: all(
                Status::Unknown,
                "no image config: the entrypoint is not known",
            ),
            notes: Vec::new(),
        };
    };
    let argv = entry::argv(config);
    if argv.is_empty() {
        return Reachability {
            entrypoint: argv,
            roots: Vec::new(),
            programs: Vec::new(),
            packages: all(Status::Unknown, "the image has no entrypoint or command"),
            notes: Vec::new(),
        };
    }
    let mut cx = Cx::for_config(idx, config);
    entry::exec(&mut cx, &argv, None, 0, true);
    if cx.graph.nodes.is_empty() {
        let reason = format!(
            "entrypoint could not be resolved: {}",
            cx.unresolved
                .first()
                .map_or("unknown cause", String::as_str)
        );
        let notes = std::mem::take(&mut cx.notes);
        return Reachability {
            entrypoint: argv,
            roots: Vec::new(),
            programs: std::mem::take(&mut cx.programs),
            packages: all(Status::Unknown, &reason),
            notes,
        };
    }
    if let Some(hc) = entry::healthcheck(config) {
        entry::exec(&mut cx, &hc, None, 0, false);
    }
    runtime::by_name(&mut cx);
    if !cx.elf.is_empty() && cx.graph.nodes.iter().any(|n| cx.elf_of(&n.path).is_some()) {
        cx.note(
            "libraries opened with `dlopen` by name (NSS modules, gconv, plugins) are not seen"
                .to_string(),
        );
    }
    let roots = cx.graph.roots();
    let verdicts = verdicts(&cx, packages);
    Reachability {
        entrypoint: argv,
        roots,
        programs: std::mem::take(&mut cx.programs),
        packages: verdicts,
        notes: cx.notes,
    }
}

/// `libssl` from `libssl3`, `libc` from `libc6`: the stem a package's
/// namesake file starts with.
fn stem(name: &str) -> &str {
    // `t64` is Debian's 64-bit-time suffix (`libssl3t64`).
    let n = name.strip_suffix("t64").unwrap_or(name);
    n.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '_')
}

/// Decide each package.
fn verdicts<'p>(cx: &Cx<'_>, packages: &'p [Package]) -> Vec<PackageReach> {
    // Owned loaded nodes per package, and the owner of each node.
    let mut dir_cache: HashMap<&str, String> = HashMap::new();
    let mut canon = |p: &'p str| -> String {
        let p = p.split('!').next().unwrap_or(p);
        let (dir, name) = (paths::parent(p), paths::file_name(p));
        let d = dir_cache
            .entry(dir)
            .or_insert_with(|| cx.idx.resolve(dir).unwrap_or_else(|_| dir.to_string()));
        paths::join(d, name)
    };
    let mut owned: Vec<Vec<usize>> = vec![Vec::new(); packages.len()];
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for (pi, p) in packages.iter().enumerate() {
        for f in p.files.iter().chain(&p.locations) {
            let c = canon(f);
            let hit = cx.graph.find(&c).or_else(|| cx.graph.find(f));
            if let Some(n) = hit {
                if cx
                    .idx
                    .get(&cx.graph.nodes[n].path)
                    .is_some_and(|e| e.kind == Kind::Dir)
                {
                    continue; // directories are shared, not owned
                }
                if !owned[pi].contains(&n) {
                    owned[pi].push(n);
                }
                owner.entry(n).or_insert(pi);
            }
        }
    }
    let owner_name = |n: usize| owner.get(&n).map(|pi| packages[*pi].name.clone());
    let unresolved = cx.unresolved.first().or(cx.python_incomplete.as_ref());
    packages
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let st = stem(&p.name);
            let best = owned[pi].iter().copied().min_by_key(|n| {
                let node = &cx.graph.nodes[*n];
                let shown = match &node.label {
                    Label::Lib(s) | Label::Name(s) => paths::file_name(s),
                    Label::Path => paths::file_name(&node.path),
                };
                (!(st.len() >= 2 && shown.starts_with(st)), node.depth, *n)
            });
            if let Some(n) = best {
                let reason = match p.ecosystem {
                    Ecosystem::Pypi => "imported by the entrypoint",
                    Ecosystem::Npm => "a runtime dependency of the app",
                    Ecosystem::Go | Ecosystem::Cargo => {
                        "compiled into a program the entrypoint runs"
                    }
                    Ecosystem::Maven => "on the class path of the entrypoint",
                    _ => "loaded by the entrypoint",
                };
                return PackageReach {
                    status: Status::Reachable,
                    chain: cx.graph.chain(n, &owner_name),
                    reason: reason.to_string(),
                };
            }
            let (status, reason) = match p.ecosystem {
                Ecosystem::Npm
                    if p.dev || p.locations.iter().any(|l| cx.node_dev.contains(&canon(l))) =>
                {
                    (
                        Status::Unreachable,
                        "dev dependency: not needed at runtime".to_string(),
                    )
                }
                Ecosystem::Maven if cx.java_ran => (
                    Status::Unknown,
                    "not on the `java` command line; class loading is not analysed".to_string(),
                ),
                _ => match unresolved {
                    Some(u) => (
                        Status::Unknown,
                        format!("the program is not fully known: {u}"),
                    ),
                    None => (
                        Status::Unreachable,
                        "no load path from the entrypoint".to_string(),
                    ),
                },
            };
            PackageReach {
                status,
                chain: Vec::new(),
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
