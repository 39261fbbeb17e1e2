//! `pare verify IMAGE`: will the image still run? Static checks (`VFY`
//! codes) over the entrypoint's closure, the user, the working directory
//! and, with `--read-only-rootfs` or `--manifest`, the writes; `--run`
//! also starts the entrypoint in a `bwrap` sandbox. Exit 0 pass, 1 a
//! finding of severity high or above, 2 an error.

use crate::args::{ImageArgs, ProgramArgs};
use crate::output::{note, warn, write_output, Stderr};
use crate::ExitStatus;
use anyhow::{Context, Result};
use pare_pipeline::verify::Verdict;
use std::path::PathBuf;

/// Output formats of `pare verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// For a PR comment.
    Markdown,
}

/// Flags of `pare verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: ImageArgs,
    /// What the container runs, when not the image's own.
    #[command(flatten)]
    pub program: ProgramArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// The root filesystem will be read-only: report directories the
    /// software writes that no volume covers.
    #[arg(long)]
    pub read_only_rootfs: bool,
    /// A Kubernetes manifest deploying the image: its
    /// `readOnlyRootFilesystem` and `volumeMounts` decide the writes check,
    /// and, when it has one container, that container's `command`/`args`
    /// are the program checked (unless `--entrypoint` or `--cmd` is given:
    /// then the flags replace both).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Also run the entrypoint in a sandbox (`bwrap`: read-only root, no
    /// network, as the image's user or 65532) and report how it went.
    #[arg(long)]
    pub run: bool,
    /// With `--run`: seconds after which a program still running "stays up".
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub run_seconds: u64,
    /// With `--run`: the bubblewrap program.
    #[arg(long, default_value = "bwrap", env = "PARE_BWRAP", value_name = "PATH")]
    pub bwrap: String,
    /// With `--run`: extra environment for the program (`KEY=VALUE`), repeatable.
    #[arg(long = "run-env", value_name = "KEY=VALUE")]
    pub run_env: Vec<String>,
}

/// What a manifest says: `readOnlyRootFilesystem` and mount paths
/// anywhere in it, and each container's `command`/`args` (`None` when a
/// container has neither).
struct Manifest {
    options: pare_verify::Options,
    programs: Vec<Option<pare_pipeline::open::Program>>,
}

/// A container's `command` (its ENTRYPOINT) and `args` (its CMD), when it
/// gives either. An empty list is no list, as the kubelet reads it (the
/// image's own is run).
fn container_program(c: &pare_k8s::yaml::Node) -> Option<pare_pipeline::open::Program> {
    let words = |key: &str| -> Option<Vec<String>> {
        let (_, v) = c.entries()?.iter().find(|(k, _)| k.as_str() == Some(key))?;
        let w: Vec<String> = v
            .items()?
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect();
        (!w.is_empty()).then_some(w)
    };
    let p = pare_pipeline::open::Program {
        entrypoint: words("command"),
        cmd: words("args"),
    };
    (p.entrypoint.is_some() || p.cmd.is_some()).then_some(p)
}

/// What the manifest at `path` says ([`Manifest`]).
fn manifest(path: &std::path::Path) -> Result<Manifest> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let docs = pare_k8s::yaml::parse(&src)
        .map_err(|e| anyhow::anyhow!("`{}`: byte {}: {}", path.display(), e.offset, e.message))?;
    let mut m = Manifest {
        options: pare_verify::Options::default(),
        programs: Vec::new(),
    };
    fn walk(n: &pare_k8s::yaml::Node, m: &mut Manifest) {
        if let Some(entries) = n.entries() {
            for (k, v) in entries {
                match k.as_str() {
                    Some("readOnlyRootFilesystem") if v.as_bool() == Some(true) => {
                        m.options.read_only_rootfs = true;
                    }
                    Some("mountPath") => {
                        if let Some(p) = v.as_str() {
                            m.options.writable_mounts.push(p.to_string());
                        }
                    }
                    Some("containers") => {
                        for c in v.items().unwrap_or_default() {
                            m.programs.push(container_program(c));
                        }
                        walk(v, m);
                    }
                    _ => walk(v, m),
                }
            }
        } else if let Some(items) = n.items() {
            for i in items {
                walk(i, m);
            }
        }
    }
    for d in &docs {
        if let Some(r) = &d.root {
            walk(r, &mut m);
        }
    }
    Ok(m)
}

/// The program a manifest's containers give, when it has one container
/// (which of several is this image, a path cannot tell) and its words need
/// no `$(VAR)` expansion (Kubernetes expands them from the container's
/// env, which verify does not model); a note says which.
fn manifest_program(
    programs: &[Option<pare_pipeline::open::Program>],
) -> Option<pare_pipeline::open::Program> {
    match programs {
        [Some(p)]
            if p.entrypoint
                .iter()
                .chain(&p.cmd)
                .flatten()
                .any(|w| w.contains("$(")) =>
        {
            note("the manifest's command/args use $(VAR) expansion: the image's own ENTRYPOINT/CMD is checked; give the expanded program with --entrypoint/--cmd");
            None
        }
        [Some(p)] => {
            note("the program is the manifest's container's command/args");
            Some(p.clone())
        }
        many if many.len() > 1 && many.iter().any(Option::is_some) => {
            note(format!(
                "the manifest has {} containers: the image's own ENTRYPOINT/CMD is checked; give the container's command/args with --entrypoint/--cmd",
                many.len()
            ));
            None
        }
        _ => None,
    }
}

/// Run `pare verify`.
///
/// # Errors
/// Image, manifest, sandbox and output errors.
pub fn run(args: &VerifyArgs) -> Result<ExitStatus> {
    let (mut options, programs) = match &args.manifest {
        Some(m) => {
            let m = manifest(m)?;
            (m.options, m.programs)
        }
        None => (pare_verify::Options::default(), Vec::new()),
    };
    options.read_only_rootfs |= args.read_only_rootfs;
    // The flags say what runs; else the manifest.
    let mut req = args.program.request(&args.target)?;
    if req.program.is_none() {
        req.program = manifest_program(&programs);
    }
    let (mut report, image, idx) = pare_pipeline::verify::verify(&req, &options, &Stderr)?;
    if args.run {
        let opts = pare_slim::sandbox::RunOptions {
            timeout: std::time::Duration::from_secs(args.run_seconds),
            read_only_rootfs: options.read_only_rootfs,
            bwrap: args.bwrap.clone(),
            env: args.run_env.clone(),
            writable: options.volumes(image.config.as_ref()),
        };
        let run = pare_pipeline::verify::run_sandbox(&req, &image, &idx, &opts)?;
        report.record_run(run, options.read_only_rootfs);
    }
    let text = match args.format {
        Format::Table => pare_report::verify::table(&report, false),
        Format::Markdown => pare_report::verify::table(&report, true),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Sarif => pare_report::verify::sarif(&report),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for u in &report.unresolved {
        warn(format_args!("not fully known: {u}"));
    }
    if let Some(m) = &args.manifest {
        if report.findings.iter().any(|f| f.code == "VFY010") {
            note(format_args!(
                "{}: `pare fix --unsafe --image {} {}` mounts an emptyDir at each of them",
                crate::term::paint("hint", "36"),
                args.target.image,
                m.display()
            ));
        }
    }
    Ok(match report.result {
        Verdict::Pass => {
            if args.format != Format::Table && args.output.is_some() {
                note("verify: pass");
            }
            ExitStatus::Success
        }
        Verdict::Fail => ExitStatus::Failure,
        Verdict::Incomplete => {
            warn("verify cannot pass without an image config: the entrypoint is not known (give the image, not its root filesystem)");
            ExitStatus::Error
        }
    })
}
