//! pare's pipeline as typed steps:
//! **source → image → filesystem index → analyzers → findings → policy**.
//!
//! Every command that reads an image is a composition of these steps, and
//! each step returns a typed value the next one (or a renderer in
//! `pare_report`) takes:
//!
//! | step | function | returns |
//! |---|---|---|
//! | open | [`open::open`] | [`pare_image::Image`] |
//! | index | [`index::index`] with [`index::Analyses`] | [`pare_fsindex::FsIndex`] |
//! | inspect | [`inspect::inspect`] | [`inspect::InspectReport`] |
//! | catalog | [`catalog::catalog`] | [`catalog::SbomReport`] |
//! | scan | [`scan::scan`] | [`scan::ScanReport`] |
//! | gate | [`gate::gate`] | [`gate::GateReport`] |
//! | secrets | [`secrets::secrets`] | [`secrets::SecretsReport`] |
//! | verify | [`verify::verify`] | [`verify::VerifyReport`] |
//! | slim | [`slim::slim`] | [`slim::SlimReport`] |
//!
//! The analyses a command needs are declared *before* the index pass
//! ([`index::Analyses`]), so one streaming read of the layers feeds them
//! all. Steps never print: what a user should be told on the way (a
//! registry fallback, a stale database, an attribution method that did not
//! apply) goes to a [`Reporter`] or into the report.
//!
//! Errors are `anyhow` chains: this crate composes the typed errors of the
//! crates below it with the context of the step (which image, which file),
//! and its only consumers are the CLI and tests. A [`Hint`] attached as
//! context is printed as a `hint:` line under the error.
#![deny(missing_docs)]

pub mod catalog;
pub mod db;
pub mod gate;
pub mod index;
pub mod inspect;
pub mod open;
pub mod scan;
pub mod secrets;
pub mod slim;
pub mod verify;

/// A `hint:` line printed under an error: `Err(e).context(Hint(..))`.
/// Libraries attach their own hints where they know the remedy, so that
/// the CLI never guesses one.
#[derive(Debug)]
pub struct Hint(pub String);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Hint {}

/// Where the steps send what the user should hear while they run
/// (stderr in the CLI).
pub trait Reporter: Sync {
    /// Something worth knowing that is not a problem.
    fn note(&self, msg: &str);
    /// Something that may be a problem.
    fn warn(&self, msg: &str);
    /// A progress callback for `total` bytes of work named `label` (a
    /// progress bar where the front end draws one), told the bytes done as
    /// they are done; `None` (the default) when nobody is watching.
    fn progress(&self, label: &str, total: u64) -> Option<Progress> {
        let _ = (label, total);
        None
    }
}

pub use pare_fsindex::Progress;

/// A [`Reporter`] that drops everything (tests, library use).
pub struct Silent;

impl Reporter for Silent {
    fn note(&self, _: &str) {}
    fn warn(&self, _: &str) {}
}
