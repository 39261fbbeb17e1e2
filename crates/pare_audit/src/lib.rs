//! `pare audit` and `pare diff`: the fleet table.
//!
//! For each image, one [`model::ImageRow`] built from pare's pipeline
//! ([`row`]): open → index (catalog, hygiene and reachability in one
//! pass) → scan against the offline database when there is one → the row:
//! identity and digest pinning, base and OS, compressed and uncompressed
//! size, layers, packages, CVEs by severity with the fixable and
//! reachable HIGH+ counts, root, shells, package managers, wasted bytes, a
//! cold-pull estimate ([`pull`]) and what the image needs to run
//! ([`needs`]). Then the fleet ([`fleet`]): averages and p95 of each
//! column, registry storage with each unique blob counted once against
//! the naive sum, and the base layers images share.
//!
//! Images are audited in parallel ([`run`]); partial audits made on
//! separate machines combine with [`merge`]; two audits (or two images)
//! compare with [`diff`]. Renderers are in [`render`]. The JSON schema is
//! [`model`], documented in `docs/audit.md`.
#![deny(missing_docs)]

pub mod diff;
pub mod fleet;
pub mod merge;
pub mod model;
pub mod needs;
pub mod pull;
pub mod recommend;
pub mod render;
pub mod row;
pub mod run;

pub use model::{AuditReport, ImageRow};

#[cfg(test)]
mod tests;
