//! `pare lint` (owned by the Dockerfile/Kubernetes linter work).

use crate::ExitStatus;

/// Flags of `pare lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files and folders.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

/// Run `pare lint`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_args: &LintArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`pare lint` is not implemented yet")
}
