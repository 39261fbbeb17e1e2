//! What nginx writes at run time: its pid file, its temporary directories
//! and its logs, from its configuration (`nginx.conf` and what it
//! includes, `-g` on the command line) and, for what the configuration
//! leaves out, from the defaults compiled into the binary (`nginx -V`'s
//! `--pid-path=`, `--http-client-body-temp-path=`, …, which the binary
//! carries as a string). The classic breakage of a read-only root: nginx
//! stops at `open() "/run/nginx.pid" failed (30: Read-only file system)`
//! or `mkdir() "/var/cache/nginx/client_temp" failed`.
//!
//! Read when the closure runs nginx (`entry.rs` reaches it however it is
//! started: as the entrypoint, from an entrypoint script's `exec "$@"`
//! with the official image's `CMD ["nginx", "-g", "daemon off;"]`, from
//! `sh -c`), once, for the gate, `verify` and `slim` alike ([`Conf`]):
//! what it reads joins the closure, what it writes is
//! [`crate::closure::Closure::writes`]. The parser is nginx's own
//! grammar reduced to what is needed: words (quoted or not, `\` escapes),
//! `#` comments, directives ended by `;` or opening a `{` block; every
//! directive at any depth is seen (temp paths live in `http` and `server`
//! blocks). `include` is followed (globs, relative to the configuration's
//! directory) to a depth of 8 and 256 files. No crate parses nginx
//! configuration in Rust short of a full AST (`nginx-config` is
//! unmaintained and refuses unknown directives); this needs a dozen words.

use pare_fsindex::{FsIndex, Kind};

/// Directives whose first argument is a directory nginx writes in (it
/// creates the directory at start when it is missing).
const TEMP_PATHS: &[&str] = &[
    "client_body_temp_path",
    "proxy_temp_path",
    "fastcgi_temp_path",
    "uwsgi_temp_path",
    "scgi_temp_path",
    "proxy_cache_path",
    "fastcgi_cache_path",
    "uwsgi_cache_path",
    "scgi_cache_path",
];

/// Compiled-in defaults, by `configure` option, and the directive each
/// stands for.
const DEFAULTS: &[(&str, &str)] = &[
    ("--pid-path=", "pid"),
    ("--http-client-body-temp-path=", "client_body_temp_path"),
    ("--http-proxy-temp-path=", "proxy_temp_path"),
    ("--http-fastcgi-temp-path=", "fastcgi_temp_path"),
    ("--http-uwsgi-temp-path=", "uwsgi_temp_path"),
    ("--http-scgi-temp-path=", "scgi_temp_path"),
    ("--http-log-path=", "access_log"),
    ("--error-log-path=", "error_log"),
];

const MAX_DEPTH: usize = 8;
const MAX_FILES: usize = 256;

/// The directives of a configuration text, each as its words (the name
/// first), in order, at every depth: `http {` is the directive `["http"]`.
/// Unbalanced braces or an unterminated quote end the text where they
/// are: what came before is kept.
#[must_use]
pub fn directives(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' if !in_word => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' | '\'' if !in_word => {
                let quote = c;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        if let Some(n) = chars.next() {
                            word.push(n);
                        }
                    } else if c == quote {
                        closed = true;
                        break;
                    } else {
                        word.push(c);
                    }
                }
                if !closed {
                    return out;
                }
                words.push(std::mem::take(&mut word));
            }
            ';' | '{' | '}' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                let lua = c == '{' && words.first().is_some_and(|w| w.ends_with("_by_lua_block"));
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
                // A Lua block's body is Lua, not directives.
                if lua && !skip_lua(&mut chars) {
                    return out;
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    out
}

/// Skip a Lua block's body, up to and with its closing `}`: braces
/// counted outside Lua's strings and comments. `false` when the text ends
/// first.
fn skip_lua(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let mut depth = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
            '"' | '\'' => {
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// The nginx binary's bytes: the word as a path, else looked up in the
/// usual `sbin` and `bin` directories.
fn binary<'a>(idx: &'a FsIndex, word: &str) -> Option<&'a [u8]> {
    let candidates: Vec<String> = if word.contains('/') {
        vec![word.to_string()]
    } else {
        [
            "/usr/local/sbin",
            "/usr/local/bin",
            "/usr/sbin",
            "/usr/bin",
            "/sbin",
            "/bin",
            "/usr/local/openresty/nginx/sbin",
        ]
        .iter()
        .map(|d| format!("{d}/{word}"))
        .collect()
    };
    candidates.iter().find_map(|p| {
        let real = idx.resolve(p).ok()?;
        idx.get(&real).filter(|e| e.kind == Kind::File)?;
        idx.contents(&real)
    })
}

/// The value of `configure` option `key` (`--pid-path=`) in the binary.
fn compiled(bytes: &[u8], key: &str) -> Option<String> {
    let at = memchr::memmem::find(bytes, key.as_bytes())? + key.len();
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b' ' || b == b'\'' || b == b'"' || b == 0 || b == b'\n')
        .map_or(bytes.len(), |n| at + n);
    let v = std::str::from_utf8(&bytes[at..end]).ok()?;
    (!v.is_empty()).then(|| v.to_string())
}

/// Everything a configuration file says, includes followed.
fn read_conf(
    idx: &FsIndex,
    path: &str,
    base: &str,
    depth: usize,
    read: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    if depth > MAX_DEPTH || read.len() >= MAX_FILES {
        return;
    }
    let Some(text) = idx
        .resolve(path)
        .ok()
        .and_then(|p| idx.contents(&p))
        .map(String::from_utf8_lossy)
    else {
        return;
    };
    read.push(path.to_string());
    for d in directives(&text) {
        if d[0] == "include" && d.len() > 1 {
            let pattern = absolute(&d[1], base);
            for p in matching(idx, &pattern) {
                read_conf(idx, &p, base, depth + 1, read, out);
            }
        } else {
            out.push((d, path.to_string()));
        }
    }
}

/// `p` made absolute against `base`.
fn absolute(p: &str, base: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{}/{p}", base.trim_end_matches('/'))
    }
}

/// The regular files (or links to them) of the index an `include`
/// pattern names, sorted (nginx reads a glob's matches in order).
fn matching(idx: &FsIndex, pattern: &str) -> Vec<String> {
    if !pattern.contains(['*', '?', '[']) {
        return vec![pattern.to_string()];
    }
    let Ok(glob) = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
    else {
        return Vec::new();
    };
    let m = glob.compile_matcher();
    let dir = pattern[..pattern.find(['*', '?', '[']).unwrap_or(0)]
        .rsplit_once('/')
        .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
    let mut v: Vec<String> = idx
        .iter()
        .filter(|(p, e)| {
            p.starts_with(dir) && matches!(e.kind, Kind::File | Kind::Symlink) && m.is_match(p)
        })
        .map(|(p, _)| p.to_string())
        .collect();
    v.sort();
    v
}

/// nginx as a command line runs it: the binary's bytes, the prefix, the
/// directives it reads (with the file each is in) and the configuration
/// files read. `None` when its configuration is not in the index (a `-c`
/// file outside what the pass captured): nothing is known then.
struct Setup<'a> {
    bin: &'a [u8],
    prefix: String,
    said: Vec<(Vec<String>, String)>,
    read: Vec<String>,
}

fn setup<'a>(idx: &'a FsIndex, word: &str, args: &[String]) -> Option<Setup<'a>> {
    let bin = binary(idx, word).unwrap_or_default();
    // nginx's own defaults (a build from source) where the binary names
    // none.
    let mut prefix = compiled(bin, "--prefix=").unwrap_or("/usr/local/nginx".into());
    let mut conf_path = compiled(bin, "--conf-path=").unwrap_or("conf/nginx.conf".into());
    let mut error_log = None;
    let mut extra = String::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => conf_path = it.next().cloned().unwrap_or(conf_path),
            "-p" => prefix = it.next().cloned().unwrap_or(prefix),
            "-g" => extra = it.next().cloned().unwrap_or_default(),
            "-e" => error_log = it.next().cloned(),
            _ => {}
        }
    }
    let conf_path = absolute(&conf_path, &prefix);
    let base = conf_path
        .rsplit_once('/')
        .map_or("/".to_string(), |(d, _)| d.to_string());
    idx.resolve(&conf_path)
        .ok()
        .and_then(|p| idx.contents(&p))?;
    let mut said: Vec<(Vec<String>, String)> = Vec::new();
    let mut read = Vec::new();
    read_conf(idx, &conf_path, &base, 0, &mut read, &mut said);
    if let Some(e) = error_log {
        said.push((vec!["error_log".into(), e], "the command line's -e".into()));
    }
    said.extend(
        directives(&extra)
            .into_iter()
            .map(|d| (d, "the command line's -g".to_string())),
    );
    Some(Setup {
        bin,
        prefix,
        said,
        read,
    })
}

/// What nginx reads by name at run time, beyond its binary's `DT_NEEDED`
/// closure: its configuration files (includes followed), its dynamic
/// modules (`load_module`), the trees it serves (`root`, `alias`), and
/// the files its directives name by absolute path (certificates, keys,
/// `auth_basic_user_file`, error pages).
#[derive(Debug, Default)]
pub struct Reads {
    /// Configuration files, as named.
    pub files: Vec<String>,
    /// Dynamic modules (ELF).
    pub modules: Vec<String>,
    /// Directories served whole.
    pub trees: Vec<String>,
}

/// What nginx, run as a command line, reads and writes by name.
#[derive(Debug, Default)]
pub struct Conf {
    /// What it reads.
    pub reads: Reads,
    /// The directories it writes, each with why.
    pub writes: Vec<(String, String)>,
}

impl Conf {
    /// nginx run as `word` (its binary, as invoked) with `args`: nothing
    /// when its configuration is not in the index (a `-c` file outside
    /// what the pass captured).
    #[must_use]
    pub fn read(idx: &FsIndex, word: &str, args: &[String]) -> Self {
        let Some(setup) = setup(idx, word, args) else {
            return Self::default();
        };
        Self {
            reads: reads(idx, &setup),
            writes: written(idx, &setup),
        }
    }
}

/// [`Reads`] of nginx's [`Setup`].
fn reads(idx: &FsIndex, setup: &Setup<'_>) -> Reads {
    let mut r = Reads {
        files: setup.read.clone(),
        ..Reads::default()
    };
    for (d, _) in &setup.said {
        let name = d[0].as_str();
        match (name, d.get(1)) {
            ("load_module", Some(m)) => r.modules.push(absolute(m, &setup.prefix)),
            ("root" | "alias", Some(dir)) => r.trees.push(absolute(dir, &setup.prefix)),
            _ => {
                for a in d[1..].iter().filter(|a| a.starts_with('/')) {
                    if idx.resolve_entry(a).is_ok_and(|(_, e)| e.is_file()) {
                        r.files.push(a.clone());
                    }
                }
            }
        }
    }
    r
}

/// The directories nginx's [`Setup`] writes at run time, each with why.
fn written(idx: &FsIndex, setup: &Setup<'_>) -> Vec<(String, String)> {
    let (bin, prefix, said) = (setup.bin, setup.prefix.as_str(), &setup.said);
    // (directory, why) in order: the configuration's, then compiled-in
    // defaults for what it does not set.
    let mut dirs: Vec<(String, String, bool)> = Vec::new();
    let parent = |p: &str| {
        p.rsplit_once('/').map_or("/".to_string(), |(d, _)| {
            if d.is_empty() {
                "/".into()
            } else {
                d.into()
            }
        })
    };
    let is_file_target = |p: &str| {
        !(p == "off"
            || p == "stderr"
            || p.starts_with("/dev/")
            || p.starts_with("/proc/")
            || p.starts_with("syslog:")
            || p.starts_with("memory:"))
    };
    // The directory a file is written in: where its path leads in the
    // image (the official image links its logs to `/dev/stdout` and
    // `/dev/stderr`: nothing is written under `/var/log/nginx` then), else
    // its own parent. `None` for a device or a process's file.
    let file_dir = |p: &str| -> Option<String> {
        // A link to a device does not resolve in the image (no `/dev`).
        let link = idx
            .get(p)
            .filter(|e| e.kind == Kind::Symlink)
            .and_then(|e| e.link.as_deref());
        if link.is_some_and(|t| !is_file_target(t)) {
            return None;
        }
        let real = idx.resolve(p).unwrap_or_else(|_| p.to_string());
        is_file_target(&real).then(|| parent(&real))
    };
    let mut set: Vec<&str> = Vec::new();
    for (d, from) in said {
        let name = d[0].as_str();
        let Some(arg) = d.get(1) else { continue };
        let why = |what: &str| format!("nginx's {what} (`{name}` in {from})");
        match name {
            "pid" => {
                set.push("pid");
                if let Some(d) = file_dir(&absolute(arg, prefix)) {
                    dirs.push((d, why("pid file"), false));
                }
            }
            "access_log" | "error_log" => {
                set.push(name);
                if is_file_target(arg) {
                    if let Some(d) = file_dir(&absolute(arg, prefix)) {
                        dirs.push((d, why("log"), false));
                    }
                }
            }
            n if TEMP_PATHS.contains(&n) => {
                set.push(name);
                dirs.push((absolute(arg, prefix), why("temporary files"), true));
            }
            _ => {}
        }
    }
    // Compiled-in defaults for what the configuration does not set (an
    // error log it cannot open at start only makes nginx complain and go
    // on to the configured one).
    for (key, directive) in DEFAULTS {
        if set.contains(directive) {
            continue;
        }
        if let Some(v) = compiled(bin, key).filter(|v| is_file_target(v)) {
            let p = absolute(&v, prefix);
            let why = |what: &str| format!("nginx's {what} (`{key}`, compiled in)");
            if TEMP_PATHS.contains(directive) {
                dirs.push((p, why("temporary files"), true));
            } else if let Some(d) = file_dir(&p) {
                let what = if *directive == "pid" {
                    "pid file"
                } else {
                    "log"
                };
                dirs.push((d, why(what), false));
            }
        }
    }
    collapse(dirs)
}

/// One entry per directory; temporary directories (`temp`) that share a
/// parent of their own (`/var/lib/nginx/body`, `/var/lib/nginx/proxy`)
/// as that parent: one volume serves them. Logs and pid files are never
/// merged upwards (their directory's parent may be the site or the
/// install: `/opt/app`, `/usr/local/nginx`).
fn collapse(dirs: Vec<(String, String, bool)>) -> Vec<(String, String)> {
    const SHARED: &[&str] = &[
        "/",
        "/var",
        "/var/lib",
        "/var/cache",
        "/var/log",
        "/tmp",
        "/run",
        "/var/run",
        "/usr",
        "/etc",
        "/opt",
        "/srv",
        "/home",
    ];
    let parent = |p: &str| p.rsplit_once('/').map(|(d, _)| d.to_string());
    let mut temps: Vec<&str> = dirs.iter().filter(|d| d.2).map(|d| d.0.as_str()).collect();
    temps.sort_unstable();
    temps.dedup();
    let mut out: Vec<(String, String)> = Vec::new();
    for (d, why, temp) in &dirs {
        let merged = parent(d).filter(|par| {
            *temp
                && !par.is_empty()
                && !SHARED.contains(&par.as_str())
                && temps
                    .iter()
                    .filter(|o| parent(o).as_deref() == Some(par))
                    .count()
                    > 1
        });
        let d = merged.unwrap_or_else(|| d.clone());
        if !out.iter().any(|(o, _)| *o == d) {
            out.push((d, why.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
