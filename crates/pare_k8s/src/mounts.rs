//! `pare fix --unsafe --image IMAGE`: an `emptyDir` at each directory the
//! image's software writes at run time (`pare verify`'s VFY010), in every
//! container that runs on a read-only root (`readOnlyRootFilesystem:
//! true`) and has no mount covering it.
//!
//! Unsafe: an `emptyDir` mounted over a directory hides what the image put
//! there, so the container sees an empty directory where the image had
//! files. It is what makes a read-only root work, and it changes what the
//! container sees at run time: `--unsafe`, as K8S003's `/tmp` is.

use crate::fix::{Layout, Planner, V};
use crate::model;
use crate::rules::container_field;
use crate::yaml::Node;
use pare_findings::{Fix, ParseError};

/// A volume name for `dir`: `pare-` and its path, lowercased, every run
/// of other characters a `-`, at most 63 characters (a DNS label).
fn volume_name(dir: &str) -> String {
    let mut name = String::from("pare");
    for c in dir.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name: String = name.trim_end_matches('-').chars().take(63).collect();
    while name.ends_with('-') {
        name.pop();
    }
    name
}

/// Whether a mount at `m` covers `dir`.
fn covers(m: &str, dir: &str) -> bool {
    let m = m.trim_end_matches('/');
    m.is_empty() || dir == m || dir.starts_with(&format!("{m}/"))
}

/// The fixes for `src` (one per workload): for each container on a
/// read-only root, an `emptyDir` mounted at each of `dirs` no mount of
/// its covers; the pod volume is added once and shared by its containers.
/// A name already taken by a volume that is not an `emptyDir` withholds
/// the workload's fix rather than mount the wrong volume.
///
/// # Errors
/// A [`ParseError`] when the file is not YAML.
pub fn fixes(path: &str, src: &str, dirs: &[String]) -> Result<Vec<Fix>, ParseError> {
    let mut out = Vec::new();
    if dirs.is_empty() || crate::is_helm_template(src) {
        return Ok(out);
    }
    let crlf = src
        .find('\n')
        .is_some_and(|i| i > 0 && src.as_bytes()[i - 1] == b'\r');
    let index = pare_findings::LineIndex::new(src);
    for root in crate::workload_documents(path, src, &index)?.0 {
        let layout = Layout::detect(src, &root, crlf);
        for object in model::objects(&root) {
            if let Some(fix) =
                model::workload(object).and_then(|w| workload_fix(src, layout, &w, dirs))
            {
                out.push(fix);
            }
        }
    }
    Ok(out)
}

fn workload_fix(
    src: &str,
    layout: Layout,
    w: &model::Workload<'_>,
    dirs: &[String],
) -> Option<Fix> {
    let volumes = w
        .pod
        .get("volumes")
        .and_then(Node::items)
        .unwrap_or_default();
    let mut p = Planner::new(src, layout);
    let mut added: Vec<String> = Vec::new();
    let mut mounted: Vec<String> = Vec::new();
    for c in &w.containers {
        if container_field(c, "readOnlyRootFilesystem").and_then(Node::as_bool) != Some(true) {
            continue;
        }
        let mounts: Vec<&str> = c
            .node
            .get("volumeMounts")
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get_str("mountPath"))
            .collect();
        for dir in dirs {
            if mounts.iter().any(|m| covers(m, dir)) {
                continue;
            }
            let name = volume_name(dir);
            match volumes
                .iter()
                .find(|v| v.get_str("name") == Some(name.as_str()))
            {
                Some(v) if v.get("emptyDir").is_none() => return None,
                Some(_) => {}
                None if added.contains(&name) => {}
                None => {
                    p.push(
                        w.pod,
                        "volumes",
                        V::Map(vec![
                            ("name", V::Text(name.clone())),
                            ("emptyDir", V::Map(vec![])),
                        ]),
                    );
                    added.push(name.clone());
                }
            }
            p.push(
                c.node,
                "volumeMounts",
                V::Map(vec![
                    ("name", V::Text(name)),
                    ("mountPath", V::Text(dir.clone())),
                ]),
            );
            if !mounted.contains(dir) {
                mounted.push(dir.clone());
            }
        }
    }
    if mounted.is_empty() {
        return None;
    }
    let edits = p.finish()?;
    Some(Fix::unsafe_edit(
        format!(
            "Mount an `emptyDir` at {} (written at run time under a read-only root)",
            mounted
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(src: &str, dirs: &[&str]) -> String {
        let dirs: Vec<String> = dirs.iter().map(|d| (*d).to_string()).collect();
        let fixes = fixes("m.yaml", src, &dirs).unwrap();
        let refs: Vec<&Fix> = fixes.iter().collect();
        pare_findings::apply_edits(src, &refs).text
    }

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(volume_name("/var/cache/app"), "pare-var-cache-app");
        assert_eq!(volume_name("/srv/My_Data/"), "pare-srv-my-data");
        assert!(volume_name(&"/x".repeat(80)).len() <= 63);
    }

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:1
          securityContext:
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: tmp
              mountPath: /tmp
        - name: sidecar
          image: side:1
      volumes:
        - name: tmp
          emptyDir: {}
";

    #[test]
    fn mounts_what_no_volume_covers_in_read_only_containers_only() {
        let out = apply(DEPLOY, &["/tmp", "/var/cache/app", "/run/app"]);
        let docs = crate::yaml::parse(&out).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let pod = root
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec"))
            .unwrap();
        let names: Vec<&str> = pod
            .get("volumes")
            .unwrap()
            .items()
            .unwrap()
            .iter()
            .filter_map(|v| v.get_str("name"))
            .collect();
        assert_eq!(
            names,
            ["pare-var-cache-app", "pare-run-app", "tmp"],
            "{out}"
        );
        let containers = pod.get("containers").unwrap().items().unwrap();
        let paths = |c: &Node| -> Vec<String> {
            c.get("volumeMounts")
                .and_then(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|m| m.get_str("mountPath").map(str::to_string))
                .collect()
        };
        assert_eq!(
            paths(&containers[0]),
            ["/var/cache/app", "/run/app", "/tmp"],
            "{out}"
        );
        assert!(
            paths(&containers[1]).is_empty(),
            "the sidecar has a writable root: {out}"
        );
        // Nothing left to do the second time.
        assert!(fixes("m.yaml", &out, &["/var/cache/app".into()])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_name_taken_by_another_kind_of_volume_withholds_the_fix() {
        let src = DEPLOY.replace(
            "      volumes:\n",
            "      volumes:\n        - name: pare-var-cache-app\n          configMap: {name: x}\n",
        );
        assert!(fixes("m.yaml", &src, &["/var/cache/app".into()])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn pods_without_volumes_get_the_key() {
        let src = "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: app
      image: app:1
      securityContext:
        readOnlyRootFilesystem: true
";
        let out = apply(src, &["/tmp", "/var/cache/app"]);
        assert!(out.contains("volumes:"), "{out}");
        let docs = crate::yaml::parse(&out).unwrap();
        let spec = docs[0].root.as_ref().unwrap().get("spec").unwrap();
        assert_eq!(
            spec.get("volumes").unwrap().items().unwrap().len(),
            2,
            "{out}"
        );
        let c = &spec.get("containers").unwrap().items().unwrap()[0];
        assert_eq!(
            c.get("volumeMounts").unwrap().items().unwrap().len(),
            2,
            "{out}"
        );
    }
}
