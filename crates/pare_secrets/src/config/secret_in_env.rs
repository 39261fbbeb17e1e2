//! SEC017 secret-in-config-env.

use pare_findings::{FixAvailability, RuleMeta, Severity};

/// What it is, for messages.
pub(crate) const TITLE: &str = "credential in an ENV variable";

/// SEC017
pub(crate) static RULE: RuleMeta = RuleMeta {
    code: "SEC017",
    name: "secret-in-config-env",
    summary: "An ENV variable named like a credential holds a literal value",
    severity: Severity::High,
    peers: &["dockle:CIS-DI-0010"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reports config `Env` entries whose name says they hold a credential
(`PASSWORD`, `PASSWD`, `PWD`, `SECRET`, `TOKEN`, `API_KEY`, `ACCESS_KEY`,
`PRIVATE_KEY`, `CREDENTIALS` as a word of the name) and whose value is a
literal: not a reference (`$VAR`), a path (`/run/secrets/db`), a URL
without a password, a flag or a placeholder. Names ending `_FILE`, `_PATH`,
`_URL`, `_NAME`, `_ID`… point at a secret and are not reported. A value any
content rule recognises (an AWS key ID, a GitHub token) is reported by
that rule instead.

## Why is this bad?
`ENV` values are in the image config: `docker inspect`, every registry
that stores the image and every container's environment show them.

## Example
`ENV DB_PASSWORD=…` in a Dockerfile.

## Fix
Pass the value at run time (`docker run -e`, a Kubernetes secret), or point
at a mounted file (`DB_PASSWORD_FILE=/run/secrets/db`). Change the
password.

## References
- Dockle CIS-DI-0010 (https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0010)
- CIS Docker Benchmark 4.10
"#,
};
