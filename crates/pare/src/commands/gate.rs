//! `pare gate IMAGE`: the CI gate. Scans the image, decides which layers
//! are the base's and which the app's, which packages the entrypoint can
//! load, then applies the policy (`pare.toml`), ignore entries and VEX
//! statements, and exits 0 (pass), 1 (the policy failed) or 2 (an error or
//! an incomplete scan, which never passes).

use super::db::DbLocation;
use super::sbom::{Cataloged, Extra};
use super::scan::{Finding, ScanReport};
use crate::output::{note, warn, write_output, Hint};
use crate::ExitStatus;
use anyhow::{Context, Result};
use pare_pipeline::gate::attribution::Attribution;
use pare_policy::{Action, Date, Decision, EntryFinding, LayerClass, Policy, Reach, Subject};
use pare_reach as reach;
use serde::Serialize;
use std::path::{Path, PathBuf};

mod render;

/// Output formats of `pare gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: failing, warning and ignored findings, each with why.
    Table,
    /// pare's schema (`schemaVersion` 1).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// For a PR comment: a summary table, then the failing findings.
    Markdown,
}

/// Flags of `pare gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The image and how to read it.
    #[command(flatten)]
    pub target: super::image_args::ImageArgs,
    /// Where the vulnerability database is.
    #[command(flatten)]
    pub db: DbLocation,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// The policy file (default: `pare.toml` found upward from the working
    /// directory; without one, the default policy).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// More ignore entries: a `.pareignore.toml`-style `*.toml`, a
    /// `.trivyignore.yaml` (`*.yaml`/`*.yml`) or a `.trivyignore` (anything
    /// else). Repeatable. `.pareignore.toml`, `.trivyignore` and
    /// `.trivyignore.yaml` beside `pare.toml` (or in the working directory)
    /// are read without this flag.
    #[arg(long = "ignore-file", value_name = "FILE")]
    pub ignore_files: Vec<PathBuf>,
    /// OpenVEX documents whose `not_affected`/`fixed` statements suppress
    /// findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// The base image (same forms as IMAGE): its layers are the base's.
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,
    /// The Dockerfile that built the image: its final stage's `FROM`
    /// decides the base layers.
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
    /// Decide ignore-entry expiry as of this date (`YYYY-MM-DD`; default:
    /// today, UTC), to replay a past gate.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// In the table, list every finding the policy ignores (by default
    /// only those an ignore entry or VEX statement suppressed are listed;
    /// the rest are counted by severity).
    #[arg(long)]
    pub show_ignored: bool,
    /// A `.trivyignore`/`.trivyignore.yaml` entry with a bad `exp:` date
    /// becomes an `invalid-ignore` finding (decided by the policy) instead
    /// of an error.
    #[arg(long)]
    pub lenient_ignores: bool,
}

/// One finding with everything the gate decided about it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GateFinding {
    /// The scan finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// `base`, `app` or `unknown`.
    pub layer_origin: LayerClass,
    /// Reachability from the entrypoint, with the evidence chain.
    pub reachability: reach::PackageReach,
    /// The policy's decision.
    pub decision: Decision,
}

/// The policy as applied, for the report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyInfo {
    /// Files read.
    pub sources: Vec<String>,
    /// Rules in order.
    pub rules: Vec<RuleInfo>,
    /// Action for unmatched findings.
    pub default_action: Action,
    /// Expiry was decided as of this date.
    pub today: Date,
}

/// One rule, for the report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleInfo {
    /// Name.
    pub name: String,
    /// Action.
    pub action: Action,
    /// Conditions in `pare.toml` syntax.
    pub conditions: String,
    /// Where it was written.
    pub origin: String,
}

/// Counts of the decisions.
#[derive(Debug, Serialize)]
pub struct Counts {
    /// Failing.
    pub fail: usize,
    /// Warnings.
    pub warn: usize,
    /// Ignored (by entries, VEX or policy).
    pub ignore: usize,
}

/// The reachability analysis, without its per-package part.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReachInfo {
    /// ENTRYPOINT + CMD.
    pub entrypoint: Vec<String>,
    /// Files the load closure starts from.
    pub roots: Vec<String>,
    /// Caveats.
    pub notes: Vec<String>,
}

/// The `pare gate` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GateReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The image as given.
    pub source: String,
    /// Config digest.
    pub config_digest: Option<String>,
    /// `pass`, `fail` or `incomplete`.
    pub result: &'static str,
    /// Decision counts.
    pub counts: Counts,
    /// Packages scanned.
    pub packages: usize,
    /// Base/app split of the layers.
    pub attribution: Attribution,
    /// Entrypoint analysis.
    pub reachability: ReachInfo,
    /// The policy applied.
    pub policy: PolicyInfo,
    /// Findings: failing first, then warnings, then ignored; most severe
    /// first within each.
    pub findings: Vec<GateFinding>,
    /// Expired and stale ignore entries.
    pub ignore_entries: Vec<EntryFinding>,
    /// Files that could not be read: the scan is incomplete when any.
    pub warnings: Vec<String>,
}

/// Read the policy: `pare.toml` (given or discovered), ignore files beside
/// it or in the working directory, those given, and VEX documents.
fn load_policy(args: &GateArgs, cwd: &Path) -> Result<Policy> {
    let mut policy = Policy::default();
    let read = |p: &Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read `{}`", p.display()))
    };
    let config = match &args.config {
        Some(p) => Some(p.clone()),
        None => pare_policy::config::discover(cwd),
    };
    let dir = config
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    if let Some(path) = &config {
        let cfg = pare_policy::config::parse(path, &read(path)?)?;
        if let Some(rules) = cfg.rules {
            policy.rules = rules;
        }
        if let Some(a) = cfg.default_action {
            policy.default_action = a;
        }
        policy.ignores.extend(cfg.ignores);
        policy.sources.push(path.display().to_string());
    }
    let mut files: Vec<PathBuf> = [
        pare_policy::config::IGNORE_NAME,
        ".trivyignore",
        ".trivyignore.yaml",
    ]
    .iter()
    .map(|n| dir.join(n))
    .filter(|p| p.is_file())
    .collect();
    files.extend(args.ignore_files.iter().cloned());
    for path in &files {
        let text = read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let entries = if name.ends_with(".toml") {
            let cfg = pare_policy::config::parse(path, &text)?;
            if cfg.rules.is_some() || cfg.default_action.is_some() {
                anyhow::bail!(
                    "`{}`: an ignore file holds only `[[ignore]]` entries; put `[policy]` in pare.toml",
                    path.display()
                );
            }
            cfg.ignores
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            pare_policy::trivy::parse_trivyignore_yaml(path, &text, args.lenient_ignores)?
        } else {
            pare_policy::trivy::parse_trivyignore(path, &text, args.lenient_ignores)?
        };
        policy.ignores.extend(entries);
        policy.sources.push(path.display().to_string());
    }
    for path in &args.vex {
        policy
            .vex
            .extend(pare_policy::vex::parse(path, &read(path)?)?);
        policy.sources.push(path.display().to_string());
    }
    Ok(policy)
}

/// Decide the base/app split.
fn attribute(args: &GateArgs, c: &Cataloged) -> Result<Attribution> {
    let image = &c.image;
    if image.rootfs.is_some() {
        return Ok(Attribution::none());
    }
    if let Some(base) = &args.base {
        let base_image = super::inspect::open_image(
            base,
            &args.target.platform,
            &args.target.registry.options()?,
        )
        .with_context(|| format!("cannot read the base image `{base}`"))?;
        return Ok(Attribution::from_base_image(
            image,
            base,
            &base_image.diff_ids(),
        ));
    }
    match Attribution::from_annotations(image, |name, digest| {
        annotated_base(args, image, name, digest)
    }) {
        Some(Ok(a)) => return Ok(a),
        Some(Err(why)) => note(format!(
            "base/app attribution: {why}; trying the next method"
        )),
        None => {}
    }
    if let Some(path) = &args.dockerfile {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let name = path.display().to_string();
        let df = pare_dockerfile::parse(&name, &text)?;
        if let Some((root, count)) = df.final_layers() {
            let line = df.instructions.get(root.from).map_or(1, |i| i.line + 1);
            return Ok(Attribution::from_dockerfile(
                image,
                &root.image,
                count,
                &format!("{name}:{line}"),
            ));
        }
        note(format!("`{name}` has no FROM: using the history"));
    }
    Ok(Attribution::from_history(image))
}

/// The diff_ids of the base an image's annotations name: from the image's
/// own source (an OCI layout's blob store, the same registry repository),
/// else, for an image read from a registry, from `name@digest` in its
/// registry with the same flags and credentials (the user already chose to
/// go online).
fn annotated_base(
    args: &GateArgs,
    image: &pare_image::Image,
    name: &str,
    digest: &pare_image::Digest,
) -> Result<(Vec<pare_image::Digest>, &'static str), String> {
    let local = match image.diff_ids_of(digest, &args.target.platform) {
        Ok(ids) => return Ok((ids, "this image's source")),
        Err(e) => e,
    };
    if image.source().kind() != pare_image::SourceKind::Registry {
        return Err(format!("not in this image's source ({local})"));
    }
    let repo = name.split('@').next().unwrap_or(name);
    let reference = format!("{repo}@{digest}");
    let base = args
        .target
        .registry
        .options()
        .and_then(|opts| super::inspect::open_image(&reference, &args.target.platform, &opts))
        .map_err(|e| format!("cannot read `{reference}` from its registry: {e:#}"))?;
    Ok((base.diff_ids(), "its registry"))
}

fn layer_class(a: &Attribution, f: &Finding) -> LayerClass {
    f.layer
        .as_ref()
        .map_or(LayerClass::Unknown, |l| a.origin(l.index))
}

/// Run the gate and build its report.
///
/// # Errors
/// Image, database, policy and flag errors.
pub fn gate(args: &GateArgs) -> Result<GateReport> {
    let today = match &args.today {
        Some(d) => Date::parse(d).map_err(|m| anyhow::anyhow!("--today: {m}"))?,
        None => Date::today(),
    };
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    // The policy first: a typo in pare.toml should not cost a scan.
    let policy = load_policy(args, &cwd)?;
    for n in policy.notes() {
        note(n);
    }
    let extra = Extra {
        capture: reach::CAPTURE_GLOBS.to_vec(),
        probes: reach::probes(),
    };
    let (scan, cataloged) = super::scan::scan_with(
        &args.target,
        &args.db,
        &super::scan::Filter::default(),
        extra,
    )?;
    let attribution = attribute(args, &cataloged)?;
    let reachability = reach::analyze(
        cataloged.image.config.as_ref(),
        &cataloged.index,
        &cataloged.report.packages,
    );
    let ScanReport {
        findings,
        warnings,
        packages,
        config_digest,
        ..
    } = scan;
    let subjects: Vec<Subject> = findings
        .iter()
        .map(|f| Subject {
            kind: pare_policy::Kind::Vulnerability,
            id: f.id.clone(),
            ids: f.ids.clone(),
            severity: f.severity.clone(),
            fixed: f.fixed.is_some(),
            layer: layer_class(&attribution, f),
            reach: reachability
                .packages
                .get(f.package_index)
                .map_or(Reach::Unknown, |r| r.status),
            ecosystem: Some(f.ecosystem),
            package: f.package.clone(),
            purl: f.purl.clone(),
            paths: f.locations.clone(),
        })
        .collect();
    let digests: Vec<String> = [
        cataloged.image.manifest_digest.as_ref(),
        cataloged.image.index_digest.as_ref(),
        cataloged.image.config_digest.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(ToString::to_string)
    .chain(cataloged.image.tags.iter().cloned())
    .chain(
        (cataloged.image.source().kind() == pare_image::SourceKind::Registry).then(|| {
            args.target
                .image
                .trim_start_matches("registry:")
                .to_string()
        }),
    )
    .collect();
    let evaluation = pare_policy::evaluate(&policy, &subjects, today, &digests);
    let (fail, warn_n, ignore) = evaluation.counts();
    let failed = evaluation.failed();
    let mut gated: Vec<GateFinding> = findings
        .into_iter()
        .zip(subjects)
        .zip(evaluation.decisions)
        .map(|((finding, subject), decision)| GateFinding {
            reachability: reachability
                .packages
                .get(finding.package_index)
                .cloned()
                .unwrap_or_else(|| reach::PackageReach {
                    status: reach::Status::Unknown,
                    chain: Vec::new(),
                    reason: "not analysed".into(),
                }),
            layer_origin: subject.layer,
            finding,
            decision,
        })
        .collect();
    // Stable: findings arrive most severe first; group by action.
    gated.sort_by_key(|g| g.decision.action);
    let result = if !warnings.is_empty() {
        "incomplete"
    } else if failed {
        "fail"
    } else {
        "pass"
    };
    Ok(GateReport {
        schema_version: 1,
        source: args.target.image.clone(),
        config_digest,
        result,
        counts: Counts {
            fail,
            warn: warn_n,
            ignore,
        },
        packages,
        attribution,
        reachability: ReachInfo {
            entrypoint: reachability.entrypoint,
            roots: reachability.roots,
            notes: reachability.notes,
        },
        policy: PolicyInfo {
            sources: policy.sources.clone(),
            rules: policy
                .rules
                .iter()
                .map(|r| RuleInfo {
                    name: r.name.clone(),
                    action: r.action,
                    conditions: r.describe(),
                    origin: r.origin.clone(),
                })
                .collect(),
            default_action: policy.default_action,
            today,
        },
        findings: gated,
        ignore_entries: evaluation.entries,
        warnings,
    })
}

/// Run `pare gate`.
///
/// # Errors
/// Image, database, policy and output errors.
pub fn run(args: &GateArgs) -> Result<ExitStatus> {
    let report = gate(args).map_err(|e| {
        if e.downcast_ref::<pare_policy::ConfigError>().is_some() {
            e.context(Hint(
                "the policy format is documented in docs/gate.md".into(),
            ))
        } else {
            e
        }
    })?;
    let text = match args.format {
        Format::Table => render::table(&report, args.show_ignored),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Sarif => serde_json::to_string_pretty(&render::sarif(&report))? + "\n",
        Format::Markdown => render::markdown(&report),
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    for w in &report.warnings {
        warn(format_args!("incomplete scan: {w}"));
    }
    Ok(match report.result {
        "incomplete" => {
            warn("the scan is incomplete: the gate cannot pass");
            ExitStatus::Error
        }
        "fail" => ExitStatus::Failure,
        _ => ExitStatus::Success,
    })
}
