//! One check per file, each with its documentation and a stable code,
//! registered in [`CHECKS`] (codes are never reused).

mod command_missing;
mod entrypoint_missing;
mod interpreter_missing;
mod library_missing;
mod loader_missing;
mod not_executable;
pub mod read_only_writes;
pub mod run_failed;
pub mod run_read_only;
mod shell_missing;
mod user_missing;
mod workdir_missing;

use crate::{Input, VerifyFinding};
use pare_findings::RuleMeta;

/// A check: its metadata and a function over the [`Input`].
pub struct Check {
    /// Code, name, docs.
    pub meta: RuleMeta,
    /// The findings (none when the image passes).
    pub run: fn(&Input<'_>) -> Vec<VerifyFinding>,
}

/// Every check, in code order. `VFY011` ([`run_failed`]) and `VFY012`
/// ([`run_read_only`]) are reported by `pare verify --run`, not by a
/// static check: their `run` finds nothing.
pub static CHECKS: &[Check] = &[
    entrypoint_missing::CHECK,
    interpreter_missing::CHECK,
    shell_missing::CHECK,
    command_missing::CHECK,
    library_missing::CHECK,
    loader_missing::CHECK,
    user_missing::CHECK,
    not_executable::CHECK,
    workdir_missing::CHECK,
    read_only_writes::CHECK,
    run_failed::CHECK,
    run_read_only::CHECK,
];

/// A finding of `meta` with its default severity.
pub(crate) fn finding(meta: &RuleMeta, message: String, evidence: Vec<String>) -> VerifyFinding {
    VerifyFinding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        message,
        evidence: evidence.into_iter().take(20).collect(),
    }
}

/// How a process is named in messages.
pub(crate) fn origin_name(o: pare_reach::closure::Origin) -> &'static str {
    match o {
        pare_reach::closure::Origin::Entrypoint => "the entrypoint",
        pare_reach::closure::Origin::Healthcheck => "the health check",
    }
}

/// Whether `word` is the shell a shell-form command runs.
pub(crate) fn is_form_shell(word: &str) -> bool {
    word == "/bin/sh"
}
