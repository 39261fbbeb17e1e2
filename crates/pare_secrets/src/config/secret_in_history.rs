//! SEC018 secret-in-history.

use pare_findings::{FixAvailability, RuleMeta, Severity};

/// What it is, for messages.
pub(crate) const TITLE: &str = "credential in a build step";

/// SEC018
pub(crate) static RULE: RuleMeta = RuleMeta {
    code: "SEC018",
    name: "secret-in-history",
    summary: "A build step recorded in the history assigns a credential",
    severity: Severity::High,
    peers: &["dockle:CIS-DI-0010"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reads every `history[].created_by` and reports `NAME=VALUE` assignments
whose name says they hold a credential (as `SEC017`) with a literal value:
BuildKit's build-argument prefix (`RUN |1 NPM_TOKEN=… /bin/sh -c …`, which
is how `--build-arg` values end up in the image), `ENV` and `ARG` steps,
and shell assignments in `RUN`. Every content rule also runs over each
step (a token in a `git clone` URL is `SEC004`).

## Why is this bad?
The history ships with the image: `docker history --no-trunc` prints every
build argument a `RUN` step saw, even when the final `ENV` no longer holds
it.

## Example
`docker build --build-arg NPM_TOKEN=… .` with `ARG NPM_TOKEN` before
`RUN npm ci`.

## Fix
`RUN --mount=type=secret,id=npm_token` (BuildKit secrets are never
recorded). Revoke the credential.

## References
- Dockle CIS-DI-0010; Docker: https://docs.docker.com/build/building/secrets/
"#,
};
