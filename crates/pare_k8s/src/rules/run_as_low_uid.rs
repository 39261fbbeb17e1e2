//! K8S002 `run-as-low-uid`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::describe;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers whose effective `runAsUser` (the container's, else the
pod's) is missing or below 10000.

## Why is this bad?
Without `runAsUser` the image decides the UID. Low UIDs collide with users of
the host (UID 1000 is usually the first human account), so a container escape
or a shared host mount acts as that user.

## Example
```yaml
securityContext:
  runAsUser: 1000
```

Use instead:
```yaml
securityContext:
  runAsUser: 65532
```

With `hostUsers: false` (a user namespace) the container's UIDs are
mapped to unprivileged UIDs on the node, so a low UID clashes with no host
user: nothing is reported, and a note says why.

## Fix safety
Unsafe: sets `runAsUser: 65532` (at pod level when missing). Files the image
owns by another UID may become unreadable or unwritable.

## References
- <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S002",
    name: "run-as-low-uid",
    summary: "Container has no `runAsUser`, or one below 10000",
    severity: Severity::Medium,
    peers: &[
        "checkov:CKV_K8S_40",
        "kube-score:container-security-context-user-group-id",
    ],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// K8S002
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        let fix = || {
            ctx.fix_pod_level_field(
                w,
                c,
                "runAsUser",
                V::Int(65532),
                "Set `runAsUser: 65532`".into(),
                false,
            )
        };
        if let Some(userns) = w.user_namespace() {
            if w.effective(c, "runAsUser")
                .is_none_or(|(n, _)| n.as_int().is_some_and(|u| u < 10000))
            {
                ctx.note(
                    userns.span,
                    format!(
                        "{}: `hostUsers: false` maps the container's UIDs to unprivileged ones on the node: K8S002 is satisfied (as checkov's CKV_K8S_40 is)",
                        describe(c)
                    ),
                );
            }
            continue;
        }
        match w.effective(c, "runAsUser") {
            None => {
                let fix = fix();
                ctx.report(
                    meta,
                    c.anchor(),
                    format!(
                        "{} has no `runAsUser`: the image's user applies",
                        describe(c)
                    ),
                    fix,
                );
            }
            Some((n, _)) => {
                if let Some(uid) = n.as_int().filter(|u| *u < 10000) {
                    let fix = fix();
                    ctx.report(
                        meta,
                        n.span,
                        format!("{} runs as low UID `{uid}`", describe(c)),
                        fix,
                    );
                }
            }
        }
    }
}
