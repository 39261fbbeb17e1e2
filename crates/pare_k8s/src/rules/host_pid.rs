//! K8S008 `host-pid`.

use crate::model::Workload;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags pods with `hostPID: true`.

## Why is this bad?
The pod shares the node's process ID namespace: its containers can see and signal every process on the node, read their environment and `/proc/<pid>/root`.

## Example
```yaml
spec:
  hostPID: true
```

Use instead:
```yaml
spec:
  hostPID: false   # or leave it out
```

## Fix safety
No fix: node agents that set it usually need it; removing it is a design
decision.

## References
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S008",
    name: "host-pid",
    summary: "Pod shares the host's process ID namespace (`hostPID: true`)",
    severity: Severity::High,
    peers: &["checkov:CKV_K8S_17", "kube-linter:host-pid"],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S008
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    super::pod_flag_true(
        ctx,
        meta,
        w,
        "hostPID",
        "pod shares the host's process ID namespace (`hostPID: true`)",
    );
}
