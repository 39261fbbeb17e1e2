//! K8S003 `writable-root-filesystem`.

use crate::fix::V;
use crate::model::Workload;
use crate::rules::{container_field, describe};
use crate::yaml::Node;
use crate::Checker;
use pare_findings::{Fix, FixAvailability, RuleMeta, Severity};

macro_rules! rule_doc {
    () => {
        r#"## What it does
Flags containers whose `securityContext.readOnlyRootFilesystem` is not `true`
(a container-only field: the pod level has no such setting).

## Why is this bad?
A writable root filesystem lets an attacker drop tools, modify binaries and
persist inside the container. Applications rarely need to write anywhere but
a few scratch directories, which `emptyDir` volumes provide.

## Example
```yaml
containers:
- name: app
  image: app:1.0
```

Use instead:
```yaml
containers:
- name: app
  image: app:1.0
  securityContext:
    readOnlyRootFilesystem: true
  volumeMounts:
  - name: tmp
    mountPath: /tmp
volumes:
- name: tmp
  emptyDir: {}
```

## Fix safety
Unsafe: sets `readOnlyRootFilesystem: true` and, unless `/tmp` is already a
mount, adds an `emptyDir` volume `tmp` and mounts it at `/tmp`. An
application that writes elsewhere (caches, PID files, `/var/run`) fails until
those directories get their own `emptyDir`.

## References
- <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
- <https://kubernetes.io/docs/concepts/storage/volumes/#emptydir>
"#
    };
}

#[doc = rule_doc!()]
pub(crate) const META: RuleMeta = RuleMeta {
    code: "K8S003",
    name: "writable-root-filesystem",
    summary: "Container root filesystem is writable (`readOnlyRootFilesystem` not `true`)",
    severity: Severity::Medium,
    peers: &[
        "checkov:CKV_K8S_22",
        "kube-linter:no-read-only-root-fs",
        "kube-score:container-security-context-readonlyrootfilesystem",
    ],
    fix: FixAvailability::Sometimes,
    doc: rule_doc!(),
};

/// The name of a pod volume to mount at `/tmp`, and whether it must be added.
fn tmp_volume(pod: &Node) -> Option<(&'static str, bool)> {
    let volumes = pod.get("volumes").and_then(Node::items).unwrap_or_default();
    for name in ["tmp", "pare-tmp"] {
        match volumes.iter().find(|v| v.get_str("name") == Some(name)) {
            None => return Some((name, true)),
            Some(v) if v.get("emptyDir").is_some() => return Some((name, false)),
            Some(_) => {}
        }
    }
    None
}

/// K8S003
pub(crate) fn check<'a>(ctx: &mut Checker<'a>, meta: &'static RuleMeta, w: &Workload<'a>) {
    for c in &w.containers {
        let value = container_field(c, "readOnlyRootFilesystem");
        if value.and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let mut p = ctx.planner();
        p.ensure(
            c.node,
            &["securityContext", "readOnlyRootFilesystem"],
            V::Bool(true),
        );
        let has_tmp = c
            .node
            .get("volumeMounts")
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|m| m.get_str("mountPath").map(|p| p.trim_end_matches('/')) == Some("/tmp"));
        let mut title = "Set `readOnlyRootFilesystem: true`".to_string();
        let mut ok = true;
        if !has_tmp {
            match tmp_volume(w.pod) {
                Some((name, add)) => {
                    if add {
                        p.push(
                            w.pod,
                            "volumes",
                            V::Map(vec![("name", V::Str(name)), ("emptyDir", V::Map(vec![]))]),
                        );
                    }
                    p.push(
                        c.node,
                        "volumeMounts",
                        V::Map(vec![("name", V::Str(name)), ("mountPath", V::Str("/tmp"))]),
                    );
                    title.push_str(" with an `emptyDir` at `/tmp`");
                }
                None => ok = false,
            }
        }
        let fix = p
            .finish()
            .filter(|_| ok)
            .map(|edits| Fix::unsafe_edit(title, edits));
        let span = value.map_or_else(|| c.anchor(), |n| n.span);
        ctx.report(
            meta,
            span,
            format!("{} has a writable root filesystem", describe(c)),
            fix,
        );
    }
}
