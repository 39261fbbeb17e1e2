//! pare's command line. Thin: every command parses its flags, calls the
//! library crates and hands the result to a renderer.

pub mod args;
pub mod commands;
pub mod linters;
pub mod output;
pub mod rules;
pub mod term;

use clap::{CommandFactory, FromArgMatches};
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
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    // clap's help and usage errors follow `--color` too: find it before
    // parsing (the last one wins, as clap would read it).
    let color = color_flag(&argv);
    let parsed = args::Cli::command()
        .color(color.clap())
        .try_get_matches_from(argv)
        .and_then(|m| args::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    term::init(cli.quiet, cli.color);
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

/// The value of the last `--color WHEN` / `--color=WHEN` before `--`.
fn color_flag(argv: &[OsString]) -> term::ColorChoice {
    use clap::ValueEnum;
    let mut choice = term::ColorChoice::Auto;
    let mut args = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = args.next() {
        let value = if a == "--" {
            break;
        } else if a == "--color" {
            args.next().map(|v| v.into_owned())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        if let Some(c) = value.and_then(|v| term::ColorChoice::from_str(&v, false).ok()) {
            choice = c;
        }
    }
    choice
}
