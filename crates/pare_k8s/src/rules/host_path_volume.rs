//! K8S011 `host-path-volume`.

use crate::model::Workload;
use crate::yaml::Node;
use crate::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags pod volumes of type `hostPath`. Container runtime sockets
(`docker.sock`, `containerd.sock`, `crio.sock`) and the host root are called
out in the message.

## Why is this bad?
A `hostPath` volume exposes the node's filesystem to the pod. Writable mounts
of `/`, `/etc`, `/var/lib/kubelet` or a runtime socket are a direct path to
root on the node; even read-only ones leak credentials.

## Example
```yaml
volumes:
- name: docker
  hostPath:
    path: /var/run/docker.sock
```

Use instead:
```yaml
volumes:
- name: cache
  emptyDir: {}
```

## Fix safety
No fix: what the workload reads from the host cannot be replaced mechanically.

## References
- <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
- <https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S011",
    name: "host-path-volume",
    summary: "Pod mounts a `hostPath` volume",
    severity: Severity::High,
    peers: &[
        "checkov:CKV_K8S_27",
        "kube-linter:sensitive-host-mounts",
        "kube-linter:docker-sock",
    ],
    fix: FixAvailability::None,
    doc: rule_doc!(),
};

/// K8S011
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for v in w
        .pod
        .get("volumes")
        .and_then(Node::items)
        .unwrap_or_default()
    {
        let Some((key, hp)) = v.entry("hostPath") else {
            continue;
        };
        if hp.is_null() {
            continue;
        }
        let path = hp.get_str("path").unwrap_or_default();
        let name = v.get_str("name").unwrap_or("?");
        let what = if path.ends_with(".sock") {
            " (a container runtime socket: root on the node)"
        } else if path.trim_end_matches('/').is_empty() {
            " (the host's root filesystem)"
        } else {
            ""
        };
        ctx.report(
            meta,
            key.span,
            format!("volume `{name}` mounts host path `{path}`{what}"),
            None,
        );
    }
}
