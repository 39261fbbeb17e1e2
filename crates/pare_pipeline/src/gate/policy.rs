//! Reading the gate's policy: `pare.toml` (given or found upward), the
//! ignore files beside it or in the working directory, those given, and
//! OpenVEX documents.

use anyhow::{Context, Result};
use pare_policy::Policy;
use std::path::{Path, PathBuf};

/// Where the policy comes from.
#[derive(Debug, Clone, Default)]
pub struct PolicySources {
    /// `--config FILE`; else `pare.toml` found upward from `cwd`.
    pub config: Option<PathBuf>,
    /// More ignore files (`.pareignore.toml`-style `*.toml`,
    /// `.trivyignore.yaml`, `.trivyignore`).
    pub ignore_files: Vec<PathBuf>,
    /// OpenVEX documents.
    pub vex: Vec<PathBuf>,
    /// A Trivy ignore entry with a bad `exp:` date is a finding, not an
    /// error (`--lenient-ignores`).
    pub lenient_ignores: bool,
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("cannot read `{}`", p.display()))
}

/// Read the policy.
///
/// # Errors
/// Unreadable files; configuration errors (typed
/// [`pare_policy::ConfigError`]s that point at the line).
pub fn load(sources: &PolicySources, cwd: &Path) -> Result<Policy> {
    let mut policy = Policy::default();
    let config = match &sources.config {
        Some(p) => Some(p.clone()),
        None => pare_policy::config::discover(cwd),
    };
    let dir = config
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    if let Some(path) = &config {
        let cfg = pare_policy::config::parse(path, &read(path)?)
            .map_err(anyhow::Error::from)
            .context(crate::Hint(
                "the policy format is documented in docs/gate.md".into(),
            ))?;
        if let Some(rules) = cfg.rules {
            policy.rules = rules;
        }
        if let Some(a) = cfg.default_action {
            policy.default_action = a;
        }
        policy.ignores.extend(cfg.ignores);
        policy.accept_unknowns.extend(cfg.accept_unknowns);
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
    files.extend(sources.ignore_files.iter().cloned());
    for path in &files {
        let text = read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let entries = if name.ends_with(".toml") {
            let cfg = pare_policy::config::parse(path, &text)?;
            if cfg.rules.is_some()
                || cfg.default_action.is_some()
                || !cfg.accept_unknowns.is_empty()
            {
                anyhow::bail!(
                    "`{}`: an ignore file holds only `[[ignore]]` entries; put `[policy]` and `[unknowns]` in pare.toml",
                    path.display()
                );
            }
            cfg.ignores
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            pare_policy::trivy::parse_trivyignore_yaml(path, &text, sources.lenient_ignores)?
        } else {
            pare_policy::trivy::parse_trivyignore(path, &text, sources.lenient_ignores)?
        };
        policy.ignores.extend(entries);
        policy.sources.push(path.display().to_string());
    }
    for path in &sources.vex {
        policy
            .vex
            .extend(pare_policy::vex::parse(path, &read(path)?)?);
        policy.sources.push(path.display().to_string());
    }
    Ok(policy)
}
