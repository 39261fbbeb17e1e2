//! `pare lint` and `pare fix` on Kubernetes manifests, through the built binary.

use std::path::Path;
use std::process::{Command, Output};

fn pare(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pare")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DEPLOY: &str = "\
# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web   # the app
          image: nginx:1.27
          ports:
            - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
";

fn tmp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Concise output names file, line, column, code and checkov's code; exit 1.
#[test]
fn lint_concise_reports_hardening_gaps() {
    let dir = tmp_with(&[("k8s/deploy.yaml", DEPLOY)]);
    let o = pare(&["lint", "--format", "concise", "k8s"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    for code in [
        "K8S001", "K8S002", "K8S003", "K8S004", "K8S005", "K8S012", "K8S014", "K8S015",
    ] {
        assert!(out.contains(code), "{code} missing:\n{out}");
    }
    assert!(out.contains("deploy.yaml:10:17: K8S001"), "{out}");
    assert!(out.contains("CKV_K8S_23"), "peer code missing:\n{out}");
    assert!(!out.contains("K8S013"), "pinned tag flagged:\n{out}");
}

/// JSON output is valid, versioned and carries the codes.
#[test]
fn lint_json_is_structured() {
    let dir = tmp_with(&[("deploy.yaml", DEPLOY)]);
    let o = pare(&["lint", "--format", "json", "deploy.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(v["schemaVersion"].is_number());
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"K8S003"), "{codes:?}");
}

/// `--select` by checkov code picks the matching pare rule only.
#[test]
fn select_by_peer_code() {
    let dir = tmp_with(&[("deploy.yaml", DEPLOY)]);
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "CKV_K8S_20",
            "deploy.yaml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("K8S004"), "{out}");
}

/// A broken document is one `path:line:col: cause` error and exit 2.
#[test]
fn broken_yaml_is_an_error_with_position() {
    let dir = tmp_with(&[(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n---\n",
    )]);
    let o = pare(&["lint", "bad.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("bad.yaml")).count(),
        1,
        "{err}"
    );
}

/// Unrendered Helm templates are skipped with a note, not reported.
#[test]
fn helm_templates_are_skipped_with_a_note() {
    let dir = tmp_with(&[(
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n",
    )]);
    let o = pare(&["lint", "templates"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Helm template skipped"),
        "{}",
        stderr(&o)
    );
}

/// Annotations silence rules; peer forms only while peer suppressions are on.
#[test]
fn annotations_suppress() {
    let src = DEPLOY.replace(
        "  name: web\nspec:\n  template",
        "  name: web\n  annotations:\n    pare.dev/ignore: K8S012 -- pinned by pare pin in CI\n    checkov.io/skip1: CKV_K8S_43=also\n    checkov.io/skip2: CKV_K8S_38=operator\nspec:\n  template",
    );
    let dir = tmp_with(&[("deploy.yaml", &src)]);
    let o = pare(&["lint", "--format", "concise", "deploy.yaml"], dir.path());
    let out = stdout(&o);
    assert!(!out.contains("K8S012") && !out.contains("K8S015"), "{out}");
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--no-peer-suppressions",
            "deploy.yaml",
        ],
        dir.path(),
    );
    let out = stdout(&o);
    assert!(!out.contains("K8S012"), "{out}");
    assert!(out.contains("K8S015"), "{out}");
}

/// `--diff` previews without writing; default fixes are the safe ones.
#[test]
fn fix_diff_then_safe_fix() {
    let dir = tmp_with(&[("deploy.yaml", DEPLOY)]);
    let o = pare(&["fix", "--diff", "deploy.yaml"], dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap(),
        DEPLOY
    );
    let diff = stdout(&o);
    assert!(
        diff.contains("+            allowPrivilegeEscalation: false"),
        "{diff}\n{}",
        stderr(&o)
    );
    let o = pare(&["fix", "deploy.yaml"], dir.path());
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    assert!(fixed.contains("allowPrivilegeEscalation: false"), "{fixed}");
    assert!(fixed.contains("type: RuntimeDefault"), "{fixed}");
    assert!(
        !fixed.contains("readOnlyRootFilesystem"),
        "unsafe fix applied by default:\n{fixed}"
    );
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "K8S004,K8S014",
            "deploy.yaml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// `--unsafe` adds every missing field, keeps comments and converges: a
/// second lint has none of the fixed rules and a second fix changes nothing.
#[test]
fn unsafe_fix_converges_and_keeps_comments() {
    let dir = tmp_with(&[("deploy.yaml", DEPLOY)]);
    let o = pare(&["fix", "--unsafe", "deploy.yaml"], dir.path());
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    for want in [
        "# web tier",
        "- name: web   # the app",
        "runAsNonRoot: true",
        "runAsUser: 65532",
        "readOnlyRootFilesystem: true",
        "mountPath: /tmp",
        "emptyDir: {}",
        "- ALL",
        "automountServiceAccountToken: false",
    ] {
        assert!(fixed.contains(want), "`{want}` missing:\n{fixed}");
    }
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "K8S001,K8S002,K8S003,K8S004,K8S005,K8S014,K8S015",
            "deploy.yaml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    pare(&["fix", "--unsafe", "deploy.yaml"], dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap(),
        fixed
    );
}

/// Manifests read as Kubernetes does, through the binary: a quoted
/// `runAsUser` is invalid and reported; `hostUsers: false` satisfies the
/// non-root rules with a note on stderr; `drop: [NET_RAW]` says what is kept;
/// a `bridgecrew.io/skip*` annotation skips like `checkov.io/skip*`.
#[test]
fn manifests_read_as_kubernetes_does() {
    let pod = |name: &str, spec: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    bridgecrew.io/skip-seccomp: CKV_K8S_31=runtime default elsewhere\nspec:\n{spec}")
    };
    let src = [
        pod("quoted", "  containers:\n  - name: a\n    image: a:1\n    securityContext:\n      runAsUser: \"1000\"\n      capabilities: {drop: [NET_RAW]}\n"),
        pod("userns", "  hostUsers: false\n  containers:\n  - name: b\n    image: b:1\n"),
    ]
    .join("---\n");
    let dir = tmp_with(&[("pods.yaml", &src)]);
    let o = pare(
        &[
            "lint",
            "--format",
            "concise",
            "--select",
            "K8S001,K8S002,K8S005,K8S014",
            "pods.yaml",
        ],
        dir.path(),
    );
    let out = stdout(&o);
    assert!(
        out.contains("K8S001") && out.contains("`runAsUser: \"1000\"`, which is not an integer"),
        "{out}"
    );
    assert!(
        out.contains("drops `NET_RAW` but not `ALL`: it still keeps `CHOWN`"),
        "{out}"
    );
    assert!(
        !out.contains("K8S014"),
        "bridgecrew.io/skip honoured: {out}"
    );
    assert!(
        !out.lines()
            .any(|l| l.contains("container `b`") && (l.contains("K8S001") || l.contains("K8S002"))),
        "{out}"
    );
    assert!(
        stderr(&o).contains("`hostUsers: false` maps root"),
        "{}",
        stderr(&o)
    );
}
