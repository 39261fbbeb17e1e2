//! `pare fix` (owned by the Dockerfile/Kubernetes linter work).

use crate::ExitStatus;

/// Flags of `pare fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Files and folders.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

/// Run `pare fix`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_args: &FixArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`pare fix` is not implemented yet")
}
