//! SBOM renderers: CycloneDX 1.6 JSON and SPDX 2.3 JSON, from
//! [`pare_findings::Package`]s.
//!
//! Output is deterministic: packages come in the caller's (sorted) order,
//! identifiers derive from the packages' own fields, and the only time
//! written is the one the caller passes ([`SbomDoc::created`]), so the same
//! image gives byte-identical documents.

pub mod cyclonedx;
pub mod license;
pub mod spdx;

use pare_findings::{Distro, Package};

/// What an SBOM document describes.
#[derive(Debug, Clone)]
pub struct SbomDoc<'a> {
    /// The image as the user named it.
    pub name: &'a str,
    /// Image identity (config digest, else manifest digest).
    pub digest: Option<&'a str>,
    /// The image's OS.
    pub distro: Option<&'a Distro>,
    /// Packages, already sorted.
    pub packages: &'a [Package],
    /// Creation time (RFC 3339), only when the user asked for one.
    pub created: Option<&'a str>,
    /// pare's version.
    pub tool_version: &'a str,
}
