//! `pare inspect IMAGE`.

use crate::ExitStatus;

/// Flags of `pare inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The image: a path (docker-archive, OCI archive, OCI layout, rootfs
    /// dir) or a prefixed reference (`docker-archive:`, `oci-archive:`,
    /// `oci-dir:`/`oci:`, `dir:`).
    pub image: String,
}

/// Run `pare inspect`.
///
/// # Errors
/// Not implemented yet.
pub fn run(_args: &InspectArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`pare inspect` is not implemented yet")
}
