//! pare's renderers: table, json, sarif, markdown for every report.
#![deny(missing_docs)]

pub mod gate;
pub mod inspect;
pub mod lint;
pub mod sarif;
pub mod sbom;
pub mod sbom_table;
pub mod scan;
pub mod secrets;
pub mod table;
pub mod verify;
