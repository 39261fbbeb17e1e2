//! K8S012 `image-not-pinned-by-digest`.

use crate::model::Workload;
use crate::rules::{describe, image};
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags container images referenced without a digest (`@sha256:...`).
References that are template placeholders (`${IMAGE}`) are not judged.

## Why is this bad?
Tags move: the same manifest deploys different code tomorrow, and a
compromised registry account can replace what a tag points to. A digest names
exactly the bytes that were tested.

## Example
```yaml
image: nginx:1.27
```

Use instead:
```yaml
image: nginx:1.27@sha256:0f04e4f646a3f14bf31d8bc8d885b6c951fdcf42589d06845f64d18aec6a3c4d
```

## Fix safety
No fix here: `pare pin` resolves tags to digests from the registry.

## References
- <https://kubernetes.io/docs/concepts/containers/images/#image-names>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S012",
    name: "image-not-pinned-by-digest",
    summary: "Container image is not pinned by digest",
    severity: Severity::Low,
    peers: &["checkov:CKV_K8S_43"],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S012
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        if let Some((img, span)) = image(c) {
            if !img.contains('@') {
                ctx.report(
                    meta,
                    span,
                    format!("{} image `{img}` is not pinned by digest", describe(c)),
                    None,
                );
            }
        }
    }
}
