//! `pare fix PATH...`: apply lint fixes in place. Safe fixes by default,
//! unsafe ones with `--unsafe`, digest pins from `--lock FILE`, with
//! `--unsafe --image IMAGE` an `emptyDir` in the manifests at each
//! directory IMAGE writes at run time; `--diff`
//! prints a unified diff instead of writing. Fixes are byte-range edits, so
//! comments and formatting survive; files are written atomically. Exit 0
//! when nothing is left to report, 1 when findings remain, 2 on errors.

use crate::linters::{self, Target};
use crate::ExitStatus;
use anyhow::Context;
use pare_findings::{apply_edits, Applicability, Fix, LintOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Flags of `pare fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Files and folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Also apply unsafe fixes (base image swaps, narrowing `COPY --from`, `USER` on full bases).
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Print a unified diff instead of writing the files.
    #[arg(long)]
    pub diff: bool,
    /// Pin image references (`FROM`, `COPY --from`, `RUN --mount`, Kubernetes
    /// `image:`) to the digests of this lock file
    /// (`{"schemaVersion":1,"images":{"docker.io/library/node:20":"sha256:…"}}`).
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// With `--unsafe`: in the Kubernetes manifests, mount an `emptyDir` at
    /// each directory IMAGE writes at run time (its temporary directory,
    /// directories its user owns: `pare verify`'s VFY010) in every
    /// container that sets `readOnlyRootFilesystem: true` and has no mount
    /// covering it.
    #[arg(long, value_name = "IMAGE", requires = "unsafe_fixes")]
    pub image: Option<String>,
    /// Only these rules (codes, prefixes, names, peer codes).
    #[arg(long, value_name = "CODES")]
    pub select: Vec<String>,
    /// Never these rules.
    #[arg(long, value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Ignore hadolint's inline comments and `.hadolint.yaml`.
    #[arg(long)]
    pub no_peer_suppressions: bool,
}

/// Most rounds of lint-then-fix per file (overlapping fixes need a second).
const MAX_ROUNDS: usize = 8;

enum Outcome {
    Fixed {
        path: PathBuf,
        before: String,
        after: String,
        applied: usize,
        remaining: usize,
        /// Whether what is left fails the run (a `.hadolint.yaml`
        /// `failure-threshold` can let low findings pass).
        fails: bool,
    },
    Error(String),
}

fn fix_file(
    t: &Target,
    opts: &LintOptions,
    threshold: Applicability,
    lock: Option<&BTreeMap<String, String>>,
    mounts: &[String],
) -> Outcome {
    let before = match linters::read_text(&t.path) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(format!("{e:#}")),
    };
    let shown = t.path.display().to_string();
    let mut text = before.clone();
    let mut applied = 0;
    for _ in 0..MAX_ROUNDS {
        let out = match t.linter.lint(&shown, &text, opts) {
            Ok(o) => o,
            Err(e) => return Outcome::Error(e.to_string()),
        };
        let mut fixes: Vec<Fix> = Vec::new();
        if let Some(lock) = lock {
            match t.linter.pin_fixes(&shown, &text, lock) {
                Ok(f) => fixes.extend(f),
                Err(e) => return Outcome::Error(e.to_string()),
            }
        }
        match t.linter.mount_fixes(&shown, &text, mounts) {
            Ok(f) => fixes.extend(f.into_iter().filter(|f| f.applicability >= threshold)),
            Err(e) => return Outcome::Error(e.to_string()),
        }
        fixes.extend(
            out.diagnostics
                .iter()
                .filter_map(|d| d.fix.clone())
                .filter(|f| f.applicability >= threshold),
        );
        if fixes.is_empty() {
            break;
        }
        let refs: Vec<&Fix> = fixes.iter().collect();
        let res = apply_edits(&text, &refs);
        if res.applied == 0 || res.text == text {
            break;
        }
        applied += res.applied;
        text = res.text;
    }
    let (remaining, fails) = match t.linter.lint(&shown, &text, opts) {
        Ok(o) => (o.diagnostics.len(), o.fails()),
        Err(e) => {
            return Outcome::Error(format!(
                "{e} (after fixing; the file was left unchanged, please report this)"
            ))
        }
    };
    Outcome::Fixed {
        path: t.path.clone(),
        before,
        after: text,
        applied,
        remaining,
        fails,
    }
}

/// Run `pare fix`.
///
/// # Errors
/// Bad flags or an unreadable lock file.
pub fn run(args: &FixArgs) -> anyhow::Result<ExitStatus> {
    let opts = linters::options(&args.select, &args.ignore, args.no_peer_suppressions)?;
    let lock = match &args.lock {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read lock file `{}`", p.display()))?;
            Some(
                pare_dockerfile::parse_lock(&text)
                    .map_err(|e| anyhow::anyhow!("lock file `{}`: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let mounts = match &args.image {
        Some(image) => pare_pipeline::verify::written_dirs(
            &pare_pipeline::open::ImageRequest::new(image.clone()),
            &crate::output::Stderr,
        )?,
        None => Vec::new(),
    };
    let threshold = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let collected = linters::collect(&args.paths);
    for n in &collected.skipped {
        crate::output::note(format_args!("note: {n}"));
    }
    let mut errored = !collected.errors.is_empty();
    for e in &collected.errors {
        crate::output::print_error_line(e);
    }
    let outcomes: Vec<Outcome> = collected
        .targets
        .par_iter()
        .map(|t| fix_file(t, &opts, threshold, lock.as_ref(), &mounts))
        .collect();
    let mut diff_out = String::new();
    let (mut files_changed, mut total_applied, mut remaining) = (0, 0, 0);
    let mut fails = false;
    for o in outcomes {
        match o {
            Outcome::Error(e) => {
                errored = true;
                crate::output::print_error_line(&e);
            }
            Outcome::Fixed {
                path,
                before,
                after,
                applied,
                remaining: r,
                fails: f,
            } => {
                remaining += r;
                fails |= f;
                if before == after {
                    continue;
                }
                files_changed += 1;
                total_applied += applied;
                if args.diff {
                    let name = path.display().to_string();
                    diff_out.push_str(
                        &similar::TextDiff::from_lines(&before, &after)
                            .unified_diff()
                            .context_radius(3)
                            .header(&format!("a/{name}"), &format!("b/{name}"))
                            .to_string(),
                    );
                } else if let Err(e) = crate::output::write_atomic(&path, after.as_bytes()) {
                    errored = true;
                    crate::output::print_error_line(&format!("{e:#}"));
                }
            }
        }
    }
    if args.diff {
        crate::output::write_output(None, diff_out.as_bytes())?;
    }
    let verb = if args.diff { "would fix" } else { "fixed" };
    crate::output::note(format_args!(
        "{verb} {total_applied} issue{} in {files_changed} file{}; {remaining} finding{} left",
        if total_applied == 1 { "" } else { "s" },
        if files_changed == 1 { "" } else { "s" },
        if remaining == 1 { "" } else { "s" },
    ));
    Ok(if errored {
        ExitStatus::Error
    } else if fails {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
