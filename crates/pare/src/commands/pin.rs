//! `pare pin PATH...`: pin image references of Dockerfiles (`FROM`,
//! `COPY --from=<image>`, `RUN --mount=…,from=<image>`) and Kubernetes
//! manifests (`image:`) to digests, as `name:tag@sha256:…` (an untagged
//! reference gets `:latest` written out, so it can be followed later).
//!
//! Each distinct `name:tag` is resolved once: from the registry (the index
//! digest, or the platform's manifest digest with `--platform`), or from
//! `--lock FILE`. Edits are byte ranges, so everything but the references
//! stays as it was; files are written atomically.
//!
//! Modes: by default unpinned references are pinned; `--update` also bumps
//! stale digests (the tag now points elsewhere); `--check` writes nothing,
//! lists unpinned and stale references on stdout and exits 1 when there are
//! any; `--diff` prints the edits as a unified diff instead of writing.
//! Exit 2 on any error (unreadable file, unreachable registry, unknown tag).

use crate::args::RegistryArgs;
use crate::linters::{self, Target};
use crate::ExitStatus;
use anyhow::{bail, Context, Result};
use pare_findings::{apply_edits, Edit, Fix, ImageRef, LineIndex, Span};
use pare_image::Platform;
use pare_source::registry::{Client, Reference};
use pare_source::RegistryOptions;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Flags of `pare pin`.
#[derive(Debug, clap::Args)]
pub struct PinArgs {
    /// Files and folders (Dockerfiles and Kubernetes manifests).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list unpinned and stale references and exit 1 when
    /// there are any.
    #[arg(long, conflicts_with_all = ["update", "diff"])]
    pub check: bool,
    /// Also replace digests that are no longer what their tag points to.
    #[arg(long)]
    pub update: bool,
    /// Print a unified diff instead of writing the files.
    #[arg(long)]
    pub diff: bool,
    /// Digest lock file (`{"schemaVersion":1,"images":{"docker.io/library/node:20":"sha256:…"}}`):
    /// its digests are used instead of asking the registry (with `--update`
    /// they are asked for again); missing ones are resolved and written back.
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Never reach a registry: every reference must be in `--lock FILE`.
    #[arg(long, requires = "lock")]
    pub offline: bool,
    /// Pin the manifest of this platform (`os/arch[/variant]`) instead of
    /// the multi-platform index.
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<Platform>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// One reference found in one file.
struct Found {
    file: usize,
    r: ImageRef,
    /// `name:tag` as shown (`node:20`, `localhost:5000/app:1`).
    shown: String,
    /// Lock/resolution key (`docker.io/library/node:20`, plus `#os/arch`
    /// with `--platform`).
    key: String,
    line: usize,
    col: usize,
}

/// What one file holds.
struct FileRefs {
    path: PathBuf,
    text: String,
}

/// The lock-file key of `name:tag`.
fn lock_key(name: &str, tag: &str, platform: Option<&Platform>) -> Result<(String, Reference)> {
    let reference = Reference::parse(&format!("{name}:{tag}"))
        .map_err(|e| anyhow::anyhow!("invalid image reference `{name}:{tag}`: {e}"))?;
    // The workspace's one lock-key function (also used by `pare fix --lock`).
    let mut key = pare_findings::image_lock_key(name, tag);
    if let Some(p) = platform {
        let _ = write!(key, "#{p}");
    }
    Ok((key, reference))
}

/// Resolve `reference`'s tag: the index (or single manifest) digest, or
/// with `platform` the digest of that platform's manifest.
fn resolve(
    reference: &Reference,
    opts: &RegistryOptions,
    platform: Option<&Platform>,
) -> Result<String> {
    let client = Client::new(reference, opts)?;
    let tag = reference.manifest_ref();
    let Some(platform) = platform else {
        return Ok(client.resolve(&tag)?.to_string());
    };
    let doc = client.manifest(&tag, None)?;
    #[derive(serde::Deserialize)]
    struct Entry {
        digest: String,
        platform: Option<Platform>,
    }
    #[derive(serde::Deserialize)]
    struct Index {
        manifests: Option<Vec<Entry>>,
    }
    let index: Index = serde_json::from_slice(&doc.bytes).context("manifest is not JSON")?;
    match index.manifests {
        None => Ok(doc.digest.to_string()),
        Some(entries) => entries
            .into_iter()
            .find(|e| e.platform.as_ref().is_some_and(|p| platform.matches(p)))
            .map(|e| e.digest)
            .ok_or_else(|| anyhow::anyhow!("no manifest for platform `{platform}` in the index")),
    }
}

fn read_lock(path: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => pare_dockerfile::parse_lock(&text)
            .map_err(|e| anyhow::anyhow!("lock file `{}`: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read lock file `{}`", path.display())),
    }
}

fn lock_json(lock: &BTreeMap<String, String>) -> String {
    let v = serde_json::json!({ "schemaVersion": 1, "images": lock });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Run `pare pin`.
///
/// # Errors
/// Bad flags or an unreadable lock file.
#[allow(clippy::too_many_lines)]
pub fn run(args: &PinArgs) -> Result<ExitStatus> {
    let platform = args.platform.as_ref();
    let mut lock = match &args.lock {
        Some(p) => read_lock(p)?,
        None => BTreeMap::new(),
    };
    let collected = linters::collect(&args.paths);
    let mut errored = !collected.errors.is_empty();
    for e in &collected.errors {
        crate::output::print_error_line(e);
    }

    // Every reference of every file.
    let scanned: Vec<Result<(FileRefs, Vec<ImageRef>), String>> = collected
        .targets
        .par_iter()
        .map(|t: &Target| {
            let text = linters::read_text(&t.path).map_err(|e| format!("{e:#}"))?;
            let shown = t.path.display().to_string();
            let refs = t
                .linter
                .image_refs(&shown, &text)
                .map_err(|e| e.to_string())?;
            Ok((
                FileRefs {
                    path: t.path.clone(),
                    text,
                },
                refs,
            ))
        })
        .collect();
    let mut files = Vec::new();
    let mut found = Vec::new();
    for s in scanned {
        match s {
            Err(e) => {
                errored = true;
                crate::output::print_error_line(&e);
            }
            Ok((f, refs)) => {
                let index = LineIndex::new(&f.text);
                let file = files.len();
                for r in refs {
                    // A reference pinned by digest alone has no tag to follow.
                    let Some(tag) = r
                        .tag
                        .clone()
                        .or_else(|| r.digest.is_none().then(|| "latest".to_string()))
                    else {
                        continue;
                    };
                    let lc = index.line_col(&f.text, r.span.start);
                    let shown = format!("{}:{tag}", r.name);
                    let key = match lock_key(&r.name, &tag, platform) {
                        Ok((k, _)) => k,
                        Err(e) => {
                            errored = true;
                            crate::output::print_error_line(&format!(
                                "{}:{}:{}: {e:#}",
                                f.path.display(),
                                lc.line,
                                lc.col
                            ));
                            continue;
                        }
                    };
                    found.push(Found {
                        file,
                        r,
                        shown,
                        key,
                        line: lc.line,
                        col: lc.col,
                    });
                }
                files.push(f);
            }
        }
    }

    // Resolve each distinct key once.
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    for f in &found {
        wanted
            .entry(f.key.clone())
            .or_insert_with(|| f.shown.clone());
    }
    let to_ask: Vec<(&String, &String)> = wanted
        .iter()
        .filter(|(k, _)| args.update || !lock.contains_key(*k))
        .filter(|(k, _)| !(args.offline && lock.contains_key(*k)))
        .collect();
    if args.offline {
        let missing: Vec<_> = to_ask.iter().map(|(_, s)| s.as_str()).collect();
        if !missing.is_empty() {
            for m in &missing {
                crate::output::print_error_line(&format!(
                    "`{m}` is not in the lock file (run without `--offline` to resolve it)"
                ));
            }
            return Ok(ExitStatus::Error);
        }
    } else if !to_ask.is_empty() {
        let opts = args.registry.options()?;
        let resolved: Vec<(String, Result<String>)> = to_ask
            .par_iter()
            .map(|(key, shown)| {
                let r = lock_key_reference(shown, platform)
                    .and_then(|reference| resolve(&reference, &opts, platform));
                (
                    (*key).clone(),
                    r.with_context(|| format!("cannot resolve `{shown}`")),
                )
            })
            .collect();
        let mut changed_lock = false;
        for (key, r) in resolved {
            match r {
                Ok(d) => {
                    changed_lock |= lock.get(&key) != Some(&d);
                    lock.insert(key, d);
                }
                Err(e) => {
                    errored = true;
                    crate::output::print_error_line(&format!("{e:#}"));
                }
            }
        }
        if let Some(p) = &args.lock {
            if changed_lock && !args.check && !args.diff {
                crate::output::write_atomic(p, lock_json(&lock).as_bytes())?;
            }
        }
    }

    // Classify and edit.
    let mut report = String::new();
    let mut edits: Vec<Vec<Fix>> = files.iter().map(|_| Vec::new()).collect();
    let (mut unpinned, mut stale) = (0usize, 0usize);
    for f in &found {
        let Some(new) = lock.get(&f.key) else {
            continue;
        };
        let path = files[f.file].path.display();
        let edit = match &f.r.digest {
            None => {
                unpinned += 1;
                let _ = writeln!(
                    report,
                    "{path}:{}:{}: {} unpinned -> {new}",
                    f.line, f.col, f.shown
                );
                // An untagged reference gets its tag written out, so that
                // `--check` and `--update` can follow it later.
                let tag = if f.r.tag.is_none() { ":latest" } else { "" };
                Some(Edit::insert(f.r.span.end, format!("{tag}@{new}")))
            }
            Some(old) if old != new => {
                stale += 1;
                let _ = writeln!(
                    report,
                    "{path}:{}:{}: {} stale {old} -> {new}",
                    f.line, f.col, f.shown
                );
                match f.r.digest_span {
                    Some(s) if args.update => Some(Edit::replace(Span::new(s.start, s.end), new)),
                    _ => None,
                }
            }
            Some(_) => None,
        };
        if let Some(e) = edit {
            edits[f.file].push(Fix::safe(format!("Pin `{}`", f.shown), vec![e]));
        }
    }

    if args.check {
        crate::output::write_output(None, report.as_bytes())?;
        if errored {
            return Ok(ExitStatus::Error);
        }
        crate::output::note(format_args!(
            "{} reference{} checked: {unpinned} unpinned, {stale} stale",
            found.len(),
            if found.len() == 1 { "" } else { "s" },
        ));
        return Ok(if unpinned + stale > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }

    let mut diff_out = String::new();
    let (mut changed_files, mut applied) = (0usize, 0usize);
    for (f, fixes) in files.iter().zip(&edits) {
        if fixes.is_empty() {
            continue;
        }
        let refs: Vec<&Fix> = fixes.iter().collect();
        let out = apply_edits(&f.text, &refs);
        if out.text == f.text {
            continue;
        }
        changed_files += 1;
        applied += out.applied;
        if args.diff {
            let name = f.path.display().to_string();
            diff_out.push_str(
                &similar::TextDiff::from_lines(&f.text, &out.text)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string(),
            );
        } else if let Err(e) = crate::output::write_atomic(&f.path, out.text.as_bytes()) {
            errored = true;
            crate::output::print_error_line(&format!("{e:#}"));
        }
    }
    if args.diff {
        crate::output::write_output(None, diff_out.as_bytes())?;
    }
    let verb = if args.diff { "would pin" } else { "pinned" };
    crate::output::note(format_args!(
        "{verb} {applied} reference{} in {changed_files} file{}",
        if applied == 1 { "" } else { "s" },
        if changed_files == 1 { "" } else { "s" },
    ));
    if stale > 0 && !args.update {
        crate::output::warn(format_args!(
            "{stale} stale digest{} left (run with `--update` to bump)",
            if stale == 1 { "" } else { "s" }
        ));
    }
    Ok(if errored {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// The registry reference of a shown `name:tag`.
fn lock_key_reference(shown: &str, platform: Option<&Platform>) -> Result<Reference> {
    let Some((name, tag)) = shown.rsplit_once(':') else {
        bail!("invalid image reference `{shown}`");
    };
    Ok(lock_key(name, tag, platform)?.1)
}
