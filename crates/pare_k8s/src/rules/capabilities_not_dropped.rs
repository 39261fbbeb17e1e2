//! K8S005 `capabilities-not-dropped`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::{cap_name, capabilities, describe};
use crate::Checker;
use pare_findings::{Fix, FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers whose `securityContext.capabilities.drop` does not include
`ALL`.

## Why is this bad?
Container runtimes grant a default set of capabilities (`NET_RAW`, `CHOWN`,
`SETUID`, `DAC_OVERRIDE`, ...). `NET_RAW` alone allows ARP and DNS spoofing
on the pod network. Most applications need none of them; the few that do can
add back exactly what they need.

## Example
```yaml
securityContext:
  capabilities:
    drop: [NET_RAW]
```

Use instead:
```yaml
securityContext:
  capabilities:
    drop: [ALL]
```

Dropping only some (`drop: [NET_RAW]`, which checkov's CKV_K8S_28 asks
for) is not dropping `ALL`: the message lists what the container still
keeps of the runtime's default set, plus what it adds.

## Fix safety
Unsafe: adds `ALL` to `capabilities.drop` (creating it when missing). A
process that binds ports below 1024 or changes file ownership as root then
needs `add: [NET_BIND_SERVICE]` or similar.

## References
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
- <https://man7.org/linux/man-pages/man7/capabilities.7.html>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S005",
    name: "capabilities-not-dropped",
    summary: "Container does not drop `ALL` capabilities",
    severity: Severity::Medium,
    peers: &[
        "checkov:CKV_K8S_37",
        "checkov:CKV_K8S_28",
        "kube-linter:drop-net-raw-capability",
    ],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// The capabilities containerd and Docker grant a container by default.
const RUNTIME_DEFAULT: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// K8S005
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        if capabilities(c, "drop")
            .iter()
            .any(|n| n.as_str().is_some_and(|s| cap_name(s) == "ALL"))
        {
            continue;
        }
        let mut p = ctx.planner();
        let caps = c
            .node
            .get_set("securityContext")
            .and_then(|sc| sc.get_set("capabilities"));
        match caps {
            Some(caps) => p.push(caps, "drop", V::Str("ALL")),
            None => p.ensure(
                c.node,
                &["securityContext", "capabilities", "drop"],
                V::Seq(vec![V::Str("ALL")]),
            ),
        }
        let fix = p
            .finish()
            .map(|e| Fix::unsafe_edit("Drop `ALL` capabilities", e));
        let dropped: Vec<String> = capabilities(c, "drop")
            .iter()
            .filter_map(|n| n.as_str().map(cap_name))
            .collect();
        let added: Vec<String> = capabilities(c, "add")
            .iter()
            .filter_map(|n| n.as_str().map(cap_name))
            .collect();
        let message = if dropped.is_empty() {
            format!("{} does not drop `ALL` capabilities", describe(c))
        } else {
            let mut kept: Vec<String> = RUNTIME_DEFAULT
                .iter()
                .map(|s| (*s).to_string())
                .filter(|k| !dropped.contains(k))
                .collect();
            for a in added {
                if !kept.contains(&a) {
                    kept.push(a);
                }
            }
            format!(
                "{} drops {} but not `ALL`: it still keeps {}",
                describe(c),
                dropped
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if kept.is_empty() {
                    "none of the runtime's defaults".to_string()
                } else {
                    kept.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        };
        ctx.report(meta, c.anchor(), message, fix);
    }
}
