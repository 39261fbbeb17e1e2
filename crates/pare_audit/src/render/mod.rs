//! Renderers of [`AuditReport`] and [`DiffReport`]: `table` (people),
//! `markdown` (PR comments, wikis), `csv` (spreadsheets: one row per
//! image), `json` (the stable schema `diff` and `--merge` read) and
//! `html` (one self-contained file with inline SVG charts; no script, no
//! network).
//!
//! They live in this crate rather than `pare_report` because they render
//! this crate's model and nothing else, and the HTML and its charts are
//! large; the shared text helpers (`Table`, `human_bytes`) come from
//! `pare_report`.

pub mod csv;
pub mod html;
pub mod text;

use crate::diff::DiffReport;
use crate::model::AuditReport;

/// The audit as pretty JSON with a final newline.
///
/// # Panics
/// Never: the model serializes infallibly.
#[must_use]
pub fn json(report: &AuditReport) -> String {
    serde_json::to_string_pretty(report).expect("audit serializes") + "\n"
}

/// The diff as pretty JSON with a final newline.
///
/// # Panics
/// Never: the model serializes infallibly.
#[must_use]
pub fn diff_json(report: &DiffReport) -> String {
    serde_json::to_string_pretty(report).expect("diff serializes") + "\n"
}
