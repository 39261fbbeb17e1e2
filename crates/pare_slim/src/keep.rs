//! What `pare slim` keeps: the container's closure, every symlink on the
//! way, and what is loaded by name at run time (`shared/SLIM.md`), to a
//! fixed point: each round adds the `DT_NEEDED` closure of every ELF file
//! kept so far (a Python extension kept with its package needs its
//! libraries; libcrypto kept brings OpenSSL's providers, whose own
//! libraries are added in the next round).

use crate::{Error, Result};
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{FsIndex, Kind};
use pare_image::ConfigFile;
use pare_reach::closure::Session;
use pare_reach::ldso::normalize;
use std::collections::{BTreeSet, HashSet};

/// What the user asks for on top of the closure.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--keep GLOB`: image paths (with or without the leading `/`) kept
    /// with everything they need.
    pub keep_globs: Vec<String>,
}

/// The plan: paths kept, files rewritten, packages kept and removed.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every path kept (directories, files, symlinks), absolute.
    pub keep: BTreeSet<String>,
    /// Files whose bytes change (the package database), absolute.
    pub replaced: Vec<(String, Vec<u8>)>,
    /// Indices (into the packages given) of the packages whose files remain.
    pub packages_kept: Vec<usize>,
    /// Indices of the packages removed.
    pub packages_removed: Vec<usize>,
    /// Why some things were kept or not.
    pub notes: Vec<String>,
}

/// Files every image keeps when present, beyond what any program reads by
/// name ([`pare_reach::runtime::DATA_FILES`], kept with them): the
/// loader's cache and configuration and the OS identity (scanners read
/// it).
const ALWAYS: &[&str] = &[
    "/etc/hostname",
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
];

/// Directories kept whole when present (the loader's configuration;
/// what programs read by name comes with the closure:
/// [`pare_reach::runtime`]).
const ALWAYS_TREES: &[&str] = &["/etc/ld.so.conf.d"];

/// Mount points and directories a runtime expects: kept (empty) when
/// present.
const MOUNT_POINTS: &[&str] = &["/dev", "/proc", "/sys", "/run", "/tmp", "/var/tmp"];

/// Parts of a Python standard library never imported by an application.
const STDLIB_SKIP: &[&str] = &[
    "site-packages",
    "dist-packages",
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "lib2to3",
];

/// `dir/name` for absolute paths.
fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The parent of an absolute path.
fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &p[..i],
    }
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// The kept set, with the walk that adds a path's symlinks.
struct Keep<'i> {
    idx: &'i FsIndex,
    set: BTreeSet<String>,
    canon: Canon<'i>,
}

impl Keep<'_> {
    /// Keep `path` as the kernel opens it: every symlink met on the way
    /// (and its target), every directory, the final entry and, for a
    /// hardlink, its target. Returns the canonical path when it exists.
    fn path(&mut self, path: &str) -> Option<String> {
        self.walk(&normalize(path), 0)
    }

    fn walk(&mut self, path: &str, hops: usize) -> Option<String> {
        if hops > 40 {
            return None;
        }
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let mut cur = String::new();
        for (i, c) in comps.iter().enumerate() {
            let cand = format!("{cur}/{c}");
            let e = self.idx.get(&cand)?;
            self.set.insert(cand.clone());
            match e.kind {
                Kind::Symlink => {
                    let link = e.link.clone().unwrap_or_default();
                    let base = if cur.is_empty() { "/" } else { cur.as_str() };
                    let mut next = join(base, &link);
                    for r in &comps[i + 1..] {
                        next.push('/');
                        next.push_str(r);
                    }
                    return self.walk(&normalize(&next), hops + 1);
                }
                Kind::Hardlink => {
                    if let Some(t) = e.link.clone() {
                        self.walk(&normalize(&t), hops + 1);
                    }
                }
                _ => {}
            }
            cur = cand;
        }
        Some(if cur.is_empty() { "/".into() } else { cur })
    }

    /// Keep the directory `dir` (through its symlinks) and everything
    /// under it that `skip` does not refuse, with the targets of the
    /// symlinks inside.
    fn tree(&mut self, dir: &str, skip: &dyn Fn(&str) -> bool) {
        let Some(canon) = self.path(dir) else {
            return;
        };
        let idx = self.idx;
        let mut links = Vec::new();
        for (p, e) in idx.under(&canon) {
            if skip(p) {
                continue;
            }
            self.set.insert(p.to_string());
            if matches!(e.kind, Kind::Symlink | Kind::Hardlink) {
                links.push(p.to_string());
            }
        }
        for l in links {
            self.path(&l);
        }
    }

    /// Whether a path (with its directory's symlinks resolved) is kept.
    fn has(&self, p: &str) -> bool {
        self.set.contains(p) || self.set.contains(&self.canon.path(p))
    }
}

/// Paths with their directory's symlinks resolved (package databases list
/// `/lib/x86_64-linux-gnu/libc.so.6` on merged-`/usr` systems, where the
/// file is under `/usr/lib`), each directory resolved once: the databases
/// list thousands of files in a few hundred directories, and resolving
/// every one of them was a third of the plan's time on `python-app`.
pub(crate) struct Canon<'i> {
    pub(crate) idx: &'i FsIndex,
    dirs: std::cell::RefCell<std::collections::HashMap<String, Option<String>>>,
}

impl<'i> Canon<'i> {
    pub(crate) fn new(idx: &'i FsIndex) -> Self {
        Self {
            idx,
            dirs: std::cell::RefCell::default(),
        }
    }

    /// `p` with its directory resolved (`p` itself when it does not
    /// resolve).
    pub(crate) fn path(&self, p: &str) -> String {
        let d = parent(p);
        let mut dirs = self.dirs.borrow_mut();
        let c = dirs
            .entry(d.to_string())
            .or_insert_with(|| self.idx.resolve(d).ok());
        match c {
            Some(c) => join(c, file_name(p)),
            None => p.to_string(),
        }
    }
}

/// Directories that belong to the system, not to an application.
fn is_system_dir(d: &str) -> bool {
    matches!(
        d,
        "/" | "/usr" | "/var" | "/opt" | "/home" | "/srv" | "/root" | "/tmp" | "/run"
    ) || [
        "/usr/",
        "/bin",
        "/sbin",
        "/lib",
        "/etc",
        "/proc",
        "/sys",
        "/dev",
        "/var/lib/",
        "/tmp/",
    ]
    .iter()
    .any(|s| d.starts_with(s))
}

/// Plan what to keep.
///
/// # Errors
/// [`Error::Unknown`] when the program is not fully known (an interactive
/// shell, a command only known at run time, a process manager): what it
/// runs could be removed. [`Error::Glob`] for a bad `--keep`.
pub fn plan(
    config: Option<&ConfigFile>,
    idx: &FsIndex,
    packages: &[Package],
    opts: &Options,
) -> Result<Plan> {
    let mut globs = globset::GlobSetBuilder::new();
    for g in &opts.keep_globs {
        let pat = g.trim_start_matches('/');
        globs.add(
            globset::GlobBuilder::new(pat)
                .literal_separator(true)
                .build()
                .map_err(|source| Error::Glob {
                    glob: g.clone(),
                    source,
                })?,
        );
    }
    let globs = globs.build().map_err(|source| Error::Glob {
        glob: opts.keep_globs.join(" "),
        source,
    })?;
    // One walk of the container's programs; the libraries kept by name are
    // loaded into it round after round (the closure never shrinks).
    let Some(image_config) = config else {
        return Err(Error::Unknown(format!(
            "the program is not fully known ({}): what it runs would be removed",
            pare_reach::closure::NO_CONFIG
        )));
    };
    let mut session = Session::start(image_config, idx);
    let first = session.closure();
    if let Some(u) = first.unresolved.first() {
        return Err(Error::Unknown(format!(
            "the program is not fully known ({u}): what it runs would be removed"
        )));
    }
    if first.files.is_empty() {
        return Err(Error::Unknown(
            "the entrypoint could not be resolved: nothing is known to be needed".into(),
        ));
    }
    let elf: HashSet<&str> = idx
        .probe_results(pare_reach::probe::ELF_PROBE)
        .map(|(p, _)| p)
        .collect();
    let mut k = Keep {
        idx,
        set: BTreeSet::new(),
        canon: Canon::new(idx),
    };
    let mut notes = Vec::new();
    for p in pare_reach::runtime::DATA_FILES.iter().chain(ALWAYS) {
        k.path(p);
    }
    for t in ALWAYS_TREES {
        k.tree(t, &|_| false);
    }
    for m in MOUNT_POINTS {
        if idx.get(m).is_some_and(|e| e.kind == Kind::Dir) {
            k.set.insert((*m).to_string());
        }
    }
    let user = pare_verify::user::resolve(idx, config.and_then(|c| c.config.user.as_deref()));
    if let Some(h) = user.home.filter(|h| h != "/") {
        k.path(&h);
    }
    // Directories the software writes at run time (nginx's temporary and
    // log directories, the user's own): kept, even empty, for a program
    // that creates files in them fails when they are gone (`mkdir()
    // "/var/lib/nginx/body" failed (2: No such file or directory)`).
    for (d, _) in pare_verify::written_dirs(config, idx, &first) {
        if idx.get(&d).is_some_and(|e| e.kind == Kind::Dir) {
            k.path(&d);
        }
    }
    let mut app_dirs: Vec<String> = Vec::new();
    if let Some(c) = config {
        for v in c.config.volumes.keys() {
            k.path(v);
        }
        if let Some(w) = c.config.working_dir.as_deref() {
            app_dirs.push(w.to_string());
        }
    }
    for r in &first.roots {
        if !elf.contains(r.as_str()) {
            app_dirs.push(parent(r).to_string());
        }
    }
    for d in app_dirs {
        let Ok(canon) = idx.resolve(&d) else {
            continue;
        };
        if is_system_dir(&canon) {
            continue;
        }
        k.tree(&canon, &|p| {
            p.contains("/node_modules/")
                || p.contains("/site-packages/")
                || p.contains("/dist-packages/")
        });
    }
    if !globs.is_empty() {
        let hits: Vec<String> = idx
            .iter()
            .filter(|(p, _)| globs.is_match(&p[1..]))
            .map(|(p, _)| p.to_string())
            .collect();
        if hits.is_empty() {
            notes.push(format!(
                "--keep {} matched nothing in the image",
                opts.keep_globs.join(" ")
            ));
        }
        for h in hits {
            k.path(&h);
        }
    }
    let mut seeds: BTreeSet<String> = first.files.iter().chain(&first.opened).cloned().collect();
    let mut loaded: HashSet<String> = first.files.clone().into_iter().collect();
    for round in 0..8 {
        let before = k.set.len();
        for s in std::mem::take(&mut seeds) {
            k.path(&s);
        }
        python(&mut k);
        node(&mut k);
        whole_packages(&mut k, packages);
        // The ELF closure of everything kept (a second `ld.so` walk over
        // the libraries kept by name).
        let extra: Vec<String> = k
            .set
            .iter()
            .filter(|p| elf.contains(p.as_str()) && !loaded.contains(*p))
            .cloned()
            .collect();
        if !extra.is_empty() {
            session.load(&extra);
            let c = session.closure();
            for p in c.files.iter().chain(&c.opened) {
                if k.set.contains(p) {
                    continue;
                }
                seeds.insert(p.clone());
            }
            loaded.extend(c.files);
            loaded.extend(extra);
        }
        if k.set.len() == before && seeds.is_empty() {
            break;
        }
        if round == 7 {
            notes.push("the kept set was still growing after 8 rounds".into());
        }
    }
    let rewrite = crate::pkgdb::rewrite(&k.canon, packages, &mut k.set);
    // Every kept path's directories, and the mount points a runtime (or
    // `bwrap`) mounts over.
    for m in ["/dev", "/proc", "/sys", "/tmp"] {
        if idx.get(m).is_some_and(|e| e.kind == Kind::Dir) {
            k.set.insert(m.to_string());
        }
    }
    let all: Vec<String> = k.set.iter().cloned().collect();
    for p in all {
        let mut d = parent(&p);
        while d != "/" && k.set.insert(d.to_string()) {
            d = parent(d);
        }
    }
    notes.extend(rewrite.notes);
    let mut replaced = rewrite.replaced;
    replaced.extend(ld_cache(&k));
    Ok(Plan {
        keep: k.set,
        replaced,
        packages_kept: rewrite.kept,
        packages_removed: rewrite.removed,
        notes,
    })
}

/// `/etc/ld.so.cache` listing only the libraries kept (what
/// `ldconfig -p`, and so `ctypes.util.find_library`, prints), when it is
/// kept and is a cache [`crate::ldcache`] rewrites: a library stays when
/// the path the cache gives opens a kept file in the slimmed image.
fn ld_cache(k: &Keep<'_>) -> Option<(String, Vec<u8>)> {
    let idx = k.idx;
    let path = idx.resolve("/etc/ld.so.cache").ok()?;
    if !k.set.contains(&path) {
        return None;
    }
    let bytes = idx.contents(&path)?;
    let new = crate::ldcache::rewrite(bytes, &|lib| opens_kept(k, lib.path))?;
    Some((path, new))
}

/// Whether `path`, opened as `ld.so` opens it, leads to a kept file
/// through kept links only: each symlink met on the way (`/lib` →
/// `usr/lib`, `libz.so.1` → `libz.so.1.2.13`) is kept, and so is the file.
fn opens_kept(k: &Keep<'_>, path: &str) -> bool {
    let idx = k.idx;
    let mut cur = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        cur.push('/');
        cur.push_str(part);
        if idx.get(&cur).is_some_and(|e| e.kind == Kind::Symlink) {
            if !k.set.contains(&cur) {
                return false;
            }
            match idx.resolve(&cur) {
                Ok(c) => cur = c,
                Err(_) => return false,
            }
        }
    }
    k.set.contains(&cur) && idx.get(&cur).is_some_and(|e| e.kind != Kind::Dir)
}

/// Python: the whole standard library of an interpreter whose modules are
/// kept (computed imports, `encodings.*` looked up by codec name, lazy
/// imports inside the standard library), minus tests and GUI tools; and
/// every top-level package or module of a site directory that an import
/// reached, whole (plugins and submodules imported by computed names).
fn python(k: &mut Keep<'_>) {
    let mut stdlibs: BTreeSet<String> = BTreeSet::new();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    for p in &k.set {
        for marker in ["/site-packages/", "/dist-packages/"] {
            if let Some(i) = p.find(marker) {
                let site = &p[..i + marker.len() - 1];
                let rest = &p[i + marker.len()..];
                let first = rest.split('/').next().unwrap_or("");
                if !first.is_empty()
                    && !first.ends_with(".dist-info")
                    && !first.ends_with(".egg-info")
                {
                    tops.insert(format!("{site}/{first}"));
                }
            }
        }
        let mut parts = p.splitn(6, '/');
        let (_, a, b, c) = (parts.next(), parts.next(), parts.next(), parts.next());
        // /usr/lib/python3.X/… or /usr/local/lib/python3.X/…
        let (base, ver) = match (a, b, c) {
            (Some("usr"), Some("lib"), Some(v)) => ("/usr/lib".to_string(), v),
            (Some("usr"), Some("local"), Some("lib")) => {
                ("/usr/local/lib".to_string(), parts.next().unwrap_or(""))
            }
            _ => continue,
        };
        if ver.starts_with("python3.")
            && ver[8..].chars().all(|c| c.is_ascii_digit())
            && ver.len() > 8
        {
            stdlibs.insert(format!("{base}/{ver}"));
        }
    }
    for d in stdlibs {
        let skip: Vec<String> = STDLIB_SKIP.iter().map(|s| format!("{d}/{s}")).collect();
        k.tree(&d, &|p| {
            skip.iter().any(|s| {
                p == s || (p.starts_with(s.as_str()) && p.as_bytes().get(s.len()) == Some(&b'/'))
            })
        });
    }
    for t in tops {
        match k.idx.get(&t).map(|e| e.kind) {
            Some(Kind::Dir) => k.tree(&t, &|_| false),
            Some(_) => {
                k.path(&t);
            }
            None => {}
        }
    }
}

/// Node: every npm package whose `package.json` is kept, whole (but not
/// the packages nested in its `node_modules`, kept when reached); the
/// distribution's externalised builtin modules when `node` is kept.
fn node(k: &mut Keep<'_>) {
    let pkgs: Vec<String> = k
        .set
        .iter()
        .filter(|p| p.ends_with("/package.json") && p.contains("/node_modules/"))
        .map(|p| parent(p).to_string())
        .collect();
    for d in pkgs {
        let nested = format!("{d}/node_modules/");
        k.tree(&d, &|p| p.starts_with(&nested));
    }
    let has_node = k
        .set
        .iter()
        .any(|p| matches!(file_name(p), "node" | "nodejs") && p.contains("/bin/"));
    if has_node {
        k.tree("/usr/share/nodejs", &|_| false);
        k.tree("/usr/lib/nodejs", &|_| false);
    }
}

/// Python distributions and npm packages are kept whole once any of their
/// files is (their metadata, data files and bundled libraries: a wheel's
/// `*.libs/`); a Debian package kept keeps its copyright file (licenses).
fn whole_packages(k: &mut Keep<'_>, packages: &[Package]) {
    for p in packages {
        match p.ecosystem {
            Ecosystem::Pypi if p.files.iter().any(|f| k.has(f)) => {
                for f in &p.files {
                    k.path(f);
                }
                for l in &p.locations {
                    k.tree(parent(l), &|_| false);
                }
            }
            Ecosystem::Npm if p.locations.iter().any(|l| k.has(l)) => {
                for l in &p.locations {
                    let d = parent(l).to_string();
                    let nested = format!("{d}/node_modules/");
                    k.tree(&d, &|x| x.starts_with(&nested));
                }
            }
            Ecosystem::Deb => {
                let doc = format!("/usr/share/doc/{}/copyright", p.name);
                if k.idx.get(&k.canon.path(&doc)).is_some()
                    && !k.has(&doc)
                    && p.files.iter().any(|f| {
                        k.has(f)
                            && k.idx
                                .resolve_entry(&k.canon.path(f))
                                .is_ok_and(|(_, e)| e.kind != Kind::Dir)
                    })
                {
                    k.path(&doc);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_dirs() {
        assert!(is_system_dir("/usr/local/bin"));
        assert!(is_system_dir("/"));
        assert!(!is_system_dir("/app"));
        assert!(!is_system_dir("/srv/app"));
        assert!(!is_system_dir("/home/node/app"));
    }
}
