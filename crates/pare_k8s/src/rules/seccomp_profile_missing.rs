//! K8S014 `seccomp-profile-missing`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::describe;
use crate::Checker;
use pare_findings::{Fix, FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers whose effective seccomp profile (the container's
`securityContext.seccompProfile`, else the pod's) is missing or
`Unconfined`. `RuntimeDefault` and `Localhost` pass, and so do the legacy
`seccomp.security.alpha.kubernetes.io/pod` and
`container.seccomp.security.alpha.kubernetes.io/<name>` annotations set to
`runtime/default`, `docker/default` or `localhost/...`.

## Why is this bad?
Unless the kubelet enables `SeccompDefault`, pods run `Unconfined`: every
system call is open, including the ones most kernel exploits go through
(`keyctl`, `unshare`, `bpf`, ...).

## Example
```yaml
spec:
  containers:
  - name: app
```

Use instead:
```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
```

## Fix safety
Safe: adds `seccompProfile: {type: RuntimeDefault}` at pod level (or turns a
container's `Unconfined` into `RuntimeDefault`). The runtime's default
profile blocks only calls that ordinary applications do not make.

## References
- <https://kubernetes.io/docs/tutorials/security/seccomp/>
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S014",
    name: "seccomp-profile-missing",
    summary: "Container has no seccomp profile (`RuntimeDefault`)",
    severity: Severity::Medium,
    peers: &["checkov:CKV_K8S_31"],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

fn confined(v: &str) -> bool {
    let v = v.trim();
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// K8S014
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    let pod_annotation = w.annotations().any(|(k, v)| {
        k == "seccomp.security.alpha.kubernetes.io/pod" && v.as_str().is_some_and(confined)
    });
    for c in &w.containers {
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name);
        let by_annotation = w
            .annotations()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str().is_some_and(confined));
        let effective = w.effective(c, "seccompProfile");
        let ty = effective.and_then(|(n, _)| n.get_str("type"));
        let ok = match (ty, by_annotation) {
            (Some(t), _) => t == "RuntimeDefault" || t == "Localhost",
            (None, Some(a)) => a,
            (None, None) => pod_annotation,
        };
        if ok {
            continue;
        }
        let mut p = ctx.planner();
        match effective {
            Some((_, true)) => p.ensure(
                c.node,
                &["securityContext", "seccompProfile", "type"],
                V::Str("RuntimeDefault"),
            ),
            _ => p.ensure(
                w.pod,
                &["securityContext", "seccompProfile", "type"],
                V::Str("RuntimeDefault"),
            ),
        }
        let fix = p
            .finish()
            .map(|e| Fix::safe("Set `seccompProfile.type: RuntimeDefault`", e));
        let (span, msg) = match effective.and_then(|(n, _)| n.get("type")) {
            Some(t) => (
                t.span,
                format!(
                    "{} runs with seccomp profile `{}`",
                    describe(c),
                    t.as_str().unwrap_or("?")
                ),
            ),
            None => (
                c.anchor(),
                format!("{} has no seccomp profile", describe(c)),
            ),
        };
        ctx.report(meta, span, msg, fix);
    }
}
