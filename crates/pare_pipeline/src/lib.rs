//! pare's pipeline as typed steps.
#![deny(missing_docs)]

pub mod gate;
