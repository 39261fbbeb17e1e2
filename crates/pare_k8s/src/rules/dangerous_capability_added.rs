//! K8S006 `dangerous-capability-added`.

use crate::model::Workload;
use crate::rules::{cap_name, capabilities, describe};
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers that add a dangerous Linux capability in
`securityContext.capabilities.add`: `ALL`, `SYS_ADMIN`, `NET_ADMIN`,
`SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`,
`DAC_READ_SEARCH`, `NET_RAW`, `BPF`, `PERFMON`, `MAC_ADMIN`, `MAC_OVERRIDE`,
`SYSLOG`. Harmless additions such as `NET_BIND_SERVICE` are not flagged.

## Why is this bad?
These capabilities hand out kernel powers that lead to container escape
(`SYS_ADMIN`, `SYS_MODULE`, `SYS_PTRACE`, `DAC_READ_SEARCH`), network
takeover (`NET_ADMIN`, `NET_RAW`) or host tampering (`SYS_TIME`, `SYS_BOOT`).

## Example
```yaml
securityContext:
  capabilities:
    add: [SYS_ADMIN]
```

Use instead:
```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]
```

## Fix safety
No fix: removing a capability the workload needs breaks it.

## References
- <https://man7.org/linux/man-pages/man7/capabilities.7.html>
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S006",
    name: "dangerous-capability-added",
    summary: "Container adds a dangerous capability",
    severity: Severity::High,
    peers: &["checkov:CKV_K8S_25", "checkov:CKV_K8S_39"],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "NET_RAW",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
];

/// K8S006
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        for cap in capabilities(c, "add") {
            let Some(name) = cap.as_str() else { continue };
            if DANGEROUS.contains(&cap_name(name).as_str()) {
                ctx.report(
                    meta,
                    cap.span,
                    format!("{} adds capability `{name}`", describe(c)),
                    None,
                );
            }
        }
    }
}
