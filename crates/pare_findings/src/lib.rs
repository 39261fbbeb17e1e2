//! pare's shared vocabulary.
//!
//! Every stage that reports something to a user speaks in these types: the
//! Dockerfile and Kubernetes linters produce [`Diagnostic`]s with byte
//! [`Span`]s and optional [`Fix`]es; the image analyzers and the scanner
//! produce findings that carry the same [`Severity`]. Renderers
//! (`pare_report`) and the policy only ever see these types, so a new linter
//! or analyzer gets every output format for free.
//!
//! This crate has no dependencies beyond `serde` and must stay that way: it
//! sits at the bottom of the workspace's dependency graph.
#![deny(missing_docs)]

mod diagnostic;
mod edit;
mod image_name;
mod lint;
mod package;
pub mod registry;
mod severity;
mod span;
pub mod time;
mod verdict;
mod vuln_severity;

pub use diagnostic::{Diagnostic, RuleMeta};
pub use edit::{apply_edits, Applicability, Edit, Fix, FixAvailability, FixOutcome};
pub use image_name::ImageName;
pub use lint::{
    image_lock_key, lock_pin_fixes, split_image_ref, ImageRef, LintOptions, LintOutcome, Linter,
    ParseError, Suppressed,
};
pub use package::{pep503_normalize, Distro, Ecosystem, LayerRef, Package};
pub use severity::Severity;
pub use span::{LineCol, LineIndex, Span};
pub use time::Date;
pub use verdict::{LayerClass, Reach};
pub use vuln_severity::VulnSeverity;
