//! The file closure of a container: every file its programs can load, as
//! one set, with the steps that fail in the image.
//!
//! One closure serves three commands (see `shared/SLIM.md`): the gate
//! calls a package reachable when a file of the closure is one of its
//! files ([`super::analyze`]); `pare verify` reports the steps that fail
//! ([`Problem`]: a program, a `#!` interpreter, a `DT_NEEDED` library or a
//! program interpreter that is not in the image); `pare slim` keeps the
//! closure's files and every path they were opened by (the symlinks on the
//! way), plus what is loaded by name at run time.
//!
//! [`closure`] follows the same steps as [`super::analyze`] (entrypoint,
//! health check, launchers, shells, `#!` lines, `ld.so`, Python imports,
//! Node dependencies) and, for `slim`, libraries the caller knows are
//! opened with `dlopen` by name (NSS modules, `libgcc_s`, OpenSSL
//! providers, Python extension modules kept by name): each is loaded as
//! an extension of the container's first dynamic program, so its own
//! `DT_NEEDED` closure is added too.

use super::graph::Label;
use super::{entry, Cx};
use pare_fsindex::FsIndex;
use serde::Serialize;
use std::collections::BTreeSet;

/// Which container process a command belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// `ENTRYPOINT` + `CMD`.
    Entrypoint,
    /// The `HEALTHCHECK` command.
    Healthcheck,
}

/// How a command was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Via {
    /// The config's argv itself.
    Entrypoint,
    /// The `#!` line of `script`.
    Shebang {
        /// The script (canonical path).
        script: String,
    },
    /// A `sh -c STRING` command (a shell-form `CMD`, `CMD-SHELL` health
    /// check or an explicit `sh -c`).
    ShellString,
    /// A command of a shell script file.
    ShellScript {
        /// The script (canonical path).
        script: String,
    },
    /// The command a launcher runs (`env`, `tini`, `gosu`...).
    Launcher {
        /// The launcher (canonical path).
        program: String,
    },
}

/// A step that fails in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// A program (or script) that is not in the image.
    NotFound {
        /// As written (`curl`, `/usr/bin/python3`).
        word: String,
        /// Where it was met.
        via: Via,
        /// Which process.
        origin: Origin,
    },
    /// A file that is neither an ELF program nor a `#!` script.
    NotRunnable {
        /// Canonical path.
        path: String,
        /// Where it was met.
        via: Via,
        /// Which process.
        origin: Origin,
    },
    /// A `DT_NEEDED` library not found for its object's architecture.
    LibraryNotFound {
        /// The soname (`libpq.so.5`).
        needed: String,
        /// The object that needs it (canonical path).
        by: String,
    },
    /// A `PT_INTERP` program interpreter that is not in the image.
    InterpreterNotFound {
        /// As recorded (`/lib64/ld-linux-x86-64.so.2`).
        interp: String,
        /// The program (canonical path).
        by: String,
    },
}

/// The closure of a container's programs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Closure {
    /// `ENTRYPOINT` + `CMD`.
    pub argv: Vec<String>,
    /// The health check's argv.
    pub healthcheck: Option<Vec<String>>,
    /// Files that start the closure (the programs the container runs).
    pub roots: Vec<String>,
    /// Every file loaded, by canonical path (for namespace packages, a
    /// directory).
    pub files: BTreeSet<String>,
    /// Paths files were opened or invoked by, where they differ from the
    /// canonical ones (`/usr/bin/python3`, `/lib64/ld-linux-x86-64.so.2`).
    pub opened: BTreeSet<String>,
    /// Steps that fail in the image.
    pub problems: Vec<Problem>,
    /// Why the program is not fully known (a command only known at run
    /// time, an interactive shell, a process manager).
    pub unresolved: Vec<String>,
    /// Caveats.
    pub notes: Vec<String>,
    /// Directories the programs write at run time by what their
    /// configuration says (nginx's pid file, logs and temporary
    /// directories: [`crate::nginx::Conf`]), each with why.
    pub writes: Vec<(String, String)>,
}

/// The closure of the container `config` describes over `idx` (indexed
/// with [`super::CAPTURE_GLOBS`] and [`super::probes`]), with `dlopened`
/// (absolute paths) loaded into the first dynamic program.
#[must_use]
pub fn closure(
    config: Option<&pare_image::ConfigFile>,
    idx: &FsIndex,
    dlopened: &[String],
) -> Closure {
    let Some(config) = config else {
        return Closure {
            unresolved: vec![NO_CONFIG.into()],
            ..Closure::default()
        };
    };
    let mut s = Session::start(config, idx);
    s.load(dlopened);
    s.closure()
}

/// Why a closure without an image config is not known.
pub const NO_CONFIG: &str = "no image config: the entrypoint is not known";

/// A closure that can grow: the container's programs walked once, then
/// libraries loaded into the first dynamic program as they are found
/// ([`Session::load`]), without walking the programs again (`pare slim`
/// loads the libraries it keeps by name, round after round).
pub struct Session<'a> {
    cx: Cx<'a>,
    argv: Vec<String>,
    healthcheck: Option<Vec<String>>,
}

impl<'a> Session<'a> {
    /// Walk the container `config` describes over `idx`.
    #[must_use]
    pub fn start(config: &pare_image::ConfigFile, idx: &'a FsIndex) -> Self {
        let argv = entry::argv(config);
        let mut cx = Cx::for_config(idx, config);
        if argv.is_empty() {
            cx.unresolved
                .push("the image has no entrypoint or command".into());
        } else {
            cx.origin = Origin::Entrypoint;
            cx.via = Via::Entrypoint;
            entry::exec(&mut cx, &argv, None, 0, true);
        }
        let healthcheck = entry::healthcheck(config);
        if let Some(hc) = &healthcheck {
            cx.origin = Origin::Healthcheck;
            cx.via = Via::Entrypoint;
            entry::exec(&mut cx, hc, None, 0, false);
        }
        super::runtime::by_name(&mut cx);
        Self {
            cx,
            argv,
            healthcheck,
        }
    }

    /// Load `dlopened` (absolute paths) into the first dynamic program,
    /// with what they need.
    pub fn load(&mut self, dlopened: &[String]) {
        let cx = &mut self.cx;
        if dlopened.is_empty() {
            return;
        }
        let exe = (0..cx.graph.nodes.len()).find(|&i| {
            cx.elf_of(&cx.graph.nodes[i].path)
                .is_some_and(|e| e.interp.is_some())
        });
        let Some(exe) = exe else { return };
        let idx = cx.idx;
        for p in dlopened {
            let Ok(canon) = idx.resolve(p) else {
                continue;
            };
            if cx.graph.find(&canon).is_some() || cx.elf_of(&canon).is_none() {
                continue;
            }
            let n = cx.graph.add(&canon, Label::Path, Some(exe));
            cx.graph.alias(p, n);
            cx.load_extension(n, &canon, exe);
        }
    }

    /// The closure so far.
    #[must_use]
    pub fn closure(&self) -> Closure {
        let cx = &self.cx;
        let roots = cx.graph.roots();
        let files: BTreeSet<String> = cx.graph.nodes.iter().map(|n| n.path.clone()).collect();
        let opened = cx
            .graph
            .by_path
            .keys()
            .filter(|p| !files.contains(*p))
            .cloned()
            .collect();
        Closure {
            argv: self.argv.clone(),
            healthcheck: self.healthcheck.clone(),
            roots,
            files,
            opened,
            problems: cx.problems.clone(),
            unresolved: cx.unresolved.clone(),
            notes: cx.notes.clone(),
            writes: cx.writes.clone(),
        }
    }
}
