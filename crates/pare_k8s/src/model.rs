//! Kubernetes objects, workloads and containers over the YAML tree.

use crate::yaml::Node;

/// Where each workload kind keeps its pod spec, as a key path from the root.
const POD_SPEC_PATHS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("DeploymentConfig", &["spec", "template", "spec"]),
    ("PodTemplate", &["template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Whether a document of `kind` may hold pods: a workload kind, a `List`,
/// or a kind pare does not know the shape of is parsed; well-known kinds
/// that never run pods (CRDs, RBAC, Services, ...) are not.
#[must_use]
pub fn may_hold_workloads(kind: &str) -> bool {
    const NEVER: &[&str] = &[
        "CustomResourceDefinition",
        "Service",
        "ServiceAccount",
        "ConfigMap",
        "Secret",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "Namespace",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Ingress",
        "IngressClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "StorageClass",
        "HorizontalPodAutoscaler",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "PriorityClass",
        "LimitRange",
        "ResourceQuota",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
        "Endpoints",
        "EndpointSlice",
        "Gateway",
        "HTTPRoute",
        "Certificate",
        "Issuer",
        "ClusterIssuer",
    ];
    !NEVER.contains(&kind)
}

/// The container lists of a pod spec.
pub const CONTAINER_LISTS: &[&str] = &["initContainers", "containers", "ephemeralContainers"];

/// One Kubernetes object that runs pods.
#[derive(Debug)]
pub struct Workload<'a> {
    /// The object's root mapping.
    pub object: &'a Node,
    /// The key node naming the pod spec (`spec`), for pod-level diagnostics.
    pub pod_key: &'a Node,
    /// The pod spec mapping.
    pub pod: &'a Node,
    /// The pod's own metadata (the template's, or the Pod's).
    pub pod_meta: Option<&'a Node>,
    /// Every container, init and ephemeral ones included.
    pub containers: Vec<Container<'a>>,
}

/// One container of a pod spec.
#[derive(Debug)]
pub struct Container<'a> {
    /// The container mapping.
    pub node: &'a Node,
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    /// `name`, or its position when it has none.
    pub name: String,
}

impl Container<'_> {
    /// Span to point at for container-wide problems: the name, else the
    /// first key.
    #[must_use]
    pub fn anchor(&self) -> pare_findings::Span {
        if let Some(n) = self.node.get("name") {
            return n.span;
        }
        self.node
            .entries()
            .and_then(|e| e.first())
            .map_or(self.node.span, |(k, _)| k.span)
    }
}

/// Every object of a document: the root, or the items of a `kind: List`.
pub fn objects(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    collect(root, &mut out, 0);
    out
}

fn collect<'a>(node: &'a Node, out: &mut Vec<&'a Node>, depth: usize) {
    if depth > 4 || node.entries().is_none() {
        return;
    }
    let kind = node.get_str("kind").unwrap_or_default();
    if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) {
        for item in node.get("items").and_then(Node::items).unwrap_or_default() {
            collect(item, out, depth + 1);
        }
    } else {
        out.push(node);
    }
}

/// The workload view of `object`, when it is a workload kind with a pod spec.
#[must_use]
pub fn workload(object: &Node) -> Option<Workload<'_>> {
    let kind = object.get_str("kind")?;
    let (_, path) = POD_SPEC_PATHS.iter().find(|(k, _)| *k == kind)?;
    let mut parent = object;
    let mut key_node = None;
    for key in *path {
        let (k, v) = parent.entry(key)?;
        key_node = Some(k);
        parent = v;
    }
    let pod = parent;
    pod.entries()?;
    // The pod's metadata sits beside its spec: the template's, or the Pod's own.
    let meta_path = &path[..path.len() - 1];
    let mut meta_parent = object;
    for key in meta_path {
        meta_parent = meta_parent.get(key)?;
    }
    let pod_meta = meta_parent.get_set("metadata");
    let mut containers = Vec::new();
    for list in CONTAINER_LISTS {
        for (i, c) in pod
            .get(list)
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if c.entries().is_none() {
                continue;
            }
            let name = c
                .get_str("name")
                .map_or_else(|| format!("#{i}"), str::to_string);
            containers.push(Container {
                node: c,
                list,
                name,
            });
        }
    }
    Some(Workload {
        object,
        pod_key: key_node?,
        pod,
        pod_meta,
        containers,
    })
}

impl<'a> Workload<'a> {
    /// The pod-level `securityContext` mapping.
    #[must_use]
    pub fn pod_security_context(&self) -> Option<&'a Node> {
        self.pod.get_set("securityContext")
    }

    /// The effective value of a field both levels have: the container's
    /// when set, else the pod's. Returns the node and whether it came from
    /// the container.
    #[must_use]
    pub fn effective(&self, c: &Container<'a>, field: &str) -> Option<(&'a Node, bool)> {
        let own = c
            .node
            .get_set("securityContext")
            .and_then(|sc| sc.get_set(field));
        if let Some(v) = own {
            return Some((v, true));
        }
        self.pod_security_context()
            .and_then(|sc| sc.get_set(field))
            .map(|v| (v, false))
    }

    /// `hostUsers: false`: the pod runs in a user namespace, so UID 0 in
    /// the container is an unprivileged user on the node.
    #[must_use]
    pub fn user_namespace(&self) -> Option<&'a Node> {
        self.pod
            .get("hostUsers")
            .filter(|n| n.as_bool() == Some(false))
    }

    /// The annotations of the object and of its pod template.
    pub fn annotations(&self) -> impl Iterator<Item = (&'a str, &'a Node)> {
        let own = self
            .object
            .get("metadata")
            .and_then(|m| m.get("annotations"));
        let pod = self.pod_meta.and_then(|m| m.get("annotations"));
        let same = match (own, pod) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            _ => false,
        };
        own.into_iter()
            .chain(pod.filter(|_| !same))
            .flat_map(|a| a.entries().unwrap_or_default())
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }
}
