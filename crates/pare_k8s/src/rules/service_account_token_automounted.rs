//! K8S015 `service-account-token-automounted`.

use crate::fix::V;
use crate::model::Workload;
use crate::Checker;
use pare_findings::{Fix, FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags pods that do not set `automountServiceAccountToken: false`, so the
service account token is mounted into every container.

## Why is this bad?
Most applications never call the Kubernetes API, yet the mounted token lets
whoever compromises the container do whatever the service account may, and
RBAC is often broader than intended.

## Example
```yaml
spec:
  containers:
  - name: app
```

Use instead:
```yaml
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
```

## Fix safety
Unsafe: adds `automountServiceAccountToken: false` to the pod spec. Workloads
that talk to the API server (operators, controllers) then fail to
authenticate; suppress the rule on those.

## References
- <https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S015",
    name: "service-account-token-automounted",
    summary: "Pod automounts its service account token",
    severity: Severity::Low,
    peers: &["checkov:CKV_K8S_38"],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// K8S015
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    let value = w.pod.get_set("automountServiceAccountToken");
    if value.and_then(crate::yaml::Node::as_bool) == Some(false) {
        return;
    }
    let mut p = ctx.planner();
    p.ensure(w.pod, &["automountServiceAccountToken"], V::Bool(false));
    let fix = p
        .finish()
        .map(|e| Fix::unsafe_edit("Set `automountServiceAccountToken: false`", e));
    let span = value.map_or(w.pod_key.span, |n| n.span);
    ctx.report(
        meta,
        span,
        "pod automounts its service account token".to_string(),
        fix,
    );
}
