//! `pare lint PATH...`: lint Dockerfiles (and, later, Kubernetes
//! manifests); exit 0 when clean, 1 on findings, 2 when any file could not
//! be read or parsed (the other files' findings are still printed).

use crate::linters::{self, FileResult};
use crate::ExitStatus;
use pare_report::lint::{render, LintFormat, RenderContext};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Flags of `pare lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files and folders (folders are walked; files are recognised by name and content).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format: concise, full, json, sarif, markdown (default: full on a terminal, concise otherwise).
    #[arg(long, value_parser = clap::value_parser!(LintFormat))]
    pub format: Option<LintFormat>,
    /// Only these rules: codes (`DF001`), prefixes (`DF0`), names or peer codes (`DL3008`); comma-separated or repeated.
    #[arg(long, value_name = "CODES")]
    pub select: Vec<String>,
    /// Never these rules (same forms as `--select`).
    #[arg(long, value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Ignore hadolint's inline comments and `.hadolint.yaml`.
    #[arg(long)]
    pub no_peer_suppressions: bool,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Run `pare lint`.
///
/// # Errors
/// Bad flags, or the report cannot be written.
pub fn run(args: &LintArgs) -> anyhow::Result<ExitStatus> {
    let opts = linters::options(&args.select, &args.ignore, args.no_peer_suppressions)?;
    let collected = linters::collect(&args.paths);
    let results: Vec<FileResult> = collected
        .targets
        .par_iter()
        .map(|t| linters::lint_one(t, &opts))
        .collect();
    for n in &collected.skipped {
        crate::output::note(format_args!("note: {n}"));
    }
    let mut errored = !collected.errors.is_empty();
    for e in &collected.errors {
        crate::output::print_error_line(e);
    }
    let mut diags = Vec::new();
    let mut fails = false;
    // A config shared by many files warns once.
    let mut notes = std::collections::BTreeSet::new();
    let mut sources = std::collections::BTreeMap::new();
    for r in &results {
        match r {
            FileResult::Ok { src, outcome } => {
                if let Some(d) = outcome.diagnostics.first() {
                    sources.insert(d.path.clone(), src.as_str());
                }
                diags.extend(outcome.diagnostics.iter().cloned());
                fails |= outcome.fails();
                for n in &outcome.notes {
                    if notes.insert(n.as_str()) {
                        crate::output::warn(n);
                    }
                }
            }
            FileResult::Parse(e) => {
                errored = true;
                crate::output::print_error_line(&e.to_string());
            }
            FileResult::Io(e) => {
                errored = true;
                crate::output::print_error_line(e);
            }
        }
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        LintFormat::Full
    } else {
        LintFormat::Concise
    });
    let color = args.output.is_none() && crate::term::stdout_color();
    let mut rules: Vec<_> = linters::LINTERS
        .iter()
        .flat_map(|l| l.rules())
        .filter(|r| opts.enabled(r))
        .collect();
    rules.sort_by_key(|r| r.code);
    let ctx = RenderContext {
        sources,
        rules,
        color,
        files: collected.targets.len(),
    };
    let text = render(format, &diags, &ctx);
    crate::output::write_output(args.output.as_deref(), text.as_bytes())?;
    if collected.targets.is_empty() && collected.errors.is_empty() {
        crate::output::warn("no Dockerfile or manifest found");
    }
    Ok(if errored {
        ExitStatus::Error
    } else if !fails {
        // No findings, or only findings below a `.hadolint.yaml`
        // `failure-threshold` (they are still reported).
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
