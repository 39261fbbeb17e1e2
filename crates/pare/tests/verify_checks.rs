//! `pare verify` on the real-image fleet: each negative case breaks a
//! fleet image the way the seeds' migrations broke (a library gone, a
//! health check calling `curl`, a `USER` missing from `/etc/passwd`, an app
//! writing under a read-only root), shows the breakage by running it, and
//! checks that `verify` names it. A missing image or tool fails.
#![cfg(feature = "real-images")]

mod support;
use support::fleet_run::*;
use support::*;

use pare_image::Image;
use serde_json::Value;

#[test]
fn a_library_gone_from_a_python_extension_is_found_and_breaks_the_app() {
    need("bwrap");
    let t = tmp();
    let src = fleet("python-app");
    // psycopg2-binary's bundled libpq, as a base without libpq5 would lack it
    let image = Image::open(
        pare_source::open(&format!("oci-dir:{}", src.display())).unwrap(),
        None,
    )
    .unwrap();
    let idx = pare_fsindex::FsIndex::build(&image, &pare_fsindex::IndexOptions::default()).unwrap();
    let libpq: String = idx
        .iter()
        .map(|(p, _)| p.to_string())
        .find(|p| p.contains("/psycopg2_binary.libs/libpq"))
        .expect("psycopg2-binary bundles libpq");
    let (dir, name) = libpq.rsplit_once('/').unwrap();
    let wh: &'static str = Box::leak(format!("{}/.wh.{name}", &dir[1..]).into_boxed_str());
    let broken = t.path().join("broken");
    mutate(&src, &broken, &[E::File(wh, Vec::new(), 0o644)], |_| {});
    let (code, v) = verify(&broken, &[]);
    assert_eq!(code, 1, "{v}");
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "VFY005")
        .unwrap_or_else(|| panic!("{v}"));
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("libpq") && msg.contains("_psycopg"), "{msg}");
    // the breakage is real: the app dies at `import psycopg2`
    let (code, v) = verify(&broken, &["--run", "--run-seconds", "30"]);
    assert_eq!(code, 1);
    assert!(codes(&v).contains(&"VFY011".to_string()), "{v}");
    let err = v["run"]["stderr"].to_string();
    assert!(
        err.contains("libpq") && err.contains("ImportError"),
        "{err}"
    );
    assert_ne!(v["run"]["exitCode"], 0);
    // and the original passes both
    let (code, v) = verify(&src, &["--run", "--run-seconds", "8"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["run"]["stayedUp"], true, "{v}");
}

#[test]
fn a_health_check_calling_curl_on_distroless_is_found() {
    let t = tmp();
    let src = fleet("go-distroless");
    let exec_form = t.path().join("exec");
    mutate(&src, &exec_form, &[], |c| {
        c["config"]["Healthcheck"] =
            serde_json::json!({"Test": ["CMD", "curl", "-f", "http://localhost:8080/"]});
    });
    let (code, v) = verify(&exec_form, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY004"], "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`curl`"),
        "{v}"
    );
    let shell_form = t.path().join("shell");
    mutate(&src, &shell_form, &[], |c| {
        c["config"]["Healthcheck"] =
            serde_json::json!({"Test": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]});
    });
    let (code, v) = verify(&shell_form, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY003"], "no /bin/sh on distroless: {v}");
    // the same health check on an image with a shell and curl passes
    // that check; here: one with a shell but no curl names curl
    let (code, v) = verify(&fleet("python-app"), &[]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
    let py_hc = t.path().join("py-hc");
    mutate(&fleet("python-app"), &py_hc, &[], |c| {
        c["config"]["Healthcheck"] =
            serde_json::json!({"Test": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]});
    });
    let (code, v) = verify(&py_hc, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY004"], "{v}");
}

#[test]
fn a_user_missing_from_passwd_is_found() {
    let t = tmp();
    let src = fleet("go-distroless");
    let named = t.path().join("named");
    mutate(&src, &named, &[], |c| {
        c["config"]["User"] = Value::String("app".into())
    });
    let (code, v) = verify(&named, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY007"], "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`app` is not in `/etc/passwd`"),
        "{v}"
    );
    // `nonroot` is distroless's user: fine
    let ok = t.path().join("ok");
    mutate(&src, &ok, &[], |c| {
        c["config"]["User"] = Value::String("nonroot:nonroot".into())
    });
    let (code, v) = verify(&ok, &[]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
}

#[test]
fn the_entrypoint_not_executable_by_its_user_is_found() {
    let t = tmp();
    let src = fleet("go-distroless");
    let bin = std::fs::read(fleet_dir().join("go-distroless/rootfs/app/hello")).unwrap();
    let broken = t.path().join("broken");
    mutate(&src, &broken, &[E::File("app/hello", bin, 0o700)], |_| {});
    let (code, v) = verify(&broken, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY008"], "{v}");
}

#[test]
fn writes_under_a_read_only_root_are_found_unless_a_volume_covers_them() {
    let t = tmp();
    let src = fleet("go-distroless");
    let (code, v) = verify(&src, &["--read-only-rootfs"]);
    assert_eq!(code, 1, "{v}");
    let msgs: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(msgs.iter().any(|m| m.starts_with("`/tmp`")), "{msgs:?}");
    // an app directory prepared for the user (a cache), as the seeds had
    let cache = t.path().join("cache");
    mutate_with_tar(&src, &cache, &user_dir_layer("var/cache/app/", 65532));
    let (_, v) = verify(&cache, &["--read-only-rootfs"]);
    let msgs: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs.iter().any(|m| m.starts_with("`/var/cache/app`")),
        "{msgs:?}"
    );
    let manifest = t.path().join("deploy.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app\n    securityContext:\n      readOnlyRootFilesystem: true\n    volumeMounts:\n    - {name: tmp, mountPath: /tmp}\n    - {name: vtmp, mountPath: /var/tmp}\n  volumes:\n  - {name: tmp, emptyDir: {}}\n  - {name: vtmp, emptyDir: {}}\n",
    )
    .unwrap();
    let (code, v) = verify(&src, &["--manifest", &path_str(&manifest)]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
    // the manifest's volumes do not cover the cache
    let (code, v) = verify(&cache, &["--manifest", &path_str(&manifest)]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["VFY010"], "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`/var/cache/app`"),
        "{v}"
    );
    let o = pare(&[
        "verify",
        &path_str(&cache),
        "--manifest",
        &path_str(&manifest),
    ]);
    assert!(
        stderr(&o).contains("hint: `pare fix --unsafe --image"),
        "{}",
        stderr(&o)
    );
    // `pare fix --unsafe --image` mounts what the image writes; then the
    // image verifies under the manifest. Without --unsafe the flag is
    // refused before any work.
    let m = path_str(&manifest);
    let img = path_str(&cache);
    let o = pare(&["fix", &m, "--image", &img]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--unsafe"), "{}", stderr(&o));
    let o = pare(&["fix", &m, "--unsafe", "--image", &img]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        fixed.contains("mountPath: /var/cache/app") && fixed.contains("name: pare-var-cache-app"),
        "{fixed}"
    );
    let (code, v) = verify(&cache, &["--manifest", &m]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}\n{fixed}");
}

#[test]
fn verify_passes_the_fleet_apps_as_built() {
    for name in ["python-app", "node-app", "go-distroless", "extract"] {
        let (code, v) = verify(&fleet(name), &[]);
        assert_eq!((code, codes(&v).len()), (0, 0), "{name}: {v}");
        assert!(v["closureFiles"].as_u64().unwrap() >= 1, "{name}");
    }
}

/// A manifest with one container: its `command`/`args` are what runs, so
/// they are what verify checks (a note says so); `--entrypoint`/`--cmd`
/// win over it; with several containers, the image's own program is
/// checked and a note says how to name the container's.
#[test]
fn a_manifests_command_is_what_verify_checks() {
    let t = tmp();
    let src = fleet("go-distroless");
    let (code, v) = verify(&src, &[]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
    // A Pod manifest at `name` whose containers are `containers` (YAML).
    let pod = |name: &str, containers: &str| {
        let f = t.path().join(name);
        std::fs::write(
            &f,
            format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: app}}\nspec:\n  containers:\n{containers}"),
        )
        .unwrap();
        f
    };
    let one = pod(
        "one.yaml",
        "  - name: app\n    image: app\n    command: [/usr/bin/nonexistent]\n    args: [--port, \"8080\"]\n",
    );
    let m = path_str(&one);
    let (code, v) = verify(&src, &["--manifest", &m]);
    assert_eq!((code, codes(&v)), (1, vec!["VFY001".to_string()]), "{v}");
    let o = pare(&["verify", &path_str(&src), "--manifest", &m]);
    assert!(
        stderr(&o).contains("the manifest's container's command/args"),
        "{}",
        stderr(&o)
    );
    // The flags win over the manifest: the image's own program again.
    let (code, v) = verify(&src, &["--manifest", &m, "--entrypoint", "/app/hello"]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
    let two = pod(
        "two.yaml",
        "  - name: app\n    image: app\n    command: [/usr/bin/nonexistent]\n  - name: sidecar\n    image: proxy\n",
    );
    let (code, v) = verify(&src, &["--manifest", &path_str(&two)]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}");
    let o = pare(&["verify", &path_str(&src), "--manifest", &path_str(&two)]);
    assert!(
        stderr(&o).contains("the manifest has 2 containers"),
        "{}",
        stderr(&o)
    );
    // An empty `command` is no command (the kubelet runs the image's);
    // `$(VAR)` is expanded by Kubernetes, not here: the image's program is
    // checked and a note says why; quotes outside JSON are refused.
    for (yaml, note) in [
        ("command: []", None),
        ("command: [\"$(BIN)\"]", Some("$(VAR) expansion")),
    ] {
        let f = pod(
            "m.yaml",
            &format!("  - name: app\n    image: app\n    {yaml}\n"),
        );
        let o = pare(&["verify", &path_str(&src), "--manifest", &path_str(&f)]);
        assert_eq!(o.status.code(), Some(0), "{yaml}: {}", stderr(&o));
        if let Some(n) = note {
            assert!(stderr(&o).contains(n), "{}", stderr(&o));
        }
    }
    let o = pare(&["verify", &path_str(&src), "--cmd", "sh -c \"echo hi\""]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("give the words as a JSON array"),
        "{}",
        stderr(&o)
    );
}

/// `pare verify --run` reports the writes the read-only root refused
/// (VFY012) even when the program catches the error and carries on: a
/// Python command that fails to create its cache file, logs it and stays
/// up. Without `--read-only-rootfs` the finding is a warning (those writes
/// succeed on a writable root); with it, the check fails.
#[test]
fn a_write_the_read_only_root_refuses_is_reported_though_the_app_stays_up() {
    need("bwrap");
    let src = fleet("python-app");
    let program = serde_json::to_string(&[
        "python3",
        "-c",
        "import sys, time\ntry:\n    open('/var/cache/pare-probe', 'w')\nexcept OSError as e:\n    print(e, file=sys.stderr, flush=True)\ntime.sleep(60)",
    ])
    .unwrap();
    let run = ["--run", "--run-seconds", "4", "--entrypoint", &program];
    let refused = |v: &Value| -> Value {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "VFY012")
            .cloned()
            .unwrap_or_else(|| panic!("no VFY012: {v}"))
    };
    let (code, v) = verify(&src, &run);
    assert_eq!(v["run"]["stayedUp"], true, "{v}");
    assert!(!codes(&v).contains(&"VFY011".to_string()), "{v}");
    let f = refused(&v);
    assert_eq!(f["severity"], "medium", "{f}");
    assert!(
        f["evidence"][0]
            .as_str()
            .unwrap()
            .contains("Read-only file system: '/var/cache/pare-probe'"),
        "{f}"
    );
    assert_eq!(code, 0, "a warning: {v}");
    let mut ro = run.to_vec();
    ro.push("--read-only-rootfs");
    let (code, v) = verify(&src, &ro);
    assert_eq!(refused(&v)["severity"], "high", "{v}");
    assert_eq!(code, 1, "{v}");
    // A volume where it writes: the sandbox mounts it writable, as the
    // cluster would, and the write is no finding.
    let t = tmp();
    let manifest = t.path().join("deploy.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app\n    securityContext:\n      readOnlyRootFilesystem: true\n    volumeMounts:\n    - {name: cache, mountPath: /var/cache}\n  volumes:\n  - {name: cache, emptyDir: {}}\n",
    )
    .unwrap();
    let m = path_str(&manifest);
    let mut with_volume = run.to_vec();
    with_volume.extend(["--manifest", &m]);
    let (_, v) = verify(&src, &with_volume);
    assert_eq!(v["run"]["stayedUp"], true, "{v}");
    assert!(!codes(&v).contains(&"VFY012".to_string()), "{v}");
}

/// nginx as Debian packages it (`nginx-app`): `pare verify
/// --read-only-rootfs` names the directories it writes, from its
/// configuration and its compiled-in defaults (its pid file's `/run`, its
/// temporary files' `/var/lib/nginx`, its logs' `/var/log/nginx`), and they
/// are what it needs: run under `bwrap` on the image's root, read-only,
/// nginx dies of `Read-only file system`; with a fresh writable directory
/// at each one verify named, it stays up.
#[test]
fn nginx_under_a_read_only_root_needs_the_directories_verify_names() {
    need("bwrap");
    let src = fleet("nginx-app");
    let (code, dirs) = read_only_dirs(&src);
    assert_eq!(code, 1, "{dirs:?}");
    for d in ["/run", "/var/lib/nginx", "/var/log/nginx"] {
        assert!(dirs.iter().any(|x| x == d), "{d} not named: {dirs:?}");
    }
    let t = tmp();
    let root = t.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    unpack_layers(&src, &root);
    let run = |writable: &[String]| run_nginx(&root, writable);
    let (status, err) = run(&[]);
    assert!(
        status.is_some_and(|c| c != 0) && err.contains("Read-only file system"),
        "nginx on a read-only root: {status:?} {err}"
    );
    let (status, err) = run(&dirs);
    assert_eq!(status, None, "nginx with {dirs:?} writable: {err}");
    // and each of nginx's is needed
    for d in ["/run", "/var/lib/nginx", "/var/log/nginx"] {
        let fewer: Vec<String> = dirs.iter().filter(|x| *x != d).cloned().collect();
        let (status, err) = run(&fewer);
        assert!(
            status.is_some_and(|c| c != 0) && err.contains("Read-only file system"),
            "nginx without {d} writable: {status:?} {err}"
        );
    }
    // `pare fix --unsafe --image` mounts them in a manifest that runs the
    // image on a read-only root, which then verifies.
    let manifest = t.path().join("deploy.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx-app\n    securityContext:\n      readOnlyRootFilesystem: true\n",
    )
    .unwrap();
    let (m, img) = (path_str(&manifest), path_str(&src));
    let o = pare(&["fix", &m, "--unsafe", "--image", &img]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(&manifest).unwrap();
    for d in ["/run", "/var/lib/nginx", "/var/log/nginx"] {
        assert!(
            fixed.contains(&format!("mountPath: {d}\n")),
            "{d}:\n{fixed}"
        );
    }
    let (code, v) = verify(&src, &["--manifest", &m]);
    assert_eq!((code, codes(&v).len()), (0, 0), "{v}\n{fixed}");
}

/// The seeds' first migration failure as it happened (`python-pg`):
/// psycopg2 built from source links the system's `libpq.so.5`, and the
/// slim base has no libpq5. verify names the library and the extension
/// that needs it (VFY005), and running the app shows it is real: it dies
/// at `import psycopg2` with the loader's own message (VFY011).
#[test]
fn psycopg2_built_from_source_on_a_base_without_libpq5_is_found_and_breaks() {
    need("bwrap");
    let src = fleet("python-pg");
    let (code, v) = verify(&src, &[]);
    assert_eq!((code, codes(&v)), (1, vec!["VFY005".to_string()]), "{v}");
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("`libpq.so.5`") && msg.contains("psycopg2/_psycopg"),
        "{msg}"
    );
    let (code, v) = verify(&src, &["--run", "--run-seconds", "20"]);
    assert_eq!(code, 1, "{v}");
    assert!(codes(&v).contains(&"VFY011".to_string()), "{v}");
    let err = v["run"]["stderr"].to_string();
    assert!(
        err.contains("ImportError: libpq.so.5: cannot open shared object file"),
        "{err}"
    );
}
