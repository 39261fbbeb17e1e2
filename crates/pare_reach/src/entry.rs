//! From the image config to the programs the container runs.
//!
//! The argv is `ENTRYPOINT` followed by `CMD` (Docker's rule; `CMD` alone
//! when there is no entrypoint), plus the `HEALTHCHECK` command, which the
//! runtime also runs inside the container. `argv[0]` without a `/` is
//! looked up in the config's `PATH` (Docker's default when unset),
//! relative paths against `WorkingDir`, and symlinks are followed through
//! the index. Then, by what the file is:
//!
//! - an ELF program: its loader closure is added, and known launchers are
//!   followed by name: `env` (options and `NAME=value` skipped), `tini`,
//!   `dumb-init`, `catatonit`, `nice`, `nohup`, `stdbuf` (options skipped),
//!   `gosu`/`su-exec` (a user, then the command), shells (`-c STRING` is
//!   parsed into commands, each run in turn; a script argument is read),
//!   `busybox APPLET`, `python*` ([`super::python`]), `node`/`nodejs`
//!   ([`super::node`]) and `java` (`-jar`, `-cp`);
//! - a `#!` script: run as its interpreter with the script as argument;
//!   `/usr/bin/env NAME` finds `NAME` in `PATH`.
//!
//! A shell command whose program is a variable or a command substitution
//! cannot be resolved statically: it is recorded, and packages not
//! otherwise reached become `unknown` rather than `unreachable`. So do
//! process managers (`supervisord`, `s6-svscan`, `runsvdir`), whose
//! programs come from configuration files that are not read, and an
//! interactive shell (`CMD ["bash"]`), which can run anything installed.

use super::closure::{Problem, Via};
use super::graph::Label;
use super::paths::{file_name, join};
use super::probe::is_shell;
use super::{node, python, shell, Cx};
use pare_image::ConfigFile;

/// Docker's `PATH` when the config sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Deepest chain of programs starting programs that is followed.
const MAX_DEPTH: usize = 16;

/// `ENTRYPOINT` + `CMD`.
#[must_use]
pub fn argv(config: &ConfigFile) -> Vec<String> {
    let c = &config.config;
    c.entrypoint.iter().chain(&c.cmd).cloned().collect()
}

/// The `HEALTHCHECK` command as an argv, if any.
#[must_use]
pub fn healthcheck(config: &ConfigFile) -> Option<Vec<String>> {
    let t = &config.config.healthcheck.as_ref()?.test;
    match t.first()?.as_str() {
        "CMD" => Some(t[1..].to_vec()).filter(|v| !v.is_empty()),
        "CMD-SHELL" => Some(vec!["/bin/sh".into(), "-c".into(), t.get(1)?.clone()]),
        _ => None,
    }
}

/// Find `word` as the kernel (absolute/relative) or a shell (`PATH`)
/// would: `(path as invoked, canonical path)` of a regular file.
pub(crate) fn which(cx: &Cx<'_>, word: &str) -> Option<(String, String)> {
    let try_path = |p: String| -> Option<(String, String)> {
        let (canon, e) = cx.idx.resolve_entry(&p).ok()?;
        e.is_file().then_some((p, canon))
    };
    if word.contains('/') {
        return try_path(join(&cx.cwd, word));
    }
    if word.is_empty() {
        return None;
    }
    cx.path
        .iter()
        .find_map(|d| try_path(join(&join(&cx.cwd, d), word)))
}

/// Run `argv` as a process started by node `parent` (`None` for the
/// container's own processes). `strict`: a program that is not found makes
/// the result `unknown` (the entrypoint), rather than a note (a command in
/// a script, which may be a function).
pub(crate) fn exec(
    cx: &mut Cx<'_>,
    argv: &[String],
    parent: Option<usize>,
    depth: usize,
    strict: bool,
) {
    let Some(word) = argv.first() else {
        return;
    };
    if depth > MAX_DEPTH {
        cx.note(format!(
            "programs nest deeper than `{MAX_DEPTH}` at `{word}`; not followed"
        ));
        return;
    }
    if !cx.execs.insert(argv.join("\u{0}")) {
        return; // the same command line was already followed
    }
    if word.starts_with('$') {
        cx.dynamic(word);
        return;
    }
    let Some((invoked, canon)) = which(cx, word) else {
        cx.problem(Problem::NotFound {
            word: word.clone(),
            via: cx.via.clone(),
            origin: cx.origin,
        });
        let msg = format!("`{word}` not found in `PATH`");
        if strict {
            cx.unresolved.push(msg);
        } else {
            cx.note(format!("command {msg}"));
        }
        return;
    };
    if !cx.programs.contains(&canon) {
        cx.programs.push(canon.clone());
    }
    if cx.elf_of(&canon).is_some() {
        let id = match cx.graph.find(&canon) {
            Some(id) => id,
            None => {
                let id = cx.graph.add(&canon, Label::Path, parent);
                cx.graph.alias(&invoked, id);
                cx.load_program(id);
                id
            }
        };
        launch(cx, id, &invoked, &canon, argv, depth);
        return;
    }
    if let Some((interp, arg)) = cx.script(&canon).and_then(|s| s.shebang) {
        let id = cx
            .graph
            .find(&canon)
            .unwrap_or_else(|| cx.graph.add(&canon, Label::Path, parent));
        let mut next = vec![interp];
        next.extend(arg);
        next.push(invoked);
        next.extend(argv[1..].iter().cloned());
        let saved = std::mem::replace(
            &mut cx.via,
            Via::Shebang {
                script: canon.clone(),
            },
        );
        exec(cx, &next, Some(id), depth + 1, strict);
        cx.via = saved;
        return;
    }
    cx.problem(Problem::NotRunnable {
        path: canon.clone(),
        via: cx.via.clone(),
        origin: cx.origin,
    });
    let msg = format!("`{canon}` is neither an ELF program nor a `#!` script");
    if strict {
        cx.unresolved.push(msg);
    } else {
        cx.note(msg);
    }
}

/// Follow what a known program does with its arguments.
fn launch(cx: &mut Cx<'_>, id: usize, invoked: &str, canon: &str, argv: &[String], depth: usize) {
    let args = &argv[1..];
    // Multi-call binaries (busybox) act by the name they are run as.
    let mut name = file_name(invoked).to_string();
    if name == "busybox" {
        if let Some(applet) = args.first() {
            let mut next = vec![applet.clone()];
            next.extend(args[1..].iter().cloned());
            if is_shell(applet) {
                return shell_run(cx, id, &next, depth);
            }
            return exec(cx, &next, Some(id), depth + 1, false);
        }
        return;
    }
    if !is_known(&name) {
        name = file_name(canon).to_string();
    }
    let saved = std::mem::replace(
        &mut cx.via,
        Via::Launcher {
            program: canon.to_string(),
        },
    );
    launch_known(cx, id, &name, (invoked, canon), argv, depth);
    cx.via = saved;
}

/// [`launch`] once the program's name is known.
fn launch_known(
    cx: &mut Cx<'_>,
    id: usize,
    name: &str,
    (invoked, canon): (&str, &str),
    argv: &[String],
    depth: usize,
) {
    let args = &argv[1..];
    let skip_opts = |a: &[String]| -> Vec<String> {
        let mut i = 0;
        while i < a.len() && a[i].starts_with('-') {
            i += 1;
            if a[i - 1] == "--" {
                break;
            }
        }
        a[i..].to_vec()
    };
    match name {
        "env" => {
            let mut i = 0;
            while i < args.len() {
                let a = &args[i];
                if a == "-u" || a == "--unset" || a == "-C" || a == "--chdir" {
                    i += 2;
                } else if a == "-S" || a == "--split-string" {
                    let words: Vec<String> = args
                        .get(i + 1)
                        .map(|s| s.split_whitespace().map(str::to_string).collect())
                        .unwrap_or_default();
                    let mut next = words;
                    next.extend(args.get(i + 2..).unwrap_or_default().iter().cloned());
                    return exec(cx, &next, Some(id), depth + 1, true);
                } else if a.starts_with('-') || a.contains('=') {
                    i += 1;
                } else {
                    break;
                }
            }
            exec(cx, &args[i.min(args.len())..], Some(id), depth + 1, true);
        }
        "tini" | "tini-static" | "dumb-init" | "catatonit" | "nice" | "nohup" | "stdbuf"
        | "setsid" => {
            exec(cx, &skip_opts(args), Some(id), depth + 1, true);
        }
        "gosu" | "su-exec" => exec(
            cx,
            args.get(1..).unwrap_or_default(),
            Some(id),
            depth + 1,
            true,
        ),
        "supervisord" | "s6-svscan" | "runsvdir" | "s6-overlay-suexec" => {
            cx.unresolved.push(format!(
                "`{name}` starts programs from its configuration, which is not read"
            ));
        }
        "java" => java(cx, id, args),
        "nginx" | "nginx-debug" | "openresty" => super::runtime::nginx(cx, id, invoked, args),
        "node" | "nodejs" => {
            cx.note(
                "node: runtime dependencies declared in `package.json` count as loaded; \
                 `require`/`import` calls are not read"
                    .to_string(),
            );
            node::run(cx, id, args);
        }
        n if n.starts_with("python") && !n.contains("config") => {
            cx.note(
                "python: imports are read statically; modules imported by computed \
                 names (plugins, entry points) are not seen"
                    .to_string(),
            );
            if !python::run(cx, id, canon, invoked, args) {
                cx.python_incomplete = Some(format!(
                    "the imports of the python program `{}` could not be followed",
                    argv.join(" ")
                ));
            }
        }
        n if is_shell(n) => shell_run(cx, id, argv, depth),
        _ => {}
    }
}

fn is_known(name: &str) -> bool {
    matches!(
        name,
        "env"
            | "tini"
            | "tini-static"
            | "dumb-init"
            | "catatonit"
            | "nice"
            | "nohup"
            | "stdbuf"
            | "setsid"
            | "gosu"
            | "su-exec"
            | "supervisord"
            | "s6-svscan"
            | "runsvdir"
            | "java"
            | "nginx"
            | "nginx-debug"
            | "openresty"
            | "node"
            | "nodejs"
    ) || name.starts_with("python")
        || is_shell(name)
}

/// A shell: `sh [opts] -c STRING [$0 args…]` or `sh [opts] SCRIPT args…`.
fn shell_run(cx: &mut Cx<'_>, id: usize, argv: &[String], depth: usize) {
    let args = &argv[1..];
    let mut i = 0;
    let mut command = None;
    while i < args.len() {
        let a = &args[i];
        if a == "-c" || (a.starts_with('-') && !a.starts_with("--") && a.contains('c')) {
            command = args.get(i + 1).cloned();
            i += 2;
            break;
        }
        if a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" || a == "--init-file"
        {
            i += 2;
        } else if a.starts_with('-') || a.starts_with('+') {
            i += 1;
        } else {
            break;
        }
    }
    let (commands, positional, parent, via) = if let Some(c) = command {
        // `$0` is the next argument; `"$@"` is the ones after it.
        (
            shell::commands(&c),
            args.get(i + 1..).unwrap_or_default().to_vec(),
            id,
            Via::ShellString,
        )
    } else if let Some(script) = args.get(i) {
        let path = join(&cx.cwd, script);
        match cx.idx.resolve(&path) {
            Ok(canon) => match cx.script(&canon) {
                Some(s) => {
                    let sid = cx
                        .graph
                        .find(&canon)
                        .unwrap_or_else(|| cx.graph.add(&canon, Label::Path, Some(id)));
                    (
                        s.commands,
                        args[i + 1..].to_vec(),
                        sid,
                        Via::ShellScript {
                            script: canon.clone(),
                        },
                    )
                }
                None => {
                    cx.unresolved.push(format!(
                        "shell script `{path}` was not read during the pass"
                    ));
                    return;
                }
            },
            Err(_) => {
                cx.problem(Problem::NotFound {
                    word: path.clone(),
                    via: cx.via.clone(),
                    origin: cx.origin,
                });
                cx.unresolved
                    .push(format!("shell script `{path}` does not exist"));
                return;
            }
        }
    } else {
        // An interactive shell: whoever attaches can run anything.
        let m = format!(
            "`{}` is an interactive shell: any installed program may run",
            argv.join(" ")
        );
        if !cx.unresolved.contains(&m) {
            cx.unresolved.push(m);
        }
        return;
    };
    // `cd DIR` changes where later relative names are found.
    let saved_cwd = cx.cwd.clone();
    for words in commands {
        let words: Vec<String> = words
            .into_iter()
            .flat_map(|w| {
                if w == "$@" || w == "${@}" || w == "$*" {
                    positional.clone()
                } else {
                    vec![w]
                }
            })
            .collect();
        let Some(first) = words.first() else {
            continue;
        };
        if first.starts_with('$') || first.starts_with('`') {
            cx.dynamic(first);
            continue;
        }
        if first == "cd" {
            match words.get(1) {
                Some(d) if !d.contains('$') && d != "-" => {
                    cx.cwd = super::ldso::normalize(&join(&cx.cwd, d));
                }
                _ => {}
            }
            continue;
        }
        if shell::is_builtin(first) {
            continue;
        }
        let saved = std::mem::replace(&mut cx.via, via.clone());
        exec(cx, &words, Some(parent), depth + 1, false);
        cx.via = saved;
    }
    cx.cwd = saved_cwd;
}

/// `java [opts] -jar JAR` or `java -cp A:B:dir/* MAIN`.
fn java(cx: &mut Cx<'_>, id: usize, args: &[String]) {
    cx.java_ran = true;
    let mut jars: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-jar" => {
                if let Some(j) = args.get(i + 1) {
                    jars.push(join(&cx.cwd, j));
                }
                break;
            }
            "-cp" | "-classpath" | "--class-path" => {
                for p in args.get(i + 1).map(String::as_str).unwrap_or("").split(':') {
                    if let Some(dir) = p.strip_suffix("/*") {
                        let dir = cx.idx.resolve(&join(&cx.cwd, dir)).unwrap_or_default();
                        jars.extend(
                            cx.idx
                                .under(&dir)
                                .filter(|(p, _)| {
                                    p.ends_with(".jar") && super::paths::parent(p) == dir
                                })
                                .map(|(p, _)| p.to_string()),
                        );
                    } else if !p.is_empty() {
                        jars.push(join(&cx.cwd, p));
                    }
                }
                i += 2;
            }
            _ if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    for j in jars {
        if let Ok(canon) = cx.idx.resolve(&j) {
            if cx.graph.find(&canon).is_none() {
                let n = cx.graph.add(&canon, Label::Path, Some(id));
                cx.graph.alias(&j, n);
            }
        } else {
            cx.note(format!("java class path entry `{j}` does not exist"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_joins_entrypoint_and_cmd_and_reads_healthcheck() {
        let c: ConfigFile = serde_json::from_str(
            r#"{"config":{"Entrypoint":["tini","--"],"Cmd":["app","-x"],
               "Healthcheck":{"Test":["CMD-SHELL","curl -f localhost"]}}}"#,
        )
        .unwrap();
        assert_eq!(argv(&c), ["tini", "--", "app", "-x"]);
        assert_eq!(
            healthcheck(&c).unwrap(),
            ["/bin/sh", "-c", "curl -f localhost"]
        );
        let c: ConfigFile = serde_json::from_str(r#"{"config":{"Cmd":null}}"#).unwrap();
        assert!(argv(&c).is_empty() && healthcheck(&c).is_none());
    }
}
