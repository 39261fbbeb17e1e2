//! The CI gate's policy: what fails a build, what only warns, and what is
//! accepted, with a reason and an expiry.
//!
//! A [`Policy`] is ordered [`Rule`]s (from `pare.toml`, or the
//! [`default_rules`]), ignore entries (from `pare.toml`, `.pareignore.toml`,
//! `.trivyignore`, `.trivyignore.yaml`) and OpenVEX statements. It decides
//! each finding ([`Subject`]) with [`evaluate`]: a VEX `not_affected`/`fixed`
//! statement or a valid ignore entry suppresses it; otherwise the first rule
//! whose conditions all hold decides `fail`, `warn` or `ignore`. Expired and
//! stale ignore entries are findings too, so a policy can fail on them.
//!
//! This crate knows nothing of images: the caller reduces its findings to
//! [`Subject`]s (severity, fix, base/app layer, reachability, ecosystem,
//! package, IDs).
#![deny(missing_docs)]

pub mod codes;
pub mod config;
pub mod evaluate;
pub mod ignore;
pub mod rule;
pub mod subject;
pub mod trivy;
pub mod unknown;
pub mod vex;

pub use config::{Config, ConfigError};
pub use evaluate::{evaluate, Decision, EntryFinding, Evaluation, Policy};
pub use ignore::{IgnoreEntry, Suppression};
pub use pare_findings::Date;
pub use rule::{default_rules, Action, Rule};
pub use subject::{Kind, LayerClass, Reach, Subject};
pub use unknown::{AcceptUnknown, Unknown, UnknownKind};
