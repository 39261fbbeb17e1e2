//! `verify`: will the image still run? The container's closure
//! ([`pare_reach::closure`]) checked by every `VFY` check
//! ([`pare_verify::CHECKS`]); with `--run`, the entrypoint started in a
//! sandbox ([`pare_slim::sandbox`]).

use crate::index::{index, Analyses};
use crate::open::{open, ImageRequest};
use crate::Reporter;
use anyhow::Result;
use pare_fsindex::FsIndex;
use pare_image::{ConfigFile, Image};
use pare_verify::{Options, VerifyFinding};
use serde::Serialize;

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding of severity `high` or above.
    Pass,
    /// The container will not start, or fails at once.
    Fail,
    /// Nothing to verify: no image config (a root filesystem directory),
    /// so the entrypoint is not known. Never a pass.
    Incomplete,
}

/// The `pare verify` report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// Config digest (image ID).
    pub config_digest: Option<String>,
    /// `ENTRYPOINT` + `CMD`.
    pub entrypoint: Vec<String>,
    /// The health check's argv.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Vec<String>>,
    /// The configured `User` (`""`: root).
    pub user: String,
    /// Pass or fail.
    pub result: Verdict,
    /// Findings, by code.
    pub findings: Vec<VerifyFinding>,
    /// Files in the entrypoint's closure.
    pub closure_files: usize,
    /// Why the program is not fully known (its closure may be larger).
    pub unresolved: Vec<String>,
    /// Caveats.
    pub notes: Vec<String>,
    /// The sandbox run (`--run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<pare_slim::sandbox::RunReport>,
}

impl VerifyReport {
    /// Add what a sandbox run showed: VFY011 when the program failed to
    /// start or exited with an error, VFY012 for the writes the read-only
    /// root refused (whether it died of them or carried on; high when
    /// `read_only_deployment`), then decide again.
    pub fn record_run(&mut self, run: pare_slim::sandbox::RunReport, read_only_deployment: bool) {
        if !run.passed() {
            let how = if run.started {
                format!(
                    "the entrypoint exited with status {} after {}s in the sandbox",
                    run.exit_code
                        .map_or_else(|| "unknown (killed by a signal)".into(), |c| c.to_string()),
                    run.seconds
                )
            } else {
                "the entrypoint could not be executed in the sandbox".to_string()
            };
            let tail: Vec<String> = run.stderr.iter().rev().take(5).rev().cloned().collect();
            self.findings
                .push(pare_verify::checks::run_failed::failed(how, tail));
        }
        if !run.erofs.is_empty() {
            self.findings
                .push(pare_verify::checks::run_read_only::refused(
                    run.erofs.clone(),
                    read_only_deployment,
                ));
        }
        self.run = Some(run);
        self.decide();
    }

    /// Recompute the verdict from the findings.
    pub fn decide(&mut self) {
        if self.result == Verdict::Incomplete {
            return;
        }
        self.result = if self.findings.iter().any(VerifyFinding::fails) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
    }
}

/// What the checks need from the index pass.
#[must_use]
pub fn analyses() -> Analyses {
    Analyses::reach().with(files())
}

/// The files the checks read (the user database, the config files they
/// parse), without reachability's probes.
fn files() -> Analyses {
    Analyses {
        globs: [pare_verify::CAPTURE_GLOBS, pare_hygiene::CAPTURE_GLOBS].concat(),
        probes: Vec::new(),
        secrets: false,
    }
}

/// Verify an indexed image (indexed with at least [`analyses`]).
#[must_use]
pub fn verify_indexed(
    spec: &str,
    config: Option<&ConfigFile>,
    config_digest: Option<String>,
    idx: &FsIndex,
    options: &Options,
) -> VerifyReport {
    let closure = pare_reach::closure::closure(config, idx, &[]);
    let findings = pare_verify::verify(&pare_verify::Input {
        config,
        idx,
        closure: &closure,
        options,
    });
    let mut r = VerifyReport {
        schema_version: 1,
        source: spec.to_string(),
        config_digest,
        entrypoint: closure.argv.clone(),
        healthcheck: closure.healthcheck.clone(),
        user: config
            .and_then(|c| c.config.user.clone())
            .unwrap_or_default(),
        result: Verdict::Pass,
        findings,
        closure_files: closure.files.len(),
        unresolved: closure.unresolved,
        notes: closure.notes,
        run: None,
    };
    if config.is_none() {
        r.result = Verdict::Incomplete;
    }
    r.decide();
    r
}

/// The directories the image `req` names writes at run time
/// ([`pare_verify::written_dirs`]): what `pare fix --image` mounts an
/// `emptyDir` at in the manifests that run it on a read-only root.
///
/// # Errors
/// Image read errors.
pub fn written_dirs(req: &ImageRequest, reporter: &dyn Reporter) -> Result<Vec<String>> {
    let image = open(req, reporter)?;
    // The closure: what the programs' configuration says they write.
    let idx = index(&image, &req.spec, &analyses(), &req.limits, reporter)?;
    let closure = pare_reach::closure::closure(image.config.as_ref(), &idx, &[]);
    let mut dirs: Vec<String> = pare_verify::written_dirs(image.config.as_ref(), &idx, &closure)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Open, index and verify the image `req` names. The image and index
/// are returned too, for `--run`.
///
/// # Errors
/// Image read errors.
pub fn verify(
    req: &ImageRequest,
    options: &Options,
    reporter: &dyn Reporter,
) -> Result<(VerifyReport, Image, FsIndex)> {
    let image = open(req, reporter)?;
    let idx = index(&image, &req.spec, &analyses(), &req.limits, reporter)?;
    let report = verify_indexed(
        &req.spec,
        image.config.as_ref(),
        image.config_digest.as_ref().map(ToString::to_string),
        &idx,
        options,
    );
    Ok((report, image, idx))
}

/// Start the entrypoint of `image` in the sandbox: over the image's own
/// directory for a rootfs, else over its layers unpacked into a temporary
/// directory (removed afterwards).
///
/// # Errors
/// Unpacking errors; a sandbox that cannot start (`bwrap` missing, user
/// namespaces refused), said so.
pub fn run_sandbox(
    req: &ImageRequest,
    image: &Image,
    idx: &FsIndex,
    opts: &pare_slim::sandbox::RunOptions,
) -> Result<pare_slim::sandbox::RunReport> {
    use anyhow::Context as _;
    let config = image.config.clone().unwrap_or_default();
    let argv = pare_reach::entry::argv(&config);
    anyhow::ensure!(
        !argv.is_empty(),
        "`{}`: the image has no entrypoint or command to run",
        req.spec
    );
    let path_env = config
        .config
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(pare_reach::entry::DEFAULT_PATH)
        .to_string();
    let cwd = config
        .config
        .working_dir
        .clone()
        .filter(|w| w.starts_with('/'))
        .unwrap_or_else(|| "/".into());
    let mut argv = argv;
    if !argv[0].contains('/') {
        if let Some(p) = path_env
            .split(':')
            .map(|d| format!("{}/{}", d.trim_end_matches('/'), argv[0]))
            .find(|p| idx.resolve_entry(p).is_ok_and(|(_, e)| e.is_file()))
        {
            argv[0] = p;
        }
    }
    let mut env = config.config.env.clone();
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.push(format!("PATH={path_env}"));
    }
    let user = pare_verify::user::resolve(idx, config.config.user.as_deref());
    let ids = pare_slim::sandbox::run_as(user.uid, user.gid);
    let tmp;
    let root = if let Some(r) = &image.rootfs {
        r.clone()
    } else {
        tmp = tempfile::tempdir().context("cannot create a temporary directory for the sandbox")?;
        let keep: std::collections::BTreeSet<String> =
            idx.iter().map(|(p, _)| p.to_string()).collect();
        pare_slim::write::unpack(
            pare_slim::write::Source {
                image,
                index: idx,
                limits: &req.limits,
            },
            &pare_slim::write::Selection {
                keep: &keep,
                replaced: &[],
            },
            tmp.path(),
        )
        .with_context(|| format!("cannot unpack `{}` for the sandbox", req.spec))?;
        tmp.path().to_path_buf()
    };
    let r = pare_slim::sandbox::run(&root, &argv, &env, &cwd, ids, opts)
        .with_context(|| format!("`{}`: --run", req.spec))?;
    Ok(r)
}
