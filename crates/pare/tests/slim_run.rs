//! `pare slim` on the real-image fleet, judged by running the result: each
//! fleet image is slimmed, the slimmed root filesystem is unpacked and its
//! entrypoint run with `bwrap` (the app answers HTTP, prints its output or
//! exits 0), `pare verify` passes on it, and pare's own SBOM of it lists
//! exactly the packages whose files remain. A missing image or tool fails.
#![cfg(feature = "real-images")]

mod support;
use support::fleet_run::*;
use support::*;

use pare_image::Image;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn slimmed_python_app_serves_http() {
    let t = tmp();
    let (report, layout, root) = slim_and_unpack("python-app", t.path());
    // a fraction of the size: perl, login, pip's unused wheels are gone
    let (b, a) = (
        report["before"]["bytes"].as_u64().unwrap(),
        report["after"]["bytes"].as_u64().unwrap(),
    );
    assert!(a * 2 < b, "{a} of {b} bytes kept");
    assert_removed(&report["packagesRemoved"], &["deb/perl-base@"], &[]);
    assert!(!root.join("usr/bin/perl").exists() && !root.join("bin/sh").exists());
    assert_serves_ok(&layout, &root, "slimmed python-app");
    // `ctypes.util.find_library` runs `/sbin/ldconfig -p`: it still names
    // the libraries that remain, and no longer those slim removed (perl's,
    // apt's: the cache was rewritten).
    let (_, env, cwd, user) = runtime(&layout);
    let probe = "import ctypes.util as u; print([u.find_library(n) for n in ['c', 'ssl', 'z', 'perl', 'apt-pkg']])";
    let argv: Vec<String> = ["/usr/bin/python3", "-c", probe]
        .iter()
        .map(ToString::to_string)
        .collect();
    let o = bwrap(&root, &argv, &env, &cwd, ids(&user), false)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "['libc.so.6', 'libssl.so.3', 'libz.so.1', None, None]"
    );
}

/// The slimmed `python-app` loads what the original loads: 83 probes of
/// what Python loads by import and by name (`tests/data/python_probe.py`:
/// the standard library's C extensions, OpenSSL's digests, certifi's CA bundle,
/// codecs, time zones, locale, `mime.types`, `ctypes.util.find_library`,
/// thread exit, Pillow's codecs, psycopg2, the app's packages and their
/// metadata) print the same lines, run the same way in both (bwrap, the
/// image's user, read-only root).
#[test]
fn slimmed_python_app_loads_what_the_original_loads() {
    assert_loads_as_original("python-app", "python_probe.py", "/usr/bin/python3", 83);
}

/// The slimmed `node-app` loads what the original loads: 59 probes
/// (`tests/data/node_probe.js`: every builtin module, OpenSSL's digests and
/// Node's root certificates, zlib and brotli, ICU's locales, time zones and
/// encodings, `fetch` from the distribution's externalised undici, the
/// app's express) print the same lines in both, under bwrap as the image's
/// user in its working directory.
#[test]
fn slimmed_node_app_loads_what_the_original_loads() {
    assert_loads_as_original("node-app", "node_probe.js", "/usr/bin/node", 59);
}

/// Slim fleet image `name`, then run `interpreter /probe` (`probe`, a file
/// of `tests/data`) in the original and in the slimmed image, each
/// unpacked, under bwrap as the image's user in its working directory:
/// both print the same `lines` lines, and the original fails none.
fn assert_loads_as_original(name: &str, probe: &str, interpreter: &str, lines: usize) {
    let t = tmp();
    let (_, layout, root) = slim_and_unpack(name, t.path());
    let original = t.path().join("original");
    std::fs::create_dir(&original).unwrap();
    unpack_layers(&fleet(name), &original);
    let script = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(probe),
    )
    .unwrap();
    let (_, env, cwd, user) = runtime(&layout);
    let run = |r: &Path| -> String {
        std::fs::write(r.join("probe"), &script).unwrap();
        let argv = vec![interpreter.to_string(), "/probe".to_string()];
        let o = bwrap(r, &argv, &env, &cwd, ids(&user), false)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let (before, after) = (run(&original), run(&root));
    assert_eq!(before.lines().count(), lines, "{before}");
    assert!(
        !before.contains("FAIL"),
        "the original {name} fails a probe: {before}"
    );
    assert_eq!(after, before, "{name}: the slimmed image loads otherwise");
}

#[test]
fn slimmed_node_app_serves_http() {
    let t = tmp();
    let (report, layout, root) = slim_and_unpack("node-app", t.path());
    // The dev dependency goes, the runtime one stays.
    assert_removed(
        &report["packagesRemoved"],
        &["npm/mocha@"],
        &["npm/express@"],
    );
    assert_serves_ok(&layout, &root, "slimmed node-app");
}

#[test]
fn slimmed_go_distroless_prints_its_greeting() {
    let t = tmp();
    let (_, layout, root) = slim_and_unpack("go-distroless", t.path());
    let (argv, env, cwd, user) = runtime(&layout);
    let o = bwrap(&root, &argv, &env, &cwd, ids(&user), false)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(out(&o), "hello from go 65532\n");
    // `pare verify --run` says the same about the slimmed image
    let (code, v) = verify(&layout, &["--run", "--run-seconds", "20"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["run"]["exitCode"], 0, "{v}");
    assert_eq!(v["run"]["stdout"][0], "hello from go 65532", "{v}");
}

/// `fat` runs `bash`, which slim refuses (any program may run); told what
/// the container really runs (`--cmd`, as a Kubernetes `args` would), it
/// keeps that program's closure, writes the program into the image's
/// config, and the slimmed image runs it: Python with OpenSSL and SQLite
/// out of a build image, a tenth of its bytes. The gate's reachability and
/// `pare verify` take the same flags.
#[test]
fn a_program_given_by_flag_is_what_slim_keeps_and_writes() {
    let t = tmp();
    need("bwrap");
    let src = path_str(&fleet("fat"));
    let refused = pare(&[
        "slim",
        &src,
        "-o",
        &path_str(&t.path().join("no")),
        "--dry-run",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let argv = [
        "python3",
        "-c",
        "import ssl, sqlite3; print(ssl.OPENSSL_VERSION.split()[0], sqlite3.sqlite_version_info[0])",
    ];
    let cmd = serde_json::to_string(&argv).unwrap();
    let out = t.path().join("slim");
    let o = pare(&[
        "slim",
        &src,
        "-o",
        &path_str(&out),
        "--cmd",
        &cmd,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let (b, a) = (
        report["before"]["bytes"].as_u64().unwrap(),
        report["after"]["bytes"].as_u64().unwrap(),
    );
    assert!(a * 8 < b, "{a} of {b} bytes kept");
    assert!(
        report["notes"][0]
            .as_str()
            .unwrap()
            .contains("--entrypoint/--cmd"),
        "{report}"
    );
    let (_, c) = manifest_config(&out);
    assert_eq!(c["config"]["Cmd"], serde_json::json!(argv));
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&out, &root);
    assert!(!root.join("usr/bin/bash").exists() && !root.join("usr/bin/gcc").exists());
    let (run_argv, env, cwd, user) = runtime(&out);
    let o = bwrap(&root, &run_argv, &env, &cwd, ids(&user), false)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "OpenSSL 3");
    // The gate's reachability follows the same program: one closure.
    let g = pare(&[
        "gate",
        &src,
        "--db",
        &path_str(db()),
        "--format",
        "json",
        "--cmd",
        &cmd,
    ]);
    let gv: Value = serde_json::from_slice(&g.stdout).unwrap();
    assert_eq!(
        gv["reachability"]["entrypoint"],
        serde_json::json!(argv),
        "{gv}"
    );
    assert_eq!(
        gv["reachability"]["roots"],
        serde_json::json!(["/usr/bin/python3.11"])
    );
    // verify takes the same flags: a program that is not there, and a
    // value that is not exec form.
    let (code, v) = verify(&fleet("fat"), &["--entrypoint", "/usr/bin/nonexistent"]);
    assert_eq!((code, codes(&v)), (1, vec!["VFY001".to_string()]), "{v}");
    let bad = pare(&["verify", &src, "--cmd", "[1, 2]"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not a JSON array of strings"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn slimmed_glibc_program_runs() {
    // `extract`: Debian's dynamically linked openssl (glibc, libssl,
    // libcrypto) and no package database.
    let t = tmp();
    need("bwrap");
    let src = fleet("extract");
    let layout = t.path().join("slim");
    let report = slim(&src, &layout);
    assert!(
        report["after"]["files"].as_u64().unwrap() * 4
            < report["before"]["files"].as_u64().unwrap()
    );
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&layout, &root);
    // loaded by name, kept when the image has them (the extract variant
    // installs no dependencies: libgcc-s1 is not there)
    let image = Image::open(
        pare_source::open(&format!("oci-dir:{}", src.display())).unwrap(),
        None,
    )
    .unwrap();
    let idx = pare_fsindex::FsIndex::build(&image, &pare_fsindex::IndexOptions::default()).unwrap();
    let mut checked = 0;
    for f in [
        "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so",
        "/usr/lib/ssl/openssl.cnf",
        "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
    ] {
        if idx.resolve(f).is_ok() {
            checked += 1;
            assert!(exists_in(&root, f), "{f} not kept");
        }
    }
    assert!(checked >= 2, "{checked}");
    let (argv, env, cwd, user) = runtime(&layout);
    let o = bwrap(&root, &argv, &env, &cwd, ids(&user), false)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out(&o).starts_with("OpenSSL 3."), "{}", out(&o));
    // and a digest through the provider machinery of the kept libcrypto
    let o = bwrap(
        &root,
        &[
            "/usr/bin/openssl".into(),
            "sha256".into(),
            "/etc/os-release".into(),
        ],
        &env,
        &cwd,
        ids(&user),
        false,
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        out(&o).starts_with("SHA2-256(/etc/os-release)="),
        "{}",
        out(&o)
    );
}

/// One closure serves the gate and slim: every package left in a slimmed
/// image with more than its documentation is one the gate's reachability
/// calls reachable in the original (`base-files` aside: slim keeps
/// `/etc/os-release` for scanners, no program loads it).
#[test]
fn what_slim_keeps_the_gate_calls_reachable() {
    for name in ["python-app", "go-distroless", "node-app"] {
        let t = tmp();
        let src = fleet(name);
        let outdir = t.path().join("slim");
        slim(&src, &outdir);
        // packages left with more than documentation (a copyright file
        // kept for the SBOM's licenses is read by no program)
        let kept: BTreeSet<String> = sbom(&outdir)
            .iter()
            .filter(|p| {
                let files = p["files"].as_array().cloned().unwrap_or_default();
                files.is_empty()
                    || files.iter().any(|f| {
                        let f = f.as_str().unwrap();
                        !f.starts_with("/usr/share/doc/")
                            && f != "/lib"
                            && f != "/bin"
                            && f != "/sbin"
                            && f != "/lib64"
                    })
            })
            .map(key)
            .collect();
        let image = Image::open(
            pare_source::open(&format!("oci-dir:{}", src.display())).unwrap(),
            None,
        )
        .unwrap();
        let mut globs = pare_catalog::capture_globs();
        globs.extend_from_slice(pare_reach::CAPTURE_GLOBS);
        let mut probes = pare_catalog::probes();
        probes.extend(pare_reach::probes());
        let opts = pare_fsindex::IndexOptions {
            capture: pare_fsindex::glob_set(&[pare_hygiene::CAPTURE_GLOBS, &globs].concat()),
            probes,
            ..pare_fsindex::IndexOptions::default()
        };
        let idx = pare_fsindex::FsIndex::build(&image, &opts).unwrap();
        let distro = pare_catalog::os_release::detect(&idx);
        let pkgs = pare_catalog::catalog(&image, &idx, distro.as_ref()).packages;
        let r = pare_reach::analyze(image.config.as_ref(), &idx, &pkgs);
        let mut checked = 0;
        for (p, v) in pkgs.iter().zip(&r.packages) {
            let k = key(&serde_json::to_value(p).unwrap());
            if !kept.contains(&k) || p.name == "base-files" {
                continue;
            }
            checked += 1;
            assert_eq!(
                v.status,
                pare_reach::Status::Reachable,
                "{name}: {k} is kept by slim but the gate says {:?} ({})",
                v.status,
                v.reason
            );
        }
        assert!(checked > 0, "{name}");
        if name == "python-app" {
            // thread exit needs libgcc_s: kept, and reachable with its reason
            let gcc = pkgs.iter().position(|p| p.name == "libgcc-s1").unwrap();
            let chain = r.packages[gcc].chain.join(" → ");
            assert!(chain.contains("dlopen by libc"), "{chain}");
        }
    }
}

#[test]
fn slim_counts_vulnerabilities_before_and_after_and_dry_run_writes_nothing() {
    let t = tmp();
    let outdir = t.path().join("never");
    let o = pare(&[
        "slim",
        &path_str(&fleet("python-app")),
        "-o",
        &path_str(&outdir),
        "--dry-run",
        "--db",
        &path_str(db()),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!outdir.exists() && r["written"].is_null());
    let total = |side: &str| -> u64 {
        r[side]["vulnerabilities"]
            .as_object()
            .unwrap_or_else(|| panic!("{r}"))
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum()
    };
    // perl, login, util-linux... carried advisories; Pillow's stay (imported)
    assert!(
        total("after") < total("before"),
        "{} → {}",
        total("before"),
        total("after")
    );
    assert!(total("after") > 0);
}

/// `nginx-app` (Debian's nginx) slimmed keeps what nginx opens by name:
/// its configuration and what it includes (`mime.types`, the enabled
/// site, the enabled module's `load_module` line), the module itself, the
/// site it serves (`root`), and the directories it writes, even empty
/// (`/var/lib/nginx`). The slimmed image, run as a read-only root with a
/// fresh directory at each place `pare verify --read-only-rootfs` names,
/// stays up, a tenth of its size; before, slim removed `/etc/nginx`.
#[test]
fn slimmed_nginx_app_keeps_what_nginx_opens_and_runs() {
    let t = tmp();
    let src = fleet("nginx-app");
    let out = t.path().join("slim");
    let report = slim(&src, &out);
    let (before, after) = (
        report["before"]["bytes"].as_u64().unwrap(),
        report["after"]["bytes"].as_u64().unwrap(),
    );
    assert!(after * 5 < before, "{before} -> {after}");
    let root = t.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    unpack(&out, &root);
    for p in [
        "etc/nginx/nginx.conf",
        "etc/nginx/mime.types",
        "etc/nginx/sites-enabled/default",
        "etc/nginx/modules-enabled/50-mod-http-echo.conf",
        "usr/share/nginx/modules-available/mod-http-echo.conf",
        "usr/lib/nginx/modules/ngx_http_echo_module.so",
        "var/www/html/index.nginx-debian.html",
        "var/lib/nginx",
    ] {
        assert!(
            root.join(p).symlink_metadata().is_ok(),
            "{p} is not in the slimmed image"
        );
    }
    let (code, dirs) = read_only_dirs(&out);
    assert_eq!(code, 1, "{dirs:?}");
    assert!(dirs.iter().any(|d| d == "/var/lib/nginx"), "{dirs:?}");
    let (status, err) = run_nginx(&root, &dirs);
    assert_eq!(
        status, None,
        "the slimmed nginx with {dirs:?} writable: {err}"
    );
}
