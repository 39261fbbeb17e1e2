//! K8S007 `privileged-container`.

use crate::model::Workload;
use crate::rules::{container_field, describe};
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers with `securityContext.privileged: true`.

## Why is this bad?
A privileged container has every capability, sees every host device and is
not confined by seccomp or AppArmor: it is root on the node.

## Example
```yaml
securityContext:
  privileged: true
```

Use instead:
```yaml
securityContext:
  privileged: false
  capabilities:
    drop: [ALL]
    add: [NET_ADMIN]   # only what the workload really needs
```

## Fix safety
No fix: a privileged workload (a CNI or storage driver) usually needs some of
those powers, and which ones is a design decision.

## References
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S007",
    name: "privileged-container",
    summary: "Container runs privileged",
    severity: Severity::Critical,
    peers: &[
        "checkov:CKV_K8S_16",
        "kube-linter:privileged-container",
        "kube-score:container-security-context-privileged",
    ],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S007
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        if let Some(n) = container_field(c, "privileged").filter(|n| n.as_bool() == Some(true)) {
            ctx.report(meta, n.span, format!("{} is privileged", describe(c)), None);
        }
    }
}
