//! What programs load by name at run time, which no `DT_NEEDED` or
//! `import` names (`shared/SLIM.md`). Added to the load graph after the
//! programs are followed, so that the gate's reachability, `pare verify`
//! and `pare slim` see the same files: a file `slim` must keep is a file
//! the gate calls reachable.
//!
//! - libc loaded ⇒ `libgcc_s.so.1` (glibc `dlopen`s it for
//!   `pthread_exit`/`pthread_cancel`), the NSS modules `nsswitch.conf`
//!   names (`libnss_<service>.so.2`; `files` and `dns` are built into glibc
//!   2.34+), `gconv`'s configuration, `ld.so.cache`;
//! - libcrypto loaded ⇒ OpenSSL's providers (`ossl-modules/*.so`), engines
//!   (`engines-3/*.so`) and configuration (`/usr/lib/ssl`);
//! - a Python interpreter run ⇒ every extension module of its standard
//!   library (`lib-dynload/*.so`): modules imported by computed names
//!   (`encodings.*`, `importlib.import_module`) reach them; and, with
//!   `ctypes`, `/sbin/ldconfig`, which `ctypes.util.find_library` runs;
//! - libmagic loaded ⇒ its database (`magic.mgc`);
//! - `node` run ⇒ the distribution's externalised builtin modules
//!   (`/usr/share/nodejs`: undici for `fetch`, `cjs-module-lexer`);
//! - `nginx` run ⇒ its configuration and includes, dynamic modules and
//!   served trees, and what it writes ([`crate::nginx::Conf`], from `launch`);
//! - any program ⇒ the data read by name: the user database and network
//!   files (`/etc/passwd`, `/etc/group`, `/etc/services`, `/etc/hosts`...),
//!   the CA store and every symlink to it, time zones, locales.
//!
//! Each is shown in chains by what loads it (`libgcc_s.so.1 (dlopen by
//! libc)`, `time zones (read by name)`); each ELF file added brings its own
//! `DT_NEEDED` closure.

use super::graph::Label;
use super::paths::{file_name, join, parent};
use super::Cx;
use pare_fsindex::Kind;

/// Data files read by name by any program (when present).
pub const DATA_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/resolv.conf",
    "/etc/gai.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/mime.types",
];

/// Data trees read by name by any program: CA certificates (and the
/// symlinks OpenSSL's default paths go through), time zones, locales.
const DATA_TREES: &[(&str, &str)] = &[
    ("/etc/ssl", "CA certificates (read by name)"),
    (
        "/usr/share/ca-certificates",
        "CA certificates (read by name)",
    ),
    (
        "/usr/local/share/ca-certificates",
        "CA certificates (read by name)",
    ),
    ("/etc/pki/tls", "CA certificates (read by name)"),
    ("/usr/share/zoneinfo", "time zones (read by name)"),
    ("/usr/lib/locale", "locales (read by name)"),
];

/// The NSS services `nsswitch.conf` names that are modules (glibc 2.34+
/// builds `files` and `dns` in).
#[must_use]
pub fn nss_services(conf: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in conf.lines() {
        let line = line.split('#').next().unwrap_or("");
        let Some((_, rest)) = line.split_once(':') else {
            continue;
        };
        for w in rest.split_whitespace() {
            if w.starts_with('[') || w.ends_with(']') || w.contains('=') {
                continue;
            }
            if matches!(w, "files" | "dns")
                || !w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            if !out.iter().any(|o| o == w) {
                out.push(w.to_string());
            }
        }
    }
    out
}

/// Add a file (through its symlinks) as loaded by `parent`; an ELF file
/// is loaded as an extension of `exe`, with its closure.
fn add(cx: &mut Cx<'_>, path: &str, label: &Label, from: usize, exe: Option<usize>) {
    let Ok((canon, e)) = cx.idx.resolve_entry(path) else {
        return;
    };
    if !e.is_file() {
        return;
    }
    if let Some(n) = cx.graph.find(&canon) {
        cx.graph.alias(path, n);
        return;
    }
    let n = cx.graph.add(&canon, label.clone(), Some(from));
    cx.graph.alias(path, n);
    if let Some(exe) = exe.filter(|_| cx.elf_of(&canon).is_some()) {
        cx.load_extension(n, &canon, exe);
    }
}

/// Add every file under `dir` (and the targets of its symlinks).
fn add_tree(cx: &mut Cx<'_>, dir: &str, label: &Label, from: usize, exe: Option<usize>) {
    let Ok(canon) = cx.idx.resolve(dir) else {
        return;
    };
    if canon != dir {
        // keep the way in: `/usr/lib/ssl/certs` → `/etc/ssl/certs`
        if let Some(n) = cx.graph.find(&canon) {
            cx.graph.alias(dir, n);
        }
    }
    let entries: Vec<(String, Kind)> = cx
        .idx
        .under(&canon)
        .map(|(p, e)| (p.to_string(), e.kind))
        .collect();
    for (p, kind) in entries {
        if matches!(kind, Kind::File | Kind::Hardlink | Kind::Symlink) {
            add(cx, &p, label, from, exe);
        }
    }
}

/// The directories a library named in `dir` may have siblings in: itself
/// and its merged-`/usr` twin (`/lib/x86_64-linux-gnu` and
/// `/usr/lib/x86_64-linux-gnu`).
fn twins(dir: &str) -> Vec<String> {
    let mut v = vec![dir.to_string()];
    if let Some(rest) = dir.strip_prefix("/usr") {
        v.push(rest.to_string());
    } else {
        v.push(format!("/usr{dir}"));
    }
    v
}

/// Add what the loaded programs load by name.
pub(crate) fn by_name(cx: &mut Cx<'_>) {
    let count = cx.graph.nodes.len();
    let exe = (0..count).find(|&i| {
        cx.elf_of(&cx.graph.nodes[i].path)
            .is_some_and(|e| e.interp.is_some())
    });
    let any_elf = (0..count).find(|&i| cx.elf_of(&cx.graph.nodes[i].path).is_some());
    let Some(first) = any_elf else {
        return;
    };
    let mut libc = None;
    let mut crypto = None;
    let mut pythons = Vec::new();
    let mut node = None;
    let mut magic = None;
    for i in 0..count {
        let p = cx.graph.nodes[i].path.clone();
        let name = file_name(&p);
        if name.starts_with("libc.so.") && libc.is_none() {
            libc = Some((i, parent(&p).to_string()));
        } else if name.starts_with("libcrypto.so.") && crypto.is_none() {
            crypto = Some((i, parent(&p).to_string()));
        } else if name.starts_with("libmagic.so.") {
            magic = Some(i);
        } else if matches!(name, "node" | "nodejs") && cx.elf_of(&p).is_some() {
            node = Some(i);
        } else if let Some(ver) = stdlib_dir(&p) {
            if !pythons.contains(&ver) {
                pythons.push(ver);
            }
        }
    }
    let data = Label::Name("read by name".into());
    for f in DATA_FILES {
        add(cx, f, &data, first, None);
    }
    for (t, what) in DATA_TREES {
        add_tree(cx, t, &Label::Name((*what).into()), first, None);
    }
    if let Some((i, dir)) = libc {
        add(cx, "/etc/ld.so.cache", &data, i, None);
        let conf = cx
            .idx
            .resolve("/etc/nsswitch.conf")
            .ok()
            .and_then(|p| cx.idx.contents(&p))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let services = nss_services(&conf);
        for d in twins(&dir) {
            let dl = Label::Lib("libgcc_s.so.1 [dlopen by libc: thread exit]".into());
            add(cx, &join(&d, "libgcc_s.so.1"), &dl, i, exe);
            for s in &services {
                let so = format!("libnss_{s}.so.2");
                let l = Label::Lib(format!("{so} [dlopen by libc: nsswitch.conf]"));
                add(cx, &join(&d, &so), &l, i, exe);
            }
            let g = join(&d, "gconv");
            let gl = Label::Name("iconv configuration (read by name)".into());
            add(cx, &join(&g, "gconv-modules"), &gl, i, None);
            add(cx, &join(&g, "gconv-modules.cache"), &gl, i, None);
            add_tree(cx, &join(&g, "gconv-modules.d"), &gl, i, None);
        }
    }
    if let Some((i, dir)) = crypto {
        let l = Label::Name("OpenSSL providers and configuration (loaded by name)".into());
        for d in twins(&dir) {
            add_tree(cx, &join(&d, "ossl-modules"), &l, i, exe);
            add_tree(cx, &join(&d, "engines-3"), &l, i, exe);
        }
        add_tree(cx, "/usr/lib/ssl", &l, i, None);
    }
    for dir in pythons {
        let interp = (0..count).find(|&i| {
            let p = &cx.graph.nodes[i].path;
            file_name(p).starts_with("python") && cx.elf_of(p).is_some()
        });
        if let Some(py) = interp {
            let l = Label::Name("standard library extension (computed imports)".into());
            add_tree(cx, &join(&dir, "lib-dynload"), &l, py, Some(py));
            // `ctypes.util.find_library` runs `/sbin/ldconfig -p` (which
            // reads `ld.so.cache`, kept with libc): without it every name
            // comes back `None`. glibc builds ldconfig static: nothing of
            // its own to load.
            if cx.idx.resolve_entry(&join(&dir, "ctypes/util.py")).is_ok() {
                let l = Label::Name("run by ctypes.util.find_library".into());
                add(cx, "/sbin/ldconfig", &l, py, None);
            }
        }
    }
    if let Some(i) = magic {
        let l = Label::Name("libmagic's database (read by name)".into());
        add_tree(cx, "/usr/lib/file", &l, i, None);
        add_tree(cx, "/usr/share/file", &l, i, None);
        add(cx, "/usr/share/misc/magic.mgc", &l, i, None);
        add(cx, "/etc/magic", &l, i, None);
    }
    if let Some(n) = node {
        let l = Label::Name("node builtin modules (loaded by name)".into());
        add_tree(cx, "/usr/share/nodejs", &l, n, None);
    }
}

/// nginx run as `invoked` with `args`: its configuration files, dynamic
/// modules (with their own `DT_NEEDED` closure) and the trees it serves,
/// which it opens by name, and the directories it writes
/// ([`crate::nginx::Conf`]), read once here for the gate, `verify` and
/// `slim`.
pub(crate) fn nginx(cx: &mut Cx<'_>, id: usize, invoked: &str, args: &[String]) {
    let conf = crate::nginx::Conf::read(cx.idx, invoked, args);
    for w in conf.writes {
        if !cx.writes.iter().any(|(d, _)| *d == w.0) {
            cx.writes.push(w);
        }
    }
    let r = conf.reads;
    let conf = Label::Name("nginx configuration (read by name)".into());
    for f in &r.files {
        add(cx, f, &conf, id, None);
    }
    let module = Label::Name("nginx module (load_module)".into());
    for m in &r.modules {
        add(cx, m, &module, id, Some(id));
    }
    let served = Label::Name("served by nginx (root, alias)".into());
    for t in &r.trees {
        add_tree(cx, t, &served, id, None);
    }
}

/// `/usr/lib/python3.11` for a path inside a Python standard library
/// (`/usr/lib/python3.11/os.py`, `/usr/local/lib/python3.12/…`).
pub(crate) fn stdlib_dir(p: &str) -> Option<String> {
    for base in ["/usr/lib/", "/usr/local/lib/"] {
        if let Some(rest) = p.strip_prefix(base) {
            let ver = rest.split('/').next()?;
            let digits = ver.strip_prefix("python3.")?;
            if !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit())
                && rest.len() > ver.len()
            {
                return Some(format!("{base}{ver}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nss_services_skip_builtin_and_actions() {
        let conf = "passwd: files systemd\ngroup: files [SUCCESS=merge] systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns myhostname # c\n";
        assert_eq!(
            nss_services(conf),
            ["systemd", "mdns4_minimal", "myhostname"]
        );
    }

    #[test]
    fn stdlib_dirs_and_twins() {
        assert_eq!(
            stdlib_dir("/usr/lib/python3.11/os.py").as_deref(),
            Some("/usr/lib/python3.11")
        );
        assert_eq!(
            stdlib_dir("/usr/local/lib/python3.12/lib-dynload/_ssl.so").as_deref(),
            Some("/usr/local/lib/python3.12")
        );
        assert_eq!(stdlib_dir("/usr/lib/python3/dist-packages/x.py"), None);
        assert_eq!(stdlib_dir("/usr/lib/python3.11"), None);
        assert_eq!(
            twins("/lib/x86_64-linux-gnu"),
            ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"]
        );
    }
}
