//! Terminal manners, decided once per run: `--quiet`, `--color` (with
//! `NO_COLOR` and `TERM=dumb`), and progress bars that appear only on a
//! terminal.
//!
//! Rules, as in uv and ripgrep:
//! - colour: `--color always|never` wins; `auto` colours a stream only when
//!   it is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`;
//! - `--quiet` drops notes, summaries and progress bars from stderr;
//!   warnings and errors stay, and stdout (the requested output) is never
//!   touched;
//! - a progress bar is drawn on stderr only when stderr is a terminal (never
//!   in CI logs or pipes), `TERM` is not `dumb` and `--quiet` is off, and it
//!   clears itself when the work ends.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always colour, even into a pipe or file.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// clap's own choice for help and usage errors.
    #[must_use]
    pub fn clap(self) -> clap::ColorChoice {
        match self {
            Self::Auto if env_forbids_color() => clap::ColorChoice::Never,
            Self::Auto => clap::ColorChoice::Auto,
            Self::Always => clap::ColorChoice::Always,
            Self::Never => clap::ColorChoice::Never,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Term {
    quiet: bool,
    color: ColorChoice,
}

static TERM: OnceLock<Term> = OnceLock::new();

/// Settle the run's manners (first call wins; later ones are ignored so
/// tests that call [`crate::run`] twice in one process stay consistent).
pub fn init(quiet: bool, color: ColorChoice) {
    let _ = TERM.set(Term { quiet, color });
}

fn term() -> Term {
    *TERM.get_or_init(|| Term {
        quiet: false,
        color: ColorChoice::Auto,
    })
}

fn dumb() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

fn env_forbids_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) || dumb()
}

fn color_for(is_terminal: bool) -> bool {
    match term().color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !env_forbids_color(),
    }
}

/// `--quiet` was given.
#[must_use]
pub fn quiet() -> bool {
    term().quiet
}

/// Colour what goes to stderr.
#[must_use]
pub fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Colour what goes to stdout (never a file written with `-o`).
#[must_use]
pub fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

/// `label` in bold and `code` (an SGR colour), when stderr is coloured.
#[must_use]
pub fn paint(label: &str, code: &str) -> String {
    if stderr_color() {
        format!("\x1b[1;{code}m{label}\x1b[0m")
    } else {
        label.to_string()
    }
}

/// A progress bar on stderr for `total` bytes of work, or `None` where bars
/// are not drawn (not a terminal, `TERM=dumb`, `--quiet`). It clears itself
/// when the last clone is dropped.
#[must_use]
pub fn bytes_bar(label: &str, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    match total {
        Some(_) => bar(label, total, "{msg} {bar:30} {bytes}/{total_bytes} ({eta})"),
        None => bar(label, None, "{spinner} {msg} {bytes} ({bytes_per_sec})"),
    }
}

/// A progress bar on stderr counting `total` items (images of an audit).
#[must_use]
pub fn count_bar(label: &str, total: u64) -> Option<indicatif::ProgressBar> {
    bar(label, Some(total), "{msg} {bar:30} {pos}/{len} ({elapsed})")
}

fn bar(label: &str, total: Option<u64>, template: &str) -> Option<indicatif::ProgressBar> {
    if quiet() || dumb() || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = indicatif::ProgressStyle::with_template(template)
        .ok()?
        .progress_chars("=> ");
    let bar =
        indicatif::ProgressBar::with_draw_target(total, indicatif::ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message(label.to_string())
            .with_finish(indicatif::ProgressFinish::AndClear);
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_choice_follows_the_flag() {
        assert_eq!(ColorChoice::Always.clap(), clap::ColorChoice::Always);
        assert_eq!(ColorChoice::Never.clap(), clap::ColorChoice::Never);
    }
}
