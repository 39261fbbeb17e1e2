//! Command-line definitions. Each command's flags live beside the command
//! in `commands/<verb>.rs`; this module lists the commands and holds the
//! flags several commands share ([`image`], [`db`]).

pub mod db;
pub mod fleet;
pub mod image;
pub mod program;

pub use db::DbLocation;
pub use fleet::{PullArgs, ReadArgs};
pub use image::{ImageArgs, RegistryArgs};
pub use program::ProgramArgs;

use clap::{Parser, Subcommand};

/// pare: make container images small and hard to attack, and prove it.
#[derive(Debug, Parser)]
#[command(name = "pare", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Print only results, warnings and errors: no notes, summaries or
    /// progress bars on stderr.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// When to colour output: `auto` colours a terminal unless `NO_COLOR`
    /// is set or `TERM=dumb`.
    #[arg(
        long,
        global = true,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Global options"
    )]
    pub color: crate::term::ColorChoice,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// pare's commands (see `CLI.md`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Layers, config, sizes, OS and hygiene facts of an image.
    Inspect(crate::commands::inspect::InspectArgs),
    /// Lint Dockerfiles and Kubernetes manifests.
    Lint(crate::commands::lint::LintArgs),
    /// Apply lint fixes in place (`--diff` to preview, `--unsafe` for risky ones).
    Fix(crate::commands::fix::FixArgs),
    /// Every package in an image, with the layer that brought it.
    Sbom(crate::commands::sbom::SbomArgs),
    /// Vulnerabilities of the image's packages, from the offline database.
    Scan(crate::commands::scan::ScanArgs),
    /// Secrets in every file of every layer (deleted ones too), env,
    /// history and labels, redacted (exit 1 when any is found).
    Secrets(crate::commands::secrets::SecretsArgs),
    /// The CI gate: scan, base/app attribution, reachability, policy and
    /// ignores (exit 0 pass, 1 fail, 2 error or incomplete scan).
    Gate(crate::commands::gate::GateArgs),
    /// Will the image still run: entrypoint, interpreters, libraries,
    /// user, working directory, writes (`--run` tries it in a sandbox).
    Verify(crate::commands::verify::VerifyArgs),
    /// A smaller image by deletion: the entrypoint's closure, verified.
    Slim(crate::commands::slim::SlimArgs),
    /// The offline vulnerability database: import, update, status.
    Db(crate::commands::db::DbArgs),
    /// Pin image references to digests (`--check`, `--update`, `--lock FILE`).
    Pin(crate::commands::pin::PinArgs),
    /// The fleet table: one row per image, fleet totals, shared storage
    /// (`--from FILE`, `--merge JSON...`).
    Audit(crate::commands::audit::AuditArgs),
    /// Before/after of two images or two saved audits.
    Diff(crate::commands::diff::DiffArgs),
    /// Every rule pare reports: Dockerfile, Kubernetes, image hygiene, gate.
    Rules(crate::commands::rules::RulesArgs),
    /// A rule's documentation: what it does, why, an example, the fix.
    Explain(crate::commands::explain::ExplainArgs),
    /// Shell completion script (`pare completions bash > /etc/bash_completion.d/pare`).
    Completions(crate::commands::completions::CompletionsArgs),
    /// The man page (roff) on stdout, or one page per command with `--dir DIR`.
    Man(crate::commands::completions::ManArgs),
}
