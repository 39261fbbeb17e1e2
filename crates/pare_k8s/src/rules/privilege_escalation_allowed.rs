//! K8S004 `privilege-escalation-allowed`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::{cap_name, capabilities, container_field, describe};
use crate::yaml::Node;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers whose processes may gain more privileges than their parent:
`allowPrivilegeEscalation` is not `false`, or the container is `privileged`
or adds `CAP_SYS_ADMIN`, which make escalation implicitly allowed whatever
the field says.

## Why is this bad?
With escalation allowed, setuid binaries and file capabilities raise a
process's privileges (`no_new_privs` is not set). An attacker with code
execution as a user then becomes root inside the container.

## Example
```yaml
securityContext:
  runAsNonRoot: true
```

Use instead:
```yaml
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
```

## Fix safety
Safe: adds `allowPrivilegeEscalation: false` (a container-only field), as the
Kubernetes restricted profile requires. Only programs that rely on setuid
(`sudo`, old `ping`) behave differently. No fix is offered for privileged or
`CAP_SYS_ADMIN` containers: removing those changes what the container can do.

## References
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
- <https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S004",
    name: "privilege-escalation-allowed",
    summary: "Container allows privilege escalation",
    severity: Severity::High,
    peers: &[
        "checkov:CKV_K8S_20",
        "kube-linter:privilege-escalation-container",
    ],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// K8S004
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        if let Some(p) = container_field(c, "privileged").filter(|n| n.as_bool() == Some(true)) {
            ctx.report(
                meta,
                p.span,
                format!(
                    "{} allows privilege escalation: it is privileged",
                    describe(c)
                ),
                None,
            );
            continue;
        }
        if let Some(cap) = capabilities(c, "add").iter().find(|n| {
            n.as_str()
                .is_some_and(|s| matches!(cap_name(s).as_str(), "SYS_ADMIN" | "ALL"))
        }) {
            ctx.report(
                meta,
                cap.span,
                format!(
                    "{} allows privilege escalation: it adds `{}`",
                    describe(c),
                    cap.as_str().unwrap_or_default()
                ),
                None,
            );
            continue;
        }
        let value = container_field(c, "allowPrivilegeEscalation");
        if value.and_then(Node::as_bool) == Some(false) {
            continue;
        }
        let fix = ctx.fix_container_field(
            c,
            &["allowPrivilegeEscalation"],
            V::Bool(false),
            "Set `allowPrivilegeEscalation: false`".into(),
            true,
        );
        let span = value.map_or_else(|| c.anchor(), |n| n.span);
        ctx.report(
            meta,
            span,
            format!(
                "{} allows privilege escalation: `allowPrivilegeEscalation` is not `false`",
                describe(c)
            ),
            fix,
        );
    }
}
