//! The linters `pare lint` and `pare fix` know, and how files reach them:
//! explicit files are linted whatever their name (detected by content);
//! folders are walked recursively, skipping hidden folders, `target` and
//! `node_modules`. The first linter whose `detect` is true handles a file.

use anyhow::{Context, Result};
use pare_findings::{LintOptions, LintOutcome, Linter, ParseError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every linter, in detection order.
pub static LINTERS: &[&dyn Linter] = &[&pare_dockerfile::DockerfileLinter, &pare_k8s::K8sLinter];

/// Largest file read (Dockerfiles and manifests are far smaller).
const MAX_FILE: u64 = 16 << 20;
/// Bytes read to detect a file's kind.
const HEAD: usize = 4096;

/// A file to lint and the linter for it.
pub struct Target {
    /// The path as the user will see it.
    pub path: PathBuf,
    /// The linter that handles it.
    pub linter: &'static dyn Linter,
}

/// Problems met while collecting files (reported, then exit 2).
pub struct Collected {
    /// Files to lint, sorted.
    pub targets: Vec<Target>,
    /// One-line errors (unreadable paths, explicit files no linter takes).
    pub errors: Vec<String>,
    /// Explicit files skipped with a reason (a YAML file that is not a
    /// Kubernetes manifest: a CI workflow, a `.pre-commit-config.yaml`).
    pub skipped: Vec<String>,
}

fn read_head(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0; HEAD];
    let mut n = 0;
    while n < HEAD {
        let r = f.read(&mut buf[n..])?;
        if r == 0 {
            break;
        }
        n += r;
    }
    buf.truncate(n);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn detect(path: &Path) -> std::io::Result<Option<&'static dyn Linter>> {
    let head = read_head(path)?;
    Ok(LINTERS.iter().copied().find(|l| l.detect(path, &head)))
}

fn walk(dir: &Path, out: &mut Collected) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.errors.push(format!("`{}`: {e}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            walk(&p, out);
        } else if ft.is_file() {
            match detect(&p) {
                Ok(Some(linter)) => out.targets.push(Target { path: p, linter }),
                Ok(None) => {}
                Err(e) => out.errors.push(format!("`{}`: {e}", p.display())),
            }
        }
    }
}

fn is_yaml_or_json(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// Collect the files under `paths`.
#[must_use]
pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut out = Collected {
        targets: Vec::new(),
        errors: Vec::new(),
        skipped: Vec::new(),
    };
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut out),
            Ok(_) => match detect(p) {
                Ok(Some(linter)) => out.targets.push(Target {
                    path: p.clone(),
                    linter,
                }),
                // A YAML or JSON file without `apiVersion`/`kind` is
                // another tool's file (hooks and editors pass every YAML
                // file): skipped with a note, never an error.
                Ok(None) if is_yaml_or_json(p) => out.skipped.push(format!(
                    "`{}`: not a Kubernetes manifest (no `apiVersion` and `kind`): skipped",
                    p.display()
                )),
                // Named explicitly: lint as a Dockerfile, whose parser gives
                // a precise error when it is not one.
                Ok(None) => out.targets.push(Target {
                    path: p.clone(),
                    linter: LINTERS[0],
                }),
                Err(e) => out.errors.push(format!("`{}`: {e}", p.display())),
            },
            Err(e) => out.errors.push(format!("`{}`: {e}", p.display())),
        }
    }
    out.targets.sort_by(|a, b| a.path.cmp(&b.path));
    out.targets.dedup_by(|a, b| a.path == b.path);
    out
}

/// Read a file as UTF-8 text, bounded.
///
/// # Errors
/// I/O errors, too large, not UTF-8; each naming the file.
pub fn read_text(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("`{}`", path.display()))?;
    if meta.len() > MAX_FILE {
        anyhow::bail!(
            "`{}`: file is larger than {} MiB",
            path.display(),
            MAX_FILE >> 20
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("`{}`", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "`{}`: not valid UTF-8 at byte {}",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// What linting one file gave.
pub enum FileResult {
    /// Linted.
    Ok {
        /// Source text.
        src: String,
        /// Diagnostics and suppressions.
        outcome: LintOutcome,
    },
    /// Did not parse.
    Parse(ParseError),
    /// Could not be read.
    Io(String),
}

/// Lint one target.
#[must_use]
pub fn lint_one(t: &Target, opts: &LintOptions) -> FileResult {
    let src = match read_text(&t.path) {
        Ok(s) => s,
        Err(e) => return FileResult::Io(format!("{e:#}")),
    };
    let shown = t.path.display().to_string();
    match t.linter.lint(&shown, &src, opts) {
        Ok(outcome) => FileResult::Ok { src, outcome },
        Err(e) => FileResult::Parse(e),
    }
}

/// Split `--select a,b --select c` into codes.
#[must_use]
pub fn codes(v: &[String]) -> Vec<String> {
    v.iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Check that every code names a rule (code, prefix, name or peer code).
///
/// # Errors
/// The first unknown code.
pub fn validate_codes(codes: &[String]) -> Result<()> {
    for c in codes {
        let known = LINTERS.iter().flat_map(|l| l.rules()).any(|r| {
            r.code.starts_with(c.as_str())
                || r.name == c
                || r.peers
                    .iter()
                    .any(|p| p.split_once(':').is_some_and(|(_, x)| x == c))
        });
        if !known {
            anyhow::bail!("unknown rule code `{c}` in `--select`/`--ignore`");
        }
    }
    Ok(())
}

/// Build lint options from the shared flags.
///
/// # Errors
/// Unknown rule codes.
pub fn options(select: &[String], ignore: &[String], no_peer: bool) -> anyhow::Result<LintOptions> {
    let select = codes(select);
    let ignore = codes(ignore);
    validate_codes(&select)?;
    validate_codes(&ignore)?;
    Ok(LintOptions {
        select,
        ignore,
        peer_suppressions: !no_peer,
    })
}
