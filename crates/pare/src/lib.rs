//! pare's command line. Thin: every command parses its flags, calls the
//! library crates and hands the result to a renderer.

pub mod args;
pub mod commands;
pub mod linters;
pub mod output;
pub mod rules;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// How a command ended. Maps to the exit code contract in `CLI.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, gate passed, nothing at the threshold.
    Success,
    /// 1: findings fail the policy or threshold.
    Failure,
    /// 2: bad input, bad flags, incomplete result.
    Error,
    /// A code the user chose for findings (`pare scan --exit-code N`).
    Code(u8),
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        match s {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Code(c) => ExitCode::from(c),
        }
    }
}

/// Run pare with these arguments (the first is the program name).
pub fn run<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::dispatch(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(0);
            }
            output::error(&err);
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
