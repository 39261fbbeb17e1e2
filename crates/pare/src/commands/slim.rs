//! `pare slim IMAGE -o OUT`: a smaller image by deletion. Keeps the
//! entrypoint's closure and what it loads by name (`shared/SLIM.md`),
//! rewrites the package database to list exactly the packages whose files
//! remain, verifies the result before writing it and refuses to write an
//! image that fails verification (exit 1). Writes only OUT (an OCI layout
//! directory, or a docker-archive file); a non-empty OUT is refused unless
//! `--force`.

use crate::args::{ImageArgs, ProgramArgs};
use crate::output::{note, write_output, Stderr};
use crate::ExitStatus;
use anyhow::Result;
use pare_pipeline::slim::SlimRequest;
use pare_pipeline::verify::Verdict;
use std::path::PathBuf;

/// Output formats of `pare slim` (the report; the image goes to OUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// For a PR comment.
    Markdown,
}

/// Layer compression of an OCI layout output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    /// gzip (the default).
    Gzip,
    /// zstd.
    Zstd,
}

/// Flags of `pare slim`.
#[derive(Debug, clap::Args)]
pub struct SlimArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: ImageArgs,
    /// What the container runs, when not the image's own.
    #[command(flatten)]
    pub program: ProgramArgs,
    /// The output: an OCI layout directory (gzip layer), or with
    /// `docker-archive:` (or a name ending in `.tar`) one tar file as
    /// `docker save` writes it (uncompressed layer; `docker load -i`
    /// reads it). Must be empty or absent unless `--force`.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: pare_slim::write::Output,
    /// How an OCI layout's layer is compressed: `gzip` (the default: what
    /// every runtime and registry takes) or `zstd` (faster to write, a fifth
    /// smaller, faster to pull; containerd 1.5+, CRI-O, podman, Docker
    /// 23+). A docker-archive's layer is stored uncompressed, as `docker
    /// save` does.
    #[arg(long, value_enum, value_name = "KIND")]
    pub compression: Option<Compression>,
    /// Replace the contents of a non-empty OUT.
    #[arg(long)]
    pub force: bool,
    /// Also keep paths matching GLOB (image paths, `/` optional), with
    /// everything they load. Repeatable.
    #[arg(long = "keep", value_name = "GLOB")]
    pub keep: Vec<String>,
    /// Tag of the written image (`org.opencontainers.image.ref.name`); in
    /// a docker-archive, a whole reference (`app:slim`) also names it for
    /// `docker load`.
    #[arg(long, default_value = "latest")]
    pub tag: String,
    /// Plan and verify only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A vulnerability database (`pare db`): count the findings before
    /// and after.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Run `pare slim`.
///
/// # Errors
/// Image read, planning and write errors.
pub fn run(args: &SlimArgs) -> Result<ExitStatus> {
    let mut output = args.output.clone();
    if let Some(c) = args.compression {
        if output.format == pare_slim::write::Format::DockerArchive {
            anyhow::bail!(
                "--compression applies to an OCI layout: a docker-archive stores its layer uncompressed, as `docker save` does"
            );
        }
        output.compression = match c {
            Compression::Gzip => pare_slim::write::LayerCompression::Gzip,
            Compression::Zstd => pare_slim::write::LayerCompression::Zstd,
        };
    }
    let req = SlimRequest {
        image: args.program.request(&args.target)?,
        output,
        force: args.force,
        keep: pare_slim::keep::Options {
            keep_globs: args.keep.clone(),
        },
        tag: args.tag.clone(),
        dry_run: args.dry_run,
        db: args.db.clone(),
    };
    let report = pare_pipeline::slim::slim(&req, &Stderr)?;
    let text = match args.format {
        Format::Table => pare_report::verify::slim_table(&report, false),
        Format::Markdown => pare_report::verify::slim_table(&report, true),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    write_output(args.report.as_deref(), text.as_bytes())?;
    if report.verify.result == Verdict::Fail {
        note("error: the slimmed image fails verification: nothing was written (keep what it needs with --keep GLOB)");
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}
