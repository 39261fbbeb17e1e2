//! `pare pin` against Debian's real `docker-registry` on loopback (plain
//! HTTP): fleet images are pushed with `skopeo copy`, a Dockerfile and a
//! manifest are pinned, the tag is moved to another image, `pin --check`
//! reports it and `pin --update` fixes it. The expected digests come from
//! `skopeo inspect`, not from pare.
//!
//! Needs `docker-registry` and `skopeo`; a missing one fails with the
//! `apt-get` command that installs it.
#![cfg(feature = "real-images")]

mod support;

use std::process::{Command, Output};
use support::registry::{run, Registry};
use support::{pare, stderr, tmp};

/// `skopeo copy` a fleet image to `pare/app:<tag>`; returns the digest the
/// registry now serves for it, as `skopeo inspect` reports it.
fn push(reg: &Registry, fleet: &str, tag: &str) -> String {
    let dest = reg.push_layout(&support::fleet_dir().join(fleet).join("oci"), "app", tag);
    run(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
        .arg(format!("docker://{dest}")))
}

fn pin(reg: &Registry, path: &std::path::Path, extra: &[&str]) -> Output {
    let p = path.to_str().unwrap();
    let mut args = vec!["pin", p, "--insecure-registry", &reg.addr];
    args.extend_from_slice(extra);
    pare(&args)
}

#[test]
fn tag_moves_check_reports_update_fixes() {
    let reg = Registry::start(false);
    let a = &reg.addr;
    let first = push(&reg, "distroless", "1");
    assert!(first.starts_with("sha256:"), "{first}");
    let dir = tmp();
    let df = dir.path().join("Dockerfile");
    let k8s = dir.path().join("pod.yaml");
    let df_text = format!("# base\nFROM {a}/pare/app:1 AS app\nUSER 65532\n");
    let k8s_text =
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: {a}/pare/app:1 # pinned by pare\n");
    std::fs::write(&df, &df_text).unwrap();
    std::fs::write(&k8s, &k8s_text).unwrap();

    let o = pin(&reg, dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let pinned = format!("{a}/pare/app:1@{first}");
    let old = format!("{a}/pare/app:1");
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        df_text.replace(&old, &pinned)
    );
    assert_eq!(
        std::fs::read_to_string(&k8s).unwrap(),
        k8s_text.replace(&old, &pinned)
    );
    assert_eq!(pin(&reg, dir.path(), &["--check"]).status.code(), Some(0));

    // Move the tag to another fleet image.
    let second = push(&reg, "layers", "1");
    assert_ne!(first, second, "the two fleet images have the same digest");
    let o = pin(&reg, dir.path(), &["--check"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines()
            .all(|l| l.ends_with(&format!("{a}/pare/app:1 stale {first} -> {second}"))),
        "{out}"
    );

    let o = pin(&reg, dir.path(), &["--update"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let repinned = format!("{a}/pare/app:1@{second}");
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        df_text.replace(&old, &repinned)
    );
    assert_eq!(
        std::fs::read_to_string(&k8s).unwrap(),
        k8s_text.replace(&old, &repinned)
    );
    assert_eq!(pin(&reg, dir.path(), &["--check"]).status.code(), Some(0));
}
