//! Vulnerability database, version ordering per ecosystem and matchers.
//!
//! - [`version`]: one module per version scheme and [`version::VersionScheme`].

pub mod version;
