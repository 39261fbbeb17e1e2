//! K8S001 `run-as-root-allowed`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::describe;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers that may run as root: the effective `runAsNonRoot` (the
container's `securityContext`, else the pod's) is not `true` and no non-zero
`runAsUser` is set, or the effective `runAsUser` is `0`.

## Why is this bad?
Without `runAsNonRoot: true` the image's `USER` decides, and most images run
as root. Root in a container is root on the host's kernel: one escape or
writable host mount away from the node.

## Example
```yaml
spec:
  containers:
  - name: app
    image: app:1.0
```

Use instead:
```yaml
spec:
  securityContext:
    runAsNonRoot: true
  containers:
  - name: app
    image: app:1.0
```

A `runAsUser` that is not an integer (`runAsUser: "1000"`, a quoted
string) is reported too: the API server rejects the object. Placeholders
(`${UID}`) are left alone: they are filled in before apply.

With `hostUsers: false` the pod runs in a user namespace: root in the
container is an unprivileged user on the node, which is what this rule is
for. pare then reports nothing and prints a note (checkov does not read
`hostUsers` and still reports CKV_K8S_23).

## Fix safety
Unsafe: adds `runAsNonRoot: true` at pod level (or flips the `false` where it
is written; `runAsUser: 0` becomes `65532`). An image that really runs as
root then fails to start, so check the image's `USER` first.

## References
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
- <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S001",
    name: "run-as-root-allowed",
    summary: "Container may run as root (`runAsNonRoot` not `true`, or `runAsUser: 0`)",
    severity: Severity::High,
    peers: &[
        "checkov:CKV_K8S_23",
        "kube-linter:run-as-non-root",
        "kube-score:container-security-context-user-group-id",
    ],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// An envsubst/Kustomize placeholder (`${UID}`): filled in before apply.
fn placeholder(n: &crate::yaml::Node) -> bool {
    n.as_str().is_some_and(|s| s.contains('$'))
}

/// K8S001
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        let user = w.effective(c, "runAsUser");
        if let Some((n, _)) = user.filter(|(n, _)| n.as_int().is_none() && !placeholder(n)) {
            let shown = &ctx.src_of(n.span);
            ctx.report(
                meta,
                n.span,
                format!(
                    "{} has `runAsUser: {shown}`, which is not an integer: Kubernetes rejects the object",
                    describe(c)
                ),
                None,
            );
            continue;
        }
        if let Some(userns) = w.user_namespace() {
            let nonroot = w
                .effective(c, "runAsNonRoot")
                .and_then(|(n, _)| n.as_bool())
                == Some(true);
            if !nonroot && user.and_then(|(n, _)| n.as_int()).is_none_or(|u| u == 0) {
                ctx.note(
                    userns.span,
                    format!(
                        "{}: `hostUsers: false` maps root in the container to an unprivileged user on the node: K8S001 is satisfied (checkov still reports CKV_K8S_23)",
                        describe(c)
                    ),
                );
            }
            continue;
        }
        match user.map(|(n, _)| (n, n.as_int())) {
            Some((n, Some(0))) => {
                let fix = ctx.fix_pod_level_field(
                    w,
                    c,
                    "runAsUser",
                    V::Int(65532),
                    "Set `runAsUser: 65532`".into(),
                    false,
                );
                ctx.report(
                    meta,
                    n.span,
                    format!("{} runs as root (`runAsUser: 0`)", describe(c)),
                    fix,
                );
                continue;
            }
            // A non-zero UID (or one we cannot read, like `${UID}`) is not root.
            Some(_) => continue,
            None => {}
        }
        let nonroot = w.effective(c, "runAsNonRoot");
        if nonroot.and_then(|(n, _)| n.as_bool()) == Some(true) {
            continue;
        }
        let span = nonroot.map_or_else(|| c.anchor(), |(n, _)| n.span);
        let fix = ctx.fix_pod_level_field(
            w,
            c,
            "runAsNonRoot",
            V::Bool(true),
            "Set `runAsNonRoot: true`".into(),
            false,
        );
        ctx.report(
            meta,
            span,
            format!(
                "{} may run as root: `runAsNonRoot` is not `true` and no `runAsUser` is set",
                describe(c)
            ),
            fix,
        );
    }
}
