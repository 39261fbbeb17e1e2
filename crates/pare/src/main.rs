//! The `pare` binary: parse flags, run one command, map the outcome to an
//! exit code (0 pass, 1 policy failed, 2 error).
use std::process::ExitCode;

fn main() -> ExitCode {
    pare::run(std::env::args_os())
}
