//! SEC019 secret-in-label.

use pare_findings::{FixAvailability, RuleMeta, Severity};

/// What it is, for messages.
pub(crate) const TITLE: &str = "credential in a label";

/// SEC019
pub(crate) static RULE: RuleMeta = RuleMeta {
    code: "SEC019",
    name: "secret-in-label",
    summary: "A label named like a credential holds a literal value",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reports config labels whose key names a credential (as `SEC017`:
`deploy.api-key`, `registry.token`) with a literal value. Every content
rule also runs over each label.

## Why is this bad?
Labels are public metadata: registries index them, `docker inspect` and
SBOM tools print them.

## Example
`LABEL deploy.api-key=…`

## Fix
Do not put credentials in labels; reference a secret store instead.
Revoke the credential.

## References
- OCI image spec, annotations and labels; pare
"#,
};
