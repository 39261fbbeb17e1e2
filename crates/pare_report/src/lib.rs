//! pare's renderers: table, json, sarif, markdown for every report.
#![deny(missing_docs)]

pub mod lint;
pub mod sbom;
