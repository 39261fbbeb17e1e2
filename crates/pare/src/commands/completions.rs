//! `pare completions SHELL` and `pare man`: shell completion
//! scripts (clap_complete) and roff man pages (clap_mangen), both generated
//! from the same clap definitions as `--help`, so they cannot drift from
//! the flags the binary accepts.
//!
//! ```sh
//! pare completions bash > ~/.local/share/bash-completion/completions/pare
//! pare completions zsh  > "${fpath[1]}/_pare"
//! pare completions fish > ~/.config/fish/completions/pare.fish
//! pare man | man -l -                 # read it
//! pare man --dir target/man           # pare.1, pare-inspect.1, pare-db-import.1, ...
//! ```

use crate::args::Cli;
use crate::output;
use crate::ExitStatus;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::PathBuf;

/// Flags of `pare completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of `pare man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command into DIR (`pare.1`, `pare-inspect.1`,
    /// `pare-db-import.1`, ...) instead of printing `pare.1` on stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Print the completion script for `args.shell` on stdout.
///
/// # Errors
/// Writing to stdout failed.
pub fn run(args: &CompletionsArgs) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    // clap_complete panics when its writer fails (a closed pipe): render
    // into memory, then write, so a broken pipe is an ordinary error.
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pare", &mut buf);
    output::write_output(None, &buf)?;
    Ok(ExitStatus::Success)
}

/// Print `pare.1`, or write every command's page into `--dir`.
///
/// # Errors
/// The folder cannot be created or a page cannot be written (naming it).
pub fn man(args: &ManArgs) -> Result<ExitStatus> {
    let cmd = Cli::command().disable_help_subcommand(true);
    let Some(dir) = &args.dir else {
        output::write_output(None, &render(cmd)?)?;
        return Ok(ExitStatus::Success);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("`{}`: cannot create", dir.display()))?;
    // clap_mangen::generate_to does this walk too, but writes in place and
    // its errors do not name the file; ours are atomic and named.
    let mut cmd = cmd;
    cmd.build();
    let mut stack = vec![cmd];
    let mut written = 0usize;
    while let Some(cmd) = stack.pop() {
        stack.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let path = dir.join(clap_mangen::Man::new(cmd.clone()).get_filename());
        output::write_atomic(&path, &render(cmd)?)?;
        written += 1;
    }
    output::note(format!("wrote {written} man pages to {}", dir.display()));
    Ok(ExitStatus::Success)
}

fn render(cmd: clap::Command) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .context("rendering the man page")?;
    Ok(buf)
}
