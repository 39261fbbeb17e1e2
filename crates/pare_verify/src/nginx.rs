//! What nginx writes at run time: its pid file, its temporary directories
//! and its logs, from its configuration (`nginx.conf` and what it
//! includes, `-g` on the command line) and, for what the configuration
//! leaves out, from the defaults compiled into the binary (`nginx -V`'s
//! `--pid-path=`, `--http-client-body-temp-path=`, …, which the binary
//! carries as a string). The classic breakage of a read-only root: nginx
//! stops at `open() "/run/nginx.pid" failed (30: Read-only file system)`
//! or `mkdir() "/var/cache/nginx/client_temp" failed`.
//!
//! Read only when the container runs nginx (a word of its entrypoint or
//! command is `nginx` or ends in `/nginx`, as the official image's
//! `CMD ["nginx", "-g", "daemon off;"]`). The parser is nginx's own
//! grammar reduced to what is needed: words (quoted or not, `\` escapes),
//! `#` comments, directives ended by `;` or opening a `{` block; every
//! directive at any depth is seen (temp paths live in `http` and `server`
//! blocks). `include` is followed (globs, relative to the configuration's
//! directory) to a depth of 8 and 256 files. No crate parses nginx
//! configuration in Rust short of a full AST (`nginx-config` is
//! unmaintained and refuses unknown directives); this needs a dozen words.

use pare_fsindex::{FsIndex, Kind};
use pare_image::ConfigFile;

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
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
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

/// The nginx command line of the container, if it runs nginx: the
/// binary's word and the arguments after it.
fn nginx_argv(config: &ConfigFile) -> Option<(String, Vec<String>)> {
    let c = &config.config;
    let argv: Vec<&String> = c.entrypoint.iter().chain(&c.cmd).collect();
    let at = argv
        .iter()
        .position(|w| *w == "nginx" || w.ends_with("/nginx"))?;
    Some((
        argv[at].clone(),
        argv[at + 1..].iter().map(|s| (*s).clone()).collect(),
    ))
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
    let k = key.as_bytes();
    let at = bytes.windows(k.len()).position(|w| w == k)? + k.len();
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
    files: &mut usize,
    out: &mut Vec<(Vec<String>, String)>,
) {
    if depth > MAX_DEPTH || *files >= MAX_FILES {
        return;
    }
    *files += 1;
    let Some(text) = idx
        .resolve(path)
        .ok()
        .and_then(|p| idx.contents(&p))
        .map(String::from_utf8_lossy)
    else {
        return;
    };
    for d in directives(&text) {
        if d[0] == "include" && d.len() > 1 {
            let pattern = absolute(&d[1], base);
            for p in matching(idx, &pattern) {
                read_conf(idx, &p, base, depth + 1, files, out);
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

/// The directories nginx writes at run time, each with why, when the
/// container runs nginx; none otherwise.
#[must_use]
pub fn written(config: Option<&ConfigFile>, idx: &FsIndex) -> Vec<(String, String)> {
    let Some((word, args)) = config.and_then(nginx_argv) else {
        return Vec::new();
    };
    let bin = binary(idx, &word).unwrap_or_default();
    let mut conf_path = compiled(bin, "--conf-path=").unwrap_or("/etc/nginx/nginx.conf".into());
    let mut prefix = compiled(bin, "--prefix=").unwrap_or("/usr/share/nginx".into());
    let mut extra = String::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => conf_path = it.next().cloned().unwrap_or(conf_path),
            "-p" => prefix = it.next().cloned().unwrap_or(prefix),
            "-g" => extra = it.next().cloned().unwrap_or_default(),
            _ => {}
        }
    }
    let conf_path = absolute(&conf_path, &prefix);
    let base = conf_path
        .rsplit_once('/')
        .map_or("/".to_string(), |(d, _)| d.to_string());
    let mut said: Vec<(Vec<String>, String)> = Vec::new();
    read_conf(idx, &conf_path, &base, 0, &mut 0, &mut said);
    said.extend(
        directives(&extra)
            .into_iter()
            .map(|d| (d, "the command line's -g".to_string())),
    );
    // (directory, why) in order: the configuration's, then compiled-in
    // defaults for what it does not set.
    let mut dirs: Vec<(String, String)> = Vec::new();
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
    let mut set: Vec<&str> = Vec::new();
    for (d, from) in &said {
        let name = d[0].as_str();
        let Some(arg) = d.get(1) else { continue };
        let why = |what: &str| format!("nginx's {what} (`{name}` in {from})");
        match name {
            "pid" => {
                set.push("pid");
                dirs.push((parent(&absolute(arg, &prefix)), why("pid file")));
            }
            "access_log" | "error_log" => {
                set.push(name);
                if is_file_target(arg) {
                    dirs.push((parent(&absolute(arg, &prefix)), why("log")));
                }
            }
            n if TEMP_PATHS.contains(&n) => {
                set.push(name);
                dirs.push((absolute(arg, &prefix), why("temporary files")));
            }
            _ => {}
        }
    }
    for (key, directive) in DEFAULTS {
        // The compiled-in error log is opened before the configuration
        // is read, whatever it says.
        if set.contains(directive) && *directive != "error_log" {
            continue;
        }
        if let Some(v) = compiled(bin, key).filter(|v| is_file_target(v)) {
            let p = absolute(&v, &prefix);
            let (dir, what) = if TEMP_PATHS.contains(directive) {
                (p, "temporary files")
            } else if *directive == "pid" {
                (parent(&p), "pid file")
            } else {
                (parent(&p), "log")
            };
            dirs.push((dir, format!("nginx's {what} (`{key}`, compiled in)")));
        }
    }
    collapse(dirs)
}

/// One entry per directory; temporary directories that share a parent
/// of their own (`/var/lib/nginx/body`, `/var/lib/nginx/proxy`) as that
/// parent: one volume serves them.
fn collapse(dirs: Vec<(String, String)>) -> Vec<(String, String)> {
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
    ];
    let parent = |p: &str| p.rsplit_once('/').map(|(d, _)| d.to_string());
    let mut out: Vec<(String, String)> = Vec::new();
    for (d, why) in &dirs {
        let shared_parent = parent(d).filter(|par| {
            !SHARED.contains(&par.as_str())
                && !par.is_empty()
                && dirs
                    .iter()
                    .filter(|(o, _)| parent(o).as_deref() == Some(par))
                    .count()
                    > 1
        });
        let d = shared_parent.unwrap_or_else(|| d.clone());
        if !out.iter().any(|(o, _)| *o == d) {
            out.push((d, why.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_at_every_depth_with_quotes_comments_and_escapes() {
        let d = directives(
            "user www-data;\npid /run/nginx.pid; # the pid\nhttp {\n  access_log \"/var/log/a b.log\" main;\n  server { listen 80; root '/srv/x\\'y'; }\n}\n",
        );
        let words: Vec<Vec<&str>> = d
            .iter()
            .map(|w| w.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            words,
            vec![
                vec!["user", "www-data"],
                vec!["pid", "/run/nginx.pid"],
                vec!["http"],
                vec!["access_log", "/var/log/a b.log", "main"],
                vec!["server"],
                vec!["listen", "80"],
                vec!["root", "/srv/x'y"],
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_keeps_what_came_before() {
        let d = directives("pid /run/x.pid;\nerror_log \"/var/log/never");
        assert_eq!(d, vec![vec!["pid".to_string(), "/run/x.pid".to_string()]]);
    }

    #[test]
    fn compiled_in_defaults_are_read_from_the_binary_bytes() {
        let bin = b"\x7fELF\0junk\0 --prefix=/usr/share/nginx --pid-path=/run/nginx.pid --http-client-body-temp-path=/var/lib/nginx/body --error-log-path=stderr\0more";
        assert_eq!(
            compiled(bin, "--pid-path=").as_deref(),
            Some("/run/nginx.pid")
        );
        assert_eq!(
            compiled(bin, "--http-client-body-temp-path=").as_deref(),
            Some("/var/lib/nginx/body")
        );
        assert_eq!(
            compiled(bin, "--error-log-path=").as_deref(),
            Some("stderr")
        );
        assert_eq!(compiled(bin, "--http-scgi-temp-path="), None);
    }

    #[test]
    fn temp_directories_under_one_parent_are_one_volume() {
        let d = collapse(vec![
            ("/run".into(), "pid".into()),
            ("/var/lib/nginx/body".into(), "t".into()),
            ("/var/lib/nginx/proxy".into(), "t".into()),
            ("/var/log/nginx".into(), "log".into()),
            ("/var/log/nginx".into(), "log".into()),
        ]);
        let dirs: Vec<&str> = d.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(dirs, ["/run", "/var/lib/nginx", "/var/log/nginx"]);
    }
}
