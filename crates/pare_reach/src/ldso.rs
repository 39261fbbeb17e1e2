//! Finding a `DT_NEEDED` library the way the dynamic loader does.
//!
//! glibc's `ld.so` (`elf/dl-load.c`, `_dl_map_object`) searches, in order:
//! 1. `DT_RPATH` of the loading object and then of each object up its
//!    loader chain to the executable — only when the loading object has no
//!    `DT_RUNPATH`, and skipping chain members that have one;
//! 2. `LD_LIBRARY_PATH` (from the image config's environment);
//! 3. `DT_RUNPATH` of the loading object only (not inherited);
//! 4. `/etc/ld.so.cache`, which `ldconfig` builds from the directories of
//!    `/etc/ld.so.conf` and its `include`d files — emulated here by
//!    searching those directories (the cache is rebuilt from them and is
//!    not read);
//! 5. the default directories: the multiarch ones
//!    (`/lib/x86_64-linux-gnu`, `/usr/lib/x86_64-linux-gnu`), `/lib64`,
//!    `/usr/lib64` for 64-bit, then `/lib`, `/usr/lib`.
//!
//! `$ORIGIN` (directory of the object that carries the path), `$LIB` and
//! `$PLATFORM` are expanded (`${…}` forms too). A candidate is accepted
//! only if it exists (symlinks resolved through the index), is ELF and
//! matches the executable's class, byte order and machine — `ld.so` skips
//! the others and goes on searching. A name with a `/` is a path (relative
//! ones against the working directory). musl's loader (`ld-musl-*`)
//! searches `LD_LIBRARY_PATH`, `DT_RPATH`/`DT_RUNPATH`, then
//! `/etc/ld-musl-$ARCH.path` or `/lib:/usr/local/lib:/usr/lib`.

use super::paths::{join, parent};
use globset::GlobBuilder;
use pare_elf::ElfInfo;
use pare_fsindex::FsIndex;

/// Files to capture for the loader configuration.
pub const GLOBS: &[&str] = &["etc/ld.so.conf", "etc/ld.so.conf.d/*", "etc/ld-musl-*.path"];

/// Deepest `include` nesting followed.
const MAX_INCLUDE_DEPTH: usize = 8;

/// The loader's configuration in the image.
#[derive(Debug, Default, Clone)]
pub(crate) struct LdConfig {
    /// Directories from `/etc/ld.so.conf` (with includes), in order.
    pub conf_dirs: Vec<String>,
    /// `LD_LIBRARY_PATH` of the container's environment.
    pub ld_library_path: Vec<String>,
    /// Working directory, for relative names.
    pub cwd: String,
}

impl LdConfig {
    /// Read `/etc/ld.so.conf` and what it includes from the captured files.
    pub fn load(idx: &FsIndex, ld_library_path: Option<&str>, cwd: &str) -> Self {
        let mut conf_dirs = Vec::new();
        let mut seen = Vec::new();
        read_conf(idx, "/etc/ld.so.conf", 0, &mut conf_dirs, &mut seen);
        Self {
            conf_dirs,
            ld_library_path: ld_library_path
                .map(|p| {
                    p.split([':', ';'])
                        .filter(|d| !d.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            cwd: cwd.to_string(),
        }
    }
}

/// Parse one ld.so.conf-format file: directories separated by white
/// space, `:` or `,`; `include GLOB`; `hwcap` lines ignored; `#` comments.
fn read_conf(
    idx: &FsIndex,
    path: &str,
    depth: usize,
    out: &mut Vec<String>,
    seen: &mut Vec<String>,
) {
    if depth > MAX_INCLUDE_DEPTH || seen.iter().any(|s| s == path) {
        return;
    }
    seen.push(path.to_string());
    let Some(bytes) = idx.contents(path) else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("include") {
            if !rest.starts_with(char::is_whitespace) {
                continue;
            }
            for pat in rest.split_whitespace() {
                let pat = if pat.starts_with('/') {
                    pat.to_string()
                } else {
                    join(parent(path), pat)
                };
                let Ok(glob) = GlobBuilder::new(&pat).literal_separator(true).build() else {
                    continue;
                };
                let m = glob.compile_matcher();
                // glob(3) sorts its matches; `captured()` is sorted by path.
                let files: Vec<String> = idx
                    .captured()
                    .into_iter()
                    .map(|(p, _)| p.to_string())
                    .filter(|p| m.is_match(p))
                    .collect();
                for f in files {
                    read_conf(idx, &f, depth + 1, out, seen);
                }
            }
            continue;
        }
        if line.starts_with("hwcap") {
            continue;
        }
        for d in line
            .split([' ', '\t', ':', ','])
            .filter(|d| d.starts_with('/'))
        {
            let d = d.trim_end_matches('/');
            let d = if d.is_empty() { "/" } else { d };
            if !out.iter().any(|x| x == d) {
                out.push(d.to_string());
            }
        }
    }
}

/// One object of a loader chain: its path (for `$ORIGIN`) and facts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    /// Path the object was opened by.
    pub path: &'a str,
    /// Its dynamic facts.
    pub info: &'a ElfInfo,
}

/// A library found on the search path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The path it was found by (`/usr/lib/x86_64-linux-gnu/libpq.so.5`).
    pub opened: String,
    /// With every symlink resolved.
    pub canonical: String,
}

/// Find `needed` for `chain[0]`, whose loaders are `chain[1..]` (the last
/// one being the executable). `elf` gives the facts of a canonical path.
pub(crate) fn find<'e>(
    idx: &FsIndex,
    elf: &dyn Fn(&str) -> Option<&'e ElfInfo>,
    cfg: &LdConfig,
    needed: &str,
    chain: &[Obj<'_>],
) -> Option<Found> {
    let exe = chain.last()?;
    let accept = |path: &str| -> Option<Found> {
        let canonical = idx.resolve(path).ok()?;
        let info = elf(&canonical)?;
        if !exe.info.compatible(info) {
            return None;
        }
        Some(Found {
            opened: canonical_dir(idx, path),
            canonical,
        })
    };
    if needed.contains('/') {
        let p = if needed.starts_with('/') {
            needed.to_string()
        } else {
            join(&cfg.cwd, needed)
        };
        return accept(&p);
    }
    let musl = exe
        .info
        .interp
        .as_deref()
        .is_some_and(|i| i.contains("ld-musl"));
    for dir in search_dirs(idx, cfg, chain, musl) {
        if let Some(f) = accept(&join(&dir, needed)) {
            return Some(f);
        }
    }
    None
}

/// The directories searched for a library needed by `chain[0]`, in order.
pub(crate) fn search_dirs(
    idx: &FsIndex,
    cfg: &LdConfig,
    chain: &[Obj<'_>],
    musl: bool,
) -> Vec<String> {
    let Some(obj) = chain.first() else {
        return Vec::new();
    };
    let exe = chain.last().unwrap_or(obj);
    let mut dirs: Vec<String> = Vec::new();
    let push = |dirs: &mut Vec<String>, list: &[String], origin: &Obj<'_>| {
        for d in list {
            for e in expand(d, origin, &cfg.cwd) {
                if !dirs.contains(&e) {
                    dirs.push(e);
                }
            }
        }
    };
    if musl {
        push(&mut dirs, &cfg.ld_library_path, obj);
        if let Some(r) = &obj.info.rpath {
            push(&mut dirs, r, obj);
        }
        if let Some(r) = &obj.info.runpath {
            push(&mut dirs, r, obj);
        }
        let arch = match exe.info.machine {
            62 => "x86_64",
            183 => "aarch64",
            3 => "i386",
            40 => "armhf",
            _ => "",
        };
        let conf = idx
            .contents(&format!("/etc/ld-musl-{arch}.path"))
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let list: Vec<String> = match conf {
            Some(t) => t
                .split(['\n', ':'])
                .map(str::trim)
                .filter(|d| d.starts_with('/'))
                .map(str::to_string)
                .collect(),
            None => ["/lib", "/usr/local/lib", "/usr/lib"]
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        push(&mut dirs, &list, obj);
        return dirs;
    }
    if obj.info.runpath.is_none() {
        for o in chain {
            if o.info.runpath.is_none() {
                if let Some(r) = &o.info.rpath {
                    push(&mut dirs, r, o);
                }
            }
        }
    }
    push(&mut dirs, &cfg.ld_library_path, obj);
    if let Some(r) = &obj.info.runpath {
        push(&mut dirs, r, obj);
    }
    push(&mut dirs, &cfg.conf_dirs, obj);
    push(&mut dirs, &default_dirs(exe.info), obj);
    dirs
}

/// glibc's trusted default directories for a process of `exe`'s kind
/// (Debian's multiarch ones first, as its glibc is configured).
pub(crate) fn default_dirs(exe: &ElfInfo) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(t) = exe.multiarch() {
        v.push(format!("/lib/{t}"));
        v.push(format!("/usr/lib/{t}"));
    }
    if exe.is_64 {
        v.push("/lib64".to_string());
        v.push("/usr/lib64".to_string());
    }
    v.push("/lib".to_string());
    v.push("/usr/lib".to_string());
    v
}

/// Expand `$ORIGIN`, `$LIB` and `$PLATFORM` in one search-path element;
/// relative results are relative to the working directory. `$LIB` has
/// several expansions across distributions, so each one is a candidate.
fn expand(dir: &str, origin: &Obj<'_>, cwd: &str) -> Vec<String> {
    if dir.is_empty() {
        // An empty element means the current directory.
        return vec![cwd.to_string()];
    }
    let o = parent(origin.path);
    let mut s = dir
        .replace("${ORIGIN}", o)
        .replace("$ORIGIN", o)
        .replace("${PLATFORM}", origin.info.platform())
        .replace("$PLATFORM", origin.info.platform());
    let libs: Vec<String> = if s.contains("LIB") {
        let mut l = Vec::new();
        if let Some(t) = origin.info.multiarch() {
            l.push(format!("lib/{t}"));
        }
        if origin.info.is_64 {
            l.push("lib64".to_string());
        }
        l.push("lib".to_string());
        l
    } else {
        Vec::new()
    };
    if libs.is_empty() {
        if !s.starts_with('/') {
            s = join(cwd, &s);
        }
        return vec![normalize(&s)];
    }
    libs.iter()
        .map(|l| {
            let e = s.replace("${LIB}", l).replace("$LIB", l);
            normalize(&if e.starts_with('/') { e } else { join(cwd, &e) })
        })
        .collect()
}

/// `path` with its directory's symlinks resolved but its last component
/// kept (how a library was opened: `/usr/lib/x86_64-linux-gnu/libpq.so.5`
/// rather than `/lib/x86_64-linux-gnu/libpq.so.5`).
pub(crate) fn canonical_dir(idx: &FsIndex, path: &str) -> String {
    let (dir, name) = (parent(path), path.rsplit('/').next().unwrap_or(path));
    match idx.resolve(dir) {
        Ok(d) => join(&d, name),
        Err(_) => path.to_string(),
    }
}

/// Lexically remove `.`, `..` and doubled slashes.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(rpath: Option<&str>, runpath: Option<&str>) -> ElfInfo {
        ElfInfo {
            is_64: true,
            machine: 62,
            rpath: rpath.map(|r| r.split(':').map(str::to_string).collect()),
            runpath: runpath.map(|r| r.split(':').map(str::to_string).collect()),
            ..ElfInfo::default()
        }
    }

    #[test]
    fn origin_lib_and_platform_expand() {
        let i = info(None, None);
        let o = Obj {
            path: "/opt/app/bin/app",
            info: &i,
        };
        assert_eq!(expand("$ORIGIN/../lib", &o, "/"), ["/opt/app/lib"]);
        assert_eq!(expand("${ORIGIN}", &o, "/"), ["/opt/app/bin"]);
        assert_eq!(expand("/p/$PLATFORM", &o, "/"), ["/p/x86_64"]);
        assert_eq!(
            expand("/usr/$LIB/x", &o, "/"),
            ["/usr/lib/x86_64-linux-gnu/x", "/usr/lib64/x", "/usr/lib/x"]
        );
        assert_eq!(expand("rel", &o, "/work"), ["/work/rel"]);
    }

    #[test]
    fn rpath_is_ignored_when_runpath_is_present_and_inherited_otherwise() {
        let idx = FsIndex::default();
        let cfg = LdConfig {
            conf_dirs: vec!["/conf".into()],
            ld_library_path: vec!["/env".into()],
            cwd: "/".into(),
        };
        let exe = info(Some("/exe-rpath"), None);
        let lib = info(Some("/lib-rpath"), None);
        let chain = [
            Obj {
                path: "/l/liba.so",
                info: &lib,
            },
            Obj {
                path: "/bin/exe",
                info: &exe,
            },
        ];
        let d = search_dirs(&idx, &cfg, &chain, false);
        assert_eq!(&d[..4], ["/lib-rpath", "/exe-rpath", "/env", "/conf"]);
        // With a RUNPATH, no RPATH at all (not even the executable's), and
        // RUNPATH comes after LD_LIBRARY_PATH.
        let lib = info(Some("/lib-rpath"), Some("$ORIGIN/run"));
        let chain = [
            Obj {
                path: "/l/liba.so",
                info: &lib,
            },
            Obj {
                path: "/bin/exe",
                info: &exe,
            },
        ];
        let d = search_dirs(&idx, &cfg, &chain, false);
        assert_eq!(&d[..3], ["/env", "/l/run", "/conf"]);
        assert!(d.contains(&"/usr/lib/x86_64-linux-gnu".to_string()));
        assert!(!d.contains(&"/lib-rpath".to_string()));
        assert!(!d.contains(&"/exe-rpath".to_string()));
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(normalize("/.."), "/");
    }
}
