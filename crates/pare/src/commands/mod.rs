//! One module per command.

pub mod audit;
pub mod completions;
pub mod db;
pub mod diff;
pub mod explain;
pub mod fix;
pub mod gate;
pub mod inspect;
pub mod lint;
pub mod pin;
pub mod rules;
pub mod sbom;
pub mod scan;
pub mod secrets;
pub mod slim;
pub mod verify;

use crate::args::{Cli, Command};
use crate::ExitStatus;

/// Run the parsed command.
///
/// # Errors
/// Any error that should print one line and exit 2.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Inspect(a) => inspect::run(&a),
        Command::Lint(a) => lint::run(&a),
        Command::Fix(a) => fix::run(&a),
        Command::Sbom(a) => sbom::run(&a),
        Command::Scan(a) => scan::run(&a),
        Command::Secrets(a) => secrets::run(&a),
        Command::Gate(a) => gate::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Slim(a) => slim::run(&a),
        Command::Db(a) => db::run(&a),
        Command::Pin(a) => pin::run(&a),
        Command::Audit(a) => audit::run(&a),
        Command::Diff(a) => diff::run(&a),
        Command::Rules(a) => rules::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Completions(a) => completions::run(&a),
        Command::Man(a) => completions::man(&a),
    }
}
