//! K8S010 `host-network`.

use crate::model::Workload;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags pods with `hostNetwork: true`.

## Why is this bad?
The pod shares the node's network namespace: its containers can bind to the node's interfaces, sniff its traffic and reach services listening on localhost, bypassing NetworkPolicy.

## Example
```yaml
spec:
  hostNetwork: true
```

Use instead:
```yaml
spec:
  hostNetwork: false   # or leave it out
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
    code: "K8S010",
    name: "host-network",
    summary: "Pod shares the host's network namespace (`hostNetwork: true`)",
    severity: Severity::High,
    peers: &["checkov:CKV_K8S_19", "kube-linter:host-network"],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S010
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    super::pod_flag_true(
        ctx,
        meta,
        w,
        "hostNetwork",
        "pod shares the host's network namespace (`hostNetwork: true`)",
    );
}
