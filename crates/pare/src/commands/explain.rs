//! `pare explain CODE`: a rule's documentation (what it does, why, an
//! example, the fix and its safety), the same text as `docs/rules.md`.

use crate::output::{write_output, Hint};
use crate::ExitStatus;
use anyhow::Result;
use std::fmt::Write as _;

/// Flags of `pare explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule code (`DF001`), name (`root-user`) or peer code (`DL3002`).
    pub rule: String,
}

/// Run `pare explain`.
///
/// # Errors
/// No rule has that code, name or peer code.
pub fn run(args: &ExplainArgs) -> Result<ExitStatus> {
    let found = crate::rules::find(&args.rule);
    if found.is_empty() {
        return Err(anyhow::anyhow!("no rule `{}`", args.rule.trim()))
            .context(Hint("`pare rules` lists every code and name".into()));
    }
    let mut out = String::new();
    for (i, r) in found.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        let _ = writeln!(out, "{} {}: {}", r.code, r.name, r.summary);
        let _ = writeln!(
            out,
            "severity: {}; fix: {}{}\n",
            r.severity,
            crate::rules::fix_text(r),
            if r.peers.is_empty() {
                String::new()
            } else {
                format!("; peers: {}", r.peers.join(", "))
            }
        );
        out.push_str(r.doc.trim());
        out.push('\n');
    }
    write_output(None, out.as_bytes())?;
    Ok(ExitStatus::Success)
}

use anyhow::Context as _;
