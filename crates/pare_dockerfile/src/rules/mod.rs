//! The Dockerfile rules: one file per rule, registered in [`RULES`] in code
//! order. Each rule file holds `META` (code, name, peers, doc) and `check`.

use crate::checker::{Checker, Origin};
use crate::parser::Dockerfile;
use crate::shell::{Command, ShWord};
use pare_findings::{Diagnostic, LineIndex, LintOptions, RuleMeta};

mod add_local_file;
mod add_remote_url;
pub(crate) mod add_sources;
mod apk_add_cache;
mod apt_install_recommends;
mod apt_lists_not_cleaned;
mod base_image_latest;
mod build_tools_in_final_stage;
mod chmod_world_writable;
mod copy_context_before_deps;
mod copy_whole_dir_from_stage;
mod duplicate_stage_name;
mod full_base_image;
mod healthcheck_missing_tool;
mod npm_dev_dependencies;
mod package_manager_in_final_stage;
mod pip_cache;
mod pipe_without_pipefail;
mod root_user;
mod secret_in_env;
mod shell_form_entrypoint;
mod sudo;
mod unpinned_base_image;

type CheckFn = fn(&mut Checker<'_>, &'static RuleMeta);

pare_findings::declare_rules! {
    /// Every Dockerfile rule, in code order.
    pub RULES, CHECKS: CheckFn = [
        root_user,
        unpinned_base_image,
        base_image_latest,
        full_base_image,
        npm_dev_dependencies,
        pip_cache,
        build_tools_in_final_stage,
        copy_whole_dir_from_stage,
        copy_context_before_deps,
        package_manager_in_final_stage,
        apt_install_recommends,
        apt_lists_not_cleaned,
        add_remote_url,
        add_local_file,
        shell_form_entrypoint,
        healthcheck_missing_tool,
        secret_in_env,
        sudo,
        chmod_world_writable,
        pipe_without_pipefail,
        apk_add_cache,
        duplicate_stage_name,
    ]
}

/// Run the enabled rules.
pub(crate) fn check(
    df: &Dockerfile,
    src: &str,
    path: &str,
    index: &LineIndex,
    opts: &LintOptions,
) -> Vec<Diagnostic> {
    let mut ch = Checker::new(df, src, path, index);
    for (rule, f) in RULES.iter().zip(CHECKS) {
        if opts.enabled(rule) {
            f(&mut ch, rule);
        }
    }
    ch.diags
}

// ---- helpers shared by rules ----

/// `apt-get`/`apt` options that take a value.
pub(crate) const APT_VALUE_OPTS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
];

/// Whether a command runs one of Debian's package managers: `apt-get`,
/// `apt` or `aptitude`.
pub(crate) fn is_apt(c: &Command) -> bool {
    matches!(c.program(), Some("apt-get" | "apt" | "aptitude"))
}

/// The `install` of an `apt-get`/`apt`/`aptitude` command: its index.
pub(crate) fn apt_install(c: &Command) -> Option<usize> {
    is_apt(c)
        .then(|| c.subcommand(APT_VALUE_OPTS))
        .flatten()
        .and_then(|(i, w)| (w.text == "install").then_some(i))
}

/// Non-option words after index `sub` (package names).
pub(crate) fn operands(c: &Command, sub: usize, value_opts: &[&str]) -> Vec<ShWord> {
    let eff = c.effective();
    let mut out = Vec::new();
    let mut i = sub + 1;
    while i < eff.len() {
        let t = eff[i].text.as_str();
        if t.starts_with('-') {
            if value_opts.contains(&t) {
                i += 1;
            }
        } else {
            out.push(eff[i].clone());
        }
        i += 1;
    }
    out
}

/// Insert-after-word edit position, only for shell-form text we can edit.
pub(crate) fn insert_after(
    ch: &Checker<'_>,
    ins: usize,
    origin: Origin,
    w: &ShWord,
) -> Option<usize> {
    (origin != Origin::Exec).then(|| ch.word_span(ins, origin, w).end)
}

/// Whether a `RUN` mounts a cache or a tmpfs (`--mount=type=cache` /
/// `type=tmpfs`) on a directory at or above `target_prefix`'s cache, so
/// nothing written there stays in the layer.
pub(crate) fn has_cache_mount(ch: &Checker<'_>, ins: usize, target_prefix: &str) -> bool {
    ch.run_of(ins).flags.iter().any(|f| {
        f.name == "mount"
            && f.value.as_deref().is_some_and(|v| {
                let kvs: Vec<(&str, &str)> =
                    v.split(',').filter_map(|kv| kv.split_once('=')).collect();
                kvs.iter()
                    .any(|(k, t)| *k == "type" && matches!(*t, "cache" | "tmpfs"))
                    && kvs.iter().any(|(k, val)| {
                        matches!(*k, "target" | "dst" | "destination")
                            && (path_within(val, target_prefix) || path_within(target_prefix, val))
                    })
            })
    })
}

/// Whether path `inner` is `outer` or below it.
pub(crate) fn path_within(inner: &str, outer: &str) -> bool {
    let (i, o) = (inner.trim_end_matches('/'), outer.trim_end_matches('/'));
    !o.is_empty() && (i == o || i.strip_prefix(o).is_some_and(|r| r.starts_with('/')))
}

/// Whether an environment value turns a boolean setting on: anything but
/// empty, `0`, `false`, `no`, `off` (pip's reading of `PIP_NO_CACHE_DIR`).
pub(crate) fn truthy(v: &str) -> bool {
    let v = crate::parser::unquote(v.trim());
    !v.is_empty()
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
}

/// `(name, value)` pairs an `ENV` sets: `ENV A=1 B="x"` or the legacy
/// `ENV A value with spaces`.
pub(crate) fn env_pairs(text: &str) -> Vec<(String, String)> {
    let words = crate::parser::words(text);
    match words.first() {
        Some(w) if !w.text.contains('=') => {
            vec![(w.text.clone(), text[w.end..].trim().to_string())]
        }
        _ => crate::parser::arg_pairs(text)
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect(),
    }
}

/// Whether environment variable `name` is set to a truthy value for the
/// command `cmd` (index into `ch.scripts[ins]` part `part`): by `ENV` or
/// an `ARG` default earlier in the stage or a stage it builds on, by an
/// assignment before the command (`NAME=1 pip …`, `env NAME=1 pip …`) or by
/// `export NAME=1` earlier in the same script.
pub(crate) fn env_set(ch: &Checker<'_>, ins: usize, part: usize, cmd: usize, name: &str) -> bool {
    let script = &ch.scripts[ins][part].script;
    let c = &script.commands[cmd];
    let eff_len = c.effective().len();
    let lead = &c.words[..c.words.len() - eff_len];
    let assigned = |w: &str| {
        w.split_once('=')
            .is_some_and(|(k, v)| k == name && truthy(v))
    };
    if lead.iter().any(|w| assigned(&w.text)) {
        return true;
    }
    let mut exported = None;
    for prev in &script.commands[..cmd] {
        let w = &prev.words;
        if w.first()
            .is_some_and(|p| matches!(p.text.as_str(), "export" | "declare" | "typeset"))
        {
            for a in &w[1..] {
                if let Some((k, v)) = a.text.split_once('=') {
                    if k == name {
                        exported = Some(truthy(v));
                    }
                }
            }
        }
    }
    if let Some(e) = exported {
        return e;
    }
    ch.env_before(ins, name).is_some_and(|v| truthy(&v))
}

/// Whether a program name is pip itself: `pip`, `pip3`, `pip3.12`.
pub(crate) fn is_pip(prog: &str) -> bool {
    prog.strip_prefix("pip").is_some_and(|v| {
        v.is_empty()
            || (v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

/// Whether a program name is a Python interpreter: `python`, `python3.12`.
pub(crate) fn is_python(prog: &str) -> bool {
    prog.strip_prefix("python").is_some_and(|v| {
        v.is_empty()
            || (v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

#[cfg(test)]
mod tests;
