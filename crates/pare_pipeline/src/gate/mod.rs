//! The gate's step.

pub mod attribution;
