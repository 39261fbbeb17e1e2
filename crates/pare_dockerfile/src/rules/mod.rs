//! The Dockerfile rules: one file per rule, registered in [`RULES`] in code
//! order. Each rule file holds `META` (code, name, peers, doc) and `check`.

use crate::checker::{Checker, Origin};
use crate::parser::Dockerfile;
use crate::shell::{Command, ShWord};
use pare_findings::{Diagnostic, LineIndex, LintOptions, RuleMeta};

mod add_local_file;
mod add_remote_url;
mod apk_add_cache;
mod apt_install_recommends;
mod apt_lists_not_cleaned;
mod base_image_latest;
mod build_tools_in_final_stage;
mod chmod_world_writable;
mod copy_context_before_deps;
mod copy_whole_dir_from_stage;
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

/// The package manager a command runs, with its subcommand index.
pub(crate) fn apt_install(c: &Command) -> Option<usize> {
    matches!(c.program(), Some("apt-get" | "apt"))
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

/// `(instruction, flag value)` pairs: whether a `RUN` has a cache mount on `target`.
pub(crate) fn has_cache_mount(ch: &Checker<'_>, ins: usize, target_prefix: &str) -> bool {
    ch.df.instructions[ins].flags.iter().any(|f| {
        f.name == "mount"
            && f.value.as_deref().is_some_and(|v| {
                v.contains("type=cache")
                    && v.split(',').any(|kv| {
                        kv.split_once('=').is_some_and(|(k, val)| {
                            matches!(k, "target" | "dst" | "destination")
                                && val.starts_with(target_prefix)
                        })
                    })
            })
    })
}

#[cfg(test)]
mod tests;
