//! DF002 `unpinned-base-image`: `FROM` not pinned by digest.

use crate::checker::Checker;
use crate::parser::Base;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF002
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF002",
    name: "unpinned-base-image",
    summary: "Base image not pinned by digest",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a `FROM` that names an external image by tag only, without
`@sha256:…`.

## Why is this bad?
A tag is a mutable pointer: the registry (or whoever controls it) can move
`node:20` to different bytes at any time, so two builds of the same commit
differ, and a compromised registry account ships straight into your image.
A digest names exact bytes. Neither hadolint nor checkov checks this.

## Example
```dockerfile
FROM python:3.12-slim
```

Use instead:
```dockerfile
FROM python:3.12-slim@sha256:<digest>
```

## Fix safety
`pare fix --lock pare.lock.json` pins every `FROM` found in the lock file
(format in `docs/lint.md`); that is safe, since the digest is the one the tag
points at when the lock was written. `pare pin` resolves the digests from the
registry (or the lock) and pins `FROM`, `COPY --from` and `RUN --mount` images
alike; `pare pin --check` keeps them current in CI.

## References
- https://docs.docker.com/reference/dockerfile/#from
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    for st in &ch.df.stages {
        let Base::Image(r) = &st.base else { continue };
        if r.digest.is_some() {
            continue;
        }
        let d = ch.report(
            rule,
            st.image_span,
            format!("base image `{}` is not pinned by digest", r.familiar()),
        );
        d.help = Some("pin it: `pare fix --lock FILE`, or append `@sha256:<digest>`".into());
    }
}
