//! SEC014 registry-auth.

use super::{regex_near, reveal_none, Rule};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// SEC014
pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "SEC014",
        name: "registry-auth",
        summary: "A container registry login (Docker config.json, auth.json) is in the image",
        severity: Severity::High,
        peers: &["trivy:dockerconfig-secret"],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads Docker's `.docker/config.json` and `.dockercfg` and the
containers-auth files of Podman, Buildah and Skopeo
(`containers/auth.json`) and reports non-empty `auth` (base64
`user:password`), `identitytoken` and `registrytoken` values. Entries that
delegate to a credential helper hold no secret and are not reported.
(Trivy's `dockerconfig-secret` looks for the same data inside Kubernetes
secrets' `.dockerconfigjson`.)

## Why is this bad?
It is a login to the registry: pull private images, often push.

## Example
`docker login` in a build step, or `COPY ~/.docker/config.json`.

## Fix
Use `RUN --mount=type=secret` for the registry login, or credential
helpers. Change the password or revoke the token.

## References
- Format: https://docs.docker.com/reference/cli/docker/#docker-cli-configuration-file-configjson-properties, `containers-auth.json(5)`; Trivy `dockerconfig-secret`
"#,
    },
    title: "registry credential",
    origin: &["pare", "trivy:dockerconfig-secret"],
    keywords: &[],
    files: Some(files),
    find,
    reveal: reveal_none,
};

fn files(path: &str) -> bool {
    path.ends_with(".docker/config.json")
        || path == ".dockercfg"
        || path.ends_with("/.dockercfg")
        || (path.ends_with("/auth.json") && path.contains("containers/"))
}

static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)"(?:auth|identitytoken|registrytoken)"\s*:\s*"([^"\s]{4,})""#)
        .expect("valid regex")
});

fn find(data: &[u8], at: usize) -> Vec<Range<usize>> {
    regex_near(&RE, 1, data, at)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{codes, scan};

    #[test]
    fn finds_logins_not_helpers() {
        let cfg = "{\n  \"auths\": {\n    \"registry.example\": {\n      \"auth\": \"cGFyZS1mbGVldDpnZW5lcmF0ZWQtbm90LXJlYWw=\"\n    }\n  }\n}\n";
        assert_eq!(codes("root/.docker/config.json", cfg), ["SEC014"]);
        assert_eq!(
            scan("root/.docker/config.json", cfg)[0].1,
            "\"auth\": \"********\""
        );
        let helper =
            "{\"auths\": {\"r.example\": {}}, \"credHelpers\": {\"r.example\": \"ecr-login\"}}";
        assert!(codes("root/.docker/config.json", helper).is_empty());
        assert_eq!(codes("run/containers/0/auth.json", cfg), ["SEC014"]);
    }
}
