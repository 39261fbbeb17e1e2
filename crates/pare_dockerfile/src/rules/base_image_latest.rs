//! DF003 `base-image-latest`: `FROM` untagged or `:latest`.

use crate::checker::Checker;
use crate::parser::Base;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF003
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF003",
    name: "base-image-latest",
    summary: "Base image untagged or `:latest`",
    severity: Severity::Medium,
    peers: &["hadolint:DL3006", "hadolint:DL3007", "checkov:CKV_DOCKER_7"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a `FROM` whose image has no tag, or the tag `latest`, and no digest.
`ARG` defaults are substituted first, so `FROM ${BASE}` with
`ARG BASE=alpine` is checked as `alpine`.

## Why is this bad?
`latest` moves with every upstream release: builds stop being repeatable
and a major-version jump (new libc, new default user) lands without review.

## Example
```dockerfile
FROM alpine
```

Use instead:
```dockerfile
FROM alpine:3.20
```

## Fix safety
No automatic fix: pare cannot know which version you mean.

## References
- hadolint DL3006, DL3007; checkov CKV_DOCKER_7
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    for st in &ch.df.stages {
        let Base::Image(r) = &st.base else { continue };
        if r.digest.is_some() {
            continue;
        }
        let msg = match r.tag.as_deref() {
            None => format!("base image `{}` has no tag", r.familiar_name()),
            Some("latest") => format!("base image `{}` uses `latest`", r.familiar_name()),
            Some(_) => continue,
        };
        let d = ch.report(rule, st.image_span, msg);
        d.help = Some("name a version tag, and pin the digest".into());
    }
}
