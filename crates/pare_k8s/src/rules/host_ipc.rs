//! K8S009 `host-ipc`.

use crate::model::Workload;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags pods with `hostIPC: true`.

## Why is this bad?
The pod shares the node's IPC namespace: its containers can read and write the shared memory and message queues of every process on the node.

## Example
```yaml
spec:
  hostIPC: true
```

Use instead:
```yaml
spec:
  hostIPC: false   # or leave it out
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
    code: "K8S009",
    name: "host-ipc",
    summary: "Pod shares the host's IPC namespace (`hostIPC: true`)",
    severity: Severity::High,
    peers: &["checkov:CKV_K8S_18", "kube-linter:host-ipc"],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S009
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    super::pod_flag_true(
        ctx,
        meta,
        w,
        "hostIPC",
        "pod shares the host's IPC namespace (`hostIPC: true`)",
    );
}
