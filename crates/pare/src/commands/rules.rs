//! `pare rules`: every rule pare reports (Dockerfile, Kubernetes, image
//! hygiene, gate policy), from the same text as `docs/rules.md`.

use crate::output::write_output;
use crate::ExitStatus;
use anyhow::Result;
use pare_report::table::Table;
use serde::Serialize;
use std::path::PathBuf;

/// Output formats of `pare rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code, name, severity, fix, summary.
    Table,
    /// `schemaVersion` 1: every rule with its documentation.
    Json,
    /// The page `docs/rules.md` is.
    Markdown,
}

/// Flags of `pare rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only rules whose code starts with this prefix (`DF`, `K8S`, `IMG`,
    /// `POL`).
    #[arg(long, value_name = "PREFIX")]
    pub select: Option<String>,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Json<'a> {
    schema_version: u32,
    rules: Vec<&'a pare_findings::RuleMeta>,
}

/// Run `pare rules`.
///
/// # Errors
/// The output cannot be written.
pub fn run(args: &RulesArgs) -> Result<ExitStatus> {
    let wanted = |code: &str| {
        args.select.as_deref().is_none_or(|p| {
            code.to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase())
        })
    };
    let groups = crate::rules::all();
    let text = match args.format {
        Format::Markdown => crate::rules::markdown(),
        Format::Json => {
            let rules = groups
                .iter()
                .flat_map(|g| g.rules.iter().copied())
                .filter(|r| wanted(r.code))
                .collect();
            serde_json::to_string_pretty(&Json {
                schema_version: 1,
                rules,
            })? + "\n"
        }
        Format::Table => {
            let mut t = Table::new(&["CODE", "NAME", "SEVERITY", "FIX", "SUMMARY"]);
            for r in groups
                .iter()
                .flat_map(|g| g.rules.iter())
                .filter(|r| wanted(r.code))
            {
                t.row(vec![
                    r.code.to_string(),
                    r.name.to_string(),
                    r.severity.to_string(),
                    crate::rules::fix_text(r).to_string(),
                    r.summary.to_string(),
                ]);
            }
            t.render(false, true)
        }
    };
    write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(ExitStatus::Success)
}
