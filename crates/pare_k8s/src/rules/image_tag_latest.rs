//! K8S013 `image-tag-latest`.

use crate::model::Workload;
use crate::rules::{describe, image};
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags container images with no tag or the `latest` tag, unless they are
pinned by digest.

## Why is this bad?
`latest` (which an untagged reference means) changes with every push: a
rollout or a rescheduled pod silently runs different code, and rollbacks
cannot return to the old version.

## Example
```yaml
image: nginx
```

Use instead:
```yaml
image: nginx:1.27.3
```

## Fix safety
No fix: which version to run is the user's decision (`pare pin` pins what is
deployed today).

## References
- <https://kubernetes.io/docs/concepts/configuration/overview/#container-images>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S013",
    name: "image-tag-latest",
    summary: "Container image is untagged or `:latest`",
    severity: Severity::Medium,
    peers: &[
        "checkov:CKV_K8S_14",
        "kube-linter:latest-tag",
        "kube-score:container-image-tag",
    ],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// The tag of an image reference without a digest (`None` when untagged).
fn tag(img: &str) -> Option<&str> {
    let last = img.rsplit('/').next().unwrap_or(img);
    last.split_once(':').map(|(_, t)| t)
}

/// K8S013
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        let Some((img, span)) = image(c) else {
            continue;
        };
        if img.contains('@') {
            continue;
        }
        match tag(img) {
            None => ctx.report(
                meta,
                span,
                format!("{} image `{img}` has no tag (means `latest`)", describe(c)),
                None,
            ),
            Some("latest") => ctx.report(
                meta,
                span,
                format!("{} image `{img}` uses the `latest` tag", describe(c)),
                None,
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tag;

    #[test]
    fn tags_ignore_registry_ports() {
        assert_eq!(tag("localhost:5000/app"), None);
        assert_eq!(tag("localhost:5000/app:1.2"), Some("1.2"));
        assert_eq!(tag("nginx"), None);
        assert_eq!(tag("nginx:latest"), Some("latest"));
    }
}
