//! Where a finding sits and whether it can run: the layer class a base/app
//! attribution gives and the reachability an entrypoint analysis gives,
//! shared by the analyzers that decide them and the policy that matches on
//! them.

use serde::Serialize;
use std::fmt;

/// Whether a layer came from the base image or was added by the
/// application's build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerClass {
    /// Inherited from the base image.
    Base,
    /// Added by the application's own build.
    App,
    /// Not known (no layer information, e.g. a rootfs directory).
    Unknown,
}

impl LayerClass {
    /// Every value, for error messages.
    pub const ALL: [LayerClass; 3] = [LayerClass::Base, LayerClass::App, LayerClass::Unknown];

    /// Name as written in `pare.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LayerClass::Base => "base",
            LayerClass::App => "app",
            LayerClass::Unknown => "unknown",
        }
    }
}

/// Whether the vulnerable code can be loaded by the image's entrypoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// A load path from the entrypoint was found.
    Reachable,
    /// No load path from the entrypoint exists.
    Unreachable,
    /// Could not be decided.
    Unknown,
}

impl Reach {
    /// Every value, for error messages.
    pub const ALL: [Reach; 3] = [Reach::Reachable, Reach::Unreachable, Reach::Unknown];

    /// Name as written in `pare.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Reachable => "reachable",
            Reach::Unreachable => "unreachable",
            Reach::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for LayerClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
