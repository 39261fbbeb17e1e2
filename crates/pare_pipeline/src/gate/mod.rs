//! `gate`: the CI gate. The image's scan, which layers are the base's and
//! which the app's ([`attribution`]), which packages the entrypoint can
//! load (`pare_reach`), then the policy (`pare.toml`), ignore entries and
//! VEX statements ([`policy`]) decide `pass`, `fail` or `incomplete`.
//!
//! About 600 lines: the gate's steps in order; attribution, policy loading
//! and unknowns are already their own modules.

pub mod attribution;
pub mod policy;
mod unknowns;

use crate::catalog::Cataloged;
use crate::db::OpenDb;
use crate::index::Analyses;
use crate::open::ImageRequest;
use crate::scan::{Filter, Finding, ScanReport};
use crate::Reporter;
use anyhow::{Context, Result};
use attribution::Attribution;
use pare_policy::{
    Action, Date, Decision, EntryFinding, LayerClass, Policy, Reach, Subject, Unknown,
};
use pare_reach as reach;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// What the gate concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateResult {
    /// No finding fails the policy and the scan is complete.
    Pass,
    /// A finding fails the policy.
    Fail,
    /// Something could not be read: the gate cannot pass.
    Incomplete,
}

impl GateResult {
    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GateResult::Pass => "pass",
            GateResult::Fail => "fail",
            GateResult::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for GateResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the gate reads besides the image and the database.
#[derive(Debug, Clone)]
pub struct GateRequest {
    /// The image.
    pub image: ImageRequest,
    /// Policy, ignore and VEX files.
    pub policy: policy::PolicySources,
    /// `--base IMAGE`: its layers are the base's.
    pub base: Option<String>,
    /// `--dockerfile`: its final stage's `FROM` decides the base layers.
    pub dockerfile: Option<PathBuf>,
    /// Ignore-entry expiry is decided as of this date.
    pub today: Date,
    /// Where `pare.toml` and ignore files are looked for.
    pub cwd: PathBuf,
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
    /// The verdict.
    pub result: GateResult,
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
    /// Image hygiene findings (root user, shell, package manager, …) and
    /// what the policy decided on each (rules select them with `kind =
    /// "hygiene"`; the default policy lists them as ignored).
    pub hygiene: Vec<HygieneFinding>,
    /// Secrets in the image (every layer, deleted files included; env,
    /// history, labels) and what the policy decided on each (`kind =
    /// "secret"`; the default policy fails on them). Excerpts are redacted.
    pub secrets: Vec<SecretFinding>,
    /// Expired and stale ignore entries.
    pub ignore_entries: Vec<EntryFinding>,
    /// What the gate could not know; an unaccepted one that blocks makes
    /// the result `incomplete`.
    pub unknowns: Vec<Unknown>,
    /// `[[unknowns.accept]]` entries past their expiry (they accept
    /// nothing).
    pub expired_acceptances: Vec<String>,
    /// Files that could not be read: the scan is incomplete when any.
    pub warnings: Vec<String>,
}

impl GateReport {
    /// Why the gate cannot pass, when it cannot: unreadable files and
    /// unaccepted unknowns, one line each.
    #[must_use]
    pub fn incomplete_reasons(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|w| format!("unreadable: {w}"))
            .chain(
                self.unknowns
                    .iter()
                    .filter(|u| u.blocks())
                    .map(|u| format!("{}: {}", u.kind, u.message)),
            )
            .collect()
    }
}

/// A hygiene finding with the policy's decision.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HygieneFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: pare_hygiene::checks::ImageFinding,
    /// The policy's decision.
    pub decision: Decision,
}

/// A secret with the policy's decision.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretFinding {
    /// The finding (redacted).
    #[serde(flatten)]
    pub finding: pare_secrets::Finding,
    /// The policy's decision.
    pub decision: Decision,
}

/// Run the gate: read the policy first (a typo in `pare.toml` should not
/// cost a scan), scan with reachability in the same pass, attribute, then
/// decide.
///
/// # Errors
/// Image, database, policy and flag errors.
pub fn gate(req: &GateRequest, db: &OpenDb, reporter: &dyn Reporter) -> Result<GateReport> {
    let policy = policy::load(&req.policy, &req.cwd)?;
    for n in policy.notes() {
        reporter.note(&n);
    }
    let (scan, cataloged) = crate::scan::run(
        &req.image,
        db,
        &Filter::default(),
        Analyses::reach().with(Analyses::secrets()),
        reporter,
    )?;
    let attribution = attribute(req, &cataloged, reporter)?;
    let reachability = reach::analyze(
        cataloged.image.config.as_ref(),
        &cataloged.index,
        &cataloged.report.packages,
    );
    let sbom = &cataloged.report;
    let gaps = pare_vuln::coverage_gaps(&db.db, sbom.distro.as_ref(), &sbom.packages)
        .context("reading the vulnerability database")?;
    let elf: Vec<&str> = cataloged
        .index
        .probe_results(pare_reach::probe::ELF_PROBE)
        .map(|(p, _)| p)
        .collect();
    let mut unknowns = unknowns::find(
        sbom.distro.as_ref(),
        &sbom.packages,
        &cataloged.index,
        &elf,
        &attribution,
        &gaps,
    );
    let cfg = cataloged.image.config.as_ref();
    let facts = pare_hygiene::checks::collect(
        &cataloged.index,
        cfg.and_then(|c| c.config.user.as_deref()),
        0,
    );
    let hygiene = pare_hygiene::checks::run_all(&facts, &cataloged.index);
    let secrets = crate::secrets::collect(&cataloged.image, &cataloged.index);
    unknowns.extend(unknowns::unscanned(&secrets.unscanned));
    let secrets = secrets.findings;
    Ok(decide(
        req,
        &policy,
        scan,
        &cataloged,
        Evidence {
            attribution,
            reachability,
            unknowns,
            hygiene,
            secrets,
        },
    ))
}

/// What the gate learnt besides the scan.
struct Evidence {
    attribution: Attribution,
    reachability: reach::Reachability,
    unknowns: Vec<Unknown>,
    hygiene: Vec<pare_hygiene::checks::ImageFinding>,
    secrets: Vec<pare_secrets::Finding>,
}

/// A finding about the image itself (a secret, a hygiene check) as the
/// policy sees it: its code is its ID (its name an alias), its severity on
/// the vulnerability ladder, its layer class unknown (it fails wherever it
/// is).
fn image_subject(
    kind: pare_policy::Kind,
    code: &str,
    name: &str,
    severity: pare_findings::Severity,
    paths: Vec<String>,
) -> Subject {
    Subject {
        kind,
        id: code.to_string(),
        ids: vec![code.to_string(), name.to_string()],
        severity: severity.into(),
        fixed: false,
        layer: LayerClass::Unknown,
        reach: Reach::Unknown,
        ecosystem: None,
        package: String::new(),
        purl: String::new(),
        paths,
    }
}

/// A secret: its path is the file or config field.
fn secret_subject(f: &pare_secrets::Finding) -> Subject {
    image_subject(
        pare_policy::Kind::Secret,
        f.code,
        f.name,
        f.severity,
        vec![f.location.path()],
    )
}

/// A hygiene finding.
fn hygiene_subject(f: &pare_hygiene::checks::ImageFinding) -> Subject {
    image_subject(
        pare_policy::Kind::Hygiene,
        f.code,
        f.name,
        f.severity,
        f.paths.clone(),
    )
}

fn decide(
    req: &GateRequest,
    policy: &Policy,
    scan: ScanReport,
    cataloged: &Cataloged,
    evidence: Evidence,
) -> GateReport {
    let Evidence {
        attribution,
        reachability,
        mut unknowns,
        hygiene,
        secrets,
    } = evidence;
    let expired_acceptances =
        pare_policy::unknown::accept(&mut unknowns, &policy.accept_unknowns, req.today);
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
            severity: f.severity,
            fixed: f.fixed.is_some(),
            layer: f
                .layer
                .as_ref()
                .map_or(LayerClass::Unknown, |l| attribution.origin(l.index)),
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
    let image = &cataloged.image;
    // What VEX products may name this image by: its digests, its tags,
    // and for a registry image the reference it was read by.
    let digests: Vec<String> = [
        image.manifest_digest.as_ref(),
        image.index_digest.as_ref(),
        image.config_digest.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(ToString::to_string)
    .chain(image.tags.iter().cloned())
    .chain(
        (image.source().kind() == pare_image::SourceKind::Registry)
            .then(|| req.image.spec.trim_start_matches("registry:").to_string()),
    )
    .collect();
    let vulns = subjects.len();
    let mut all = subjects;
    all.extend(hygiene.iter().map(hygiene_subject));
    let n_hygiene = hygiene.len();
    all.extend(secrets.iter().map(secret_subject));
    let evaluation = pare_policy::evaluate(policy, &all, req.today, &digests);
    let (fail, warn, ignore) = evaluation.counts();
    let failed = evaluation.failed();
    let mut decisions = evaluation.decisions;
    let mut hygiene_decisions = decisions.split_off(vulns);
    let secret_decisions = hygiene_decisions.split_off(n_hygiene);
    all.truncate(vulns);
    let secrets: Vec<SecretFinding> = secrets
        .into_iter()
        .zip(secret_decisions)
        .map(|(finding, decision)| SecretFinding { finding, decision })
        .collect();
    let hygiene: Vec<HygieneFinding> = hygiene
        .into_iter()
        .zip(hygiene_decisions)
        .map(|(finding, decision)| HygieneFinding { finding, decision })
        .collect();
    let mut gated: Vec<GateFinding> = findings
        .into_iter()
        .zip(all)
        .zip(decisions)
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
    let result = if !warnings.is_empty() || unknowns.iter().any(Unknown::blocks) {
        GateResult::Incomplete
    } else if failed {
        GateResult::Fail
    } else {
        GateResult::Pass
    };
    GateReport {
        schema_version: 1,
        source: req.image.spec.clone(),
        config_digest,
        result,
        counts: Counts { fail, warn, ignore },
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
            today: req.today,
        },
        findings: gated,
        hygiene,
        secrets,
        ignore_entries: evaluation.entries,
        unknowns,
        expired_acceptances,
        warnings,
    }
}

/// Decide the base/app split, in the order of trust [`attribution`]
/// documents.
fn attribute(req: &GateRequest, c: &Cataloged, reporter: &dyn Reporter) -> Result<Attribution> {
    let image = &c.image;
    if image.rootfs.is_some() {
        return Ok(Attribution::none());
    }
    if let Some(base) = &req.base {
        let base_image = crate::open::open(&req.image.other(base.clone()), reporter)
            .with_context(|| format!("cannot read the base image `{base}`"))?;
        return Ok(Attribution::from_base_image(
            image,
            base,
            &base_image.diff_ids(),
        ));
    }
    match Attribution::from_annotations(image, |name, digest| {
        annotated_base(req, image, name, digest, reporter)
    }) {
        Some(Ok(a)) => return Ok(a),
        Some(Err(why)) => reporter.note(&format!(
            "base/app attribution: {why}; trying the next method"
        )),
        None => {}
    }
    if let Some(path) = &req.dockerfile {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let name = path.display().to_string();
        let df = pare_dockerfile::parse(&name, &text)?;
        if let Some((root, steps)) = final_steps(&df) {
            let line = df.instructions.get(root.from).map_or(1, |i| i.line + 1);
            return Attribution::from_dockerfile(
                image,
                &root.image,
                &steps,
                &format!("{name}:{line}"),
            )
            .map_err(|m| anyhow::anyhow!(m))
            .context(crate::Hint(
                "pass the Dockerfile this image was built from, or `--base IMAGE`".into(),
            ));
        }
        reporter.note(&format!("`{name}` has no FROM: using the history"));
    }
    Ok(Attribution::from_history(image))
}

/// The final stage's chain of stages back to its external image (the
/// root stage), and the `RUN`/`COPY`/`ADD` steps of that chain in build
/// order, as `KEYWORD args`.
fn final_steps(
    df: &pare_dockerfile::Dockerfile,
) -> Option<(&pare_dockerfile::parser::Stage, Vec<String>)> {
    use pare_dockerfile::parser::{Base, Keyword};
    let mut chain = vec![df.final_stage()?];
    for _ in 0..df.stages.len() {
        let s = chain.last()?;
        match &s.base {
            Base::Stage(i) if *i < s.index => chain.push(&df.stages[*i]),
            _ => break,
        }
    }
    let root = *chain.last()?;
    let steps = chain
        .iter()
        .rev()
        .flat_map(|s| df.stage_instructions(s))
        .filter(|i| matches!(i.keyword, Keyword::Run | Keyword::Copy | Keyword::Add))
        .map(|i| format!("{} {}", i.keyword.as_str(), i.args.text))
        .collect();
    Some((root, steps))
}

/// The diff_ids of the base an image's annotations name: from the image's
/// own source (an OCI layout's blob store, the same registry repository),
/// else, for an image read from a registry, from `name@digest` in its
/// registry with the same flags and credentials (the user already chose to
/// go online).
fn annotated_base(
    req: &GateRequest,
    image: &pare_image::Image,
    name: &str,
    digest: &pare_image::Digest,
    reporter: &dyn Reporter,
) -> Result<(Vec<pare_image::Digest>, &'static str), String> {
    let platform = req.image.platform.clone().unwrap_or_default();
    let local = match image.diff_ids_of(digest, &platform) {
        Ok(ids) => return Ok((ids, "this image's source")),
        Err(e) => e,
    };
    if image.source().kind() != pare_image::SourceKind::Registry {
        return Err(format!("not in this image's source ({local})"));
    }
    let repo = name.split('@').next().unwrap_or(name);
    let reference = format!("{repo}@{digest}");
    let base = crate::open::open(&req.image.other(reference.clone()), reporter)
        .map_err(|e| format!("cannot read `{reference}` from its registry: {e:#}"))?;
    Ok((base.diff_ids(), "its registry"))
}

/// The working directory, for [`GateRequest::cwd`].
///
/// # Errors
/// It cannot be read.
pub fn current_dir() -> Result<PathBuf> {
    std::env::current_dir().context("cannot read the working directory")
}
