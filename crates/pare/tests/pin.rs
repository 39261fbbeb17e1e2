//! `pare pin` against a tiny registry of our own on loopback (a
//! `std::net::TcpListener` thread serving manifests from a map that the test
//! can change, so a tag can move deterministically).

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use support::{pare, sha256, stderr};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// `repo:tag` and `repo@digest` to (media type, bytes).
type Store = Arc<Mutex<HashMap<String, (String, Vec<u8>)>>>;

struct FakeRegistry {
    addr: String,
    stop: Arc<AtomicBool>,
    store: Store,
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

impl FakeRegistry {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let store: Store = Arc::default();
        let (stop2, store2) = (stop.clone(), store.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(s) = conn {
                    let _ = serve(s, &store2);
                }
            }
        });
        Self { addr, stop, store }
    }

    /// Point `repo:tag` at a new two-platform index made from `seed`;
    /// returns (index digest, linux/arm64 manifest digest).
    fn tag(&self, repo: &str, tag: &str, seed: &str) -> (String, String) {
        let amd = sha256(format!("{seed}-amd64").as_bytes());
        let arm = sha256(format!("{seed}-arm64").as_bytes());
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"{INDEX}","manifests":[{{"mediaType":"{MANIFEST}","digest":"{amd}","size":1,"platform":{{"os":"linux","architecture":"amd64"}}}},{{"mediaType":"{MANIFEST}","digest":"{arm}","size":1,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}]}}"#
        );
        let digest = sha256(index.as_bytes());
        let mut s = self.store.lock().unwrap();
        s.insert(
            format!("{repo}:{tag}"),
            (INDEX.into(), index.clone().into()),
        );
        s.insert(format!("{repo}@{digest}"), (INDEX.into(), index.into()));
        (digest, arm)
    }
}

fn respond(
    s: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    if !head_only {
        s.write_all(body)?;
    }
    s.flush()
}

fn serve(mut s: TcpStream, store: &Store) -> std::io::Result<()> {
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let head_only = parts.next() == Some("HEAD");
    let target = parts.next().unwrap_or("");
    if target == "/v2/" {
        return respond(&mut s, "200 OK", &[], b"{}", head_only);
    }
    if target.starts_with("/v2/private/") {
        return respond(
            &mut s,
            "401 Unauthorized",
            &[("WWW-Authenticate", r#"Basic realm="fake""#.into())],
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            head_only,
        );
    }
    let found = target
        .strip_prefix("/v2/")
        .and_then(|t| t.split_once("/manifests/"))
        .and_then(|(repo, r)| {
            let sep = if r.starts_with("sha256:") { '@' } else { ':' };
            store
                .lock()
                .unwrap()
                .get(&format!("{repo}{sep}{r}"))
                .cloned()
        });
    match found {
        Some((mt, body)) => respond(
            &mut s,
            "200 OK",
            &[
                ("Content-Type", mt),
                ("Docker-Content-Digest", sha256(&body)),
            ],
            &body,
            head_only,
        ),
        None => respond(
            &mut s,
            "404 Not Found",
            &[("Content-Type", "application/json".into())],
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
            head_only,
        ),
    }
}

fn pin(dir: &Path, reg: &str, extra: &[&str]) -> Output {
    let d = dir.to_str().unwrap();
    let mut args = vec!["pin", d, "--insecure-registry", reg];
    args.extend_from_slice(extra);
    pare(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn dockerfile(reg: &str) -> String {
    format!(
        "# syntax=docker/dockerfile:1\nARG BASE={reg}/base\n\
         FROM ${{BASE}}:1 AS build\n\
         RUN --mount=type=bind,from={reg}/tools:2,target=/t  make\n\
         COPY --from=build /out /out\n\
         # the final stage\n\
         FROM scratch\n\
         COPY --from={reg}/assets:3 /a /a\n"
    )
}

fn manifest(reg: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # keep me\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: \"{reg}/tools:2\"   # quoted\n      containers:\n        - name: web\n          image: {reg}/base:1\n          ports: [ {{containerPort: 80}} ]\n"
    )
}

#[test]
fn pins_checks_moves_and_updates() {
    let reg = FakeRegistry::start();
    let a = &reg.addr;
    let (base1, _) = reg.tag("base", "1", "base-one");
    let (tools, _) = reg.tag("tools", "2", "tools");
    let (assets, _) = reg.tag("assets", "3", "assets");
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    let k8s = dir.path().join("deploy.yaml");
    std::fs::write(&df, dockerfile(a)).unwrap();
    std::fs::write(&k8s, manifest(a)).unwrap();

    // --check before pinning: every reference is unpinned.
    let o = pin(dir.path(), a, &["--check"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(
        out.contains(&format!("Dockerfile:3:6: {a}/base:1 unpinned -> {base1}")),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        dockerfile(a),
        "--check wrote"
    );

    // Pin: only the references change, byte for byte.
    let o = pin(dir.path(), a, &[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let want_df = dockerfile(a)
        .replace("${BASE}:1 ", &format!("${{BASE}}:1@{base1} "))
        .replace(&format!("{a}/tools:2,"), &format!("{a}/tools:2@{tools},"))
        .replace(
            &format!("{a}/assets:3 "),
            &format!("{a}/assets:3@{assets} "),
        );
    assert_eq!(std::fs::read_to_string(&df).unwrap(), want_df);
    let want_k8s = manifest(a)
        .replace(&format!("{a}/tools:2\""), &format!("{a}/tools:2@{tools}\""))
        .replace(&format!("{a}/base:1\n"), &format!("{a}/base:1@{base1}\n"));
    assert_eq!(std::fs::read_to_string(&k8s).unwrap(), want_k8s);

    // Pinned and current: --check passes, a second pin changes nothing.
    let o = pin(dir.path(), a, &["--check"]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
    assert_eq!(stdout(&o), "");
    let o = pin(dir.path(), a, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&df).unwrap(), want_df);
    assert_eq!(std::fs::read_to_string(&k8s).unwrap(), want_k8s);

    // The tag moves: --check reports old and new, plain pin leaves it.
    let (base2, _) = reg.tag("base", "1", "base-two");
    let o = pin(dir.path(), a, &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains(&format!(
            "deploy.yaml:13:18: {a}/base:1 stale {base1} -> {base2}"
        )),
        "{out}"
    );
    let o = pin(dir.path(), a, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--update"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&df).unwrap(), want_df);

    // --diff previews without writing.
    let o = pin(dir.path(), a, &["--update", "--diff"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(&format!("+          image: {a}/base:1@{base2}")),
        "{}",
        stdout(&o)
    );
    assert_eq!(std::fs::read_to_string(&df).unwrap(), want_df);

    // --update bumps it; then --check passes again.
    let o = pin(dir.path(), a, &["--update"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        want_df.replace(&base1, &base2)
    );
    assert_eq!(
        std::fs::read_to_string(&k8s).unwrap(),
        want_k8s.replace(&base1, &base2)
    );
    assert_eq!(pin(dir.path(), a, &["--check"]).status.code(), Some(0));
}

#[test]
fn lock_file_pins_offline_later() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("pare.lock.json");
    let lock_s = lock.to_str().unwrap();
    let files = dir.path().join("src");
    std::fs::create_dir(&files).unwrap();
    let df = files.join("Dockerfile");
    let (addr, base1, tools, assets) = {
        let reg = FakeRegistry::start();
        let a = reg.addr.clone();
        let (base1, _) = reg.tag("base", "1", "b");
        let (tools, _) = reg.tag("tools", "2", "t");
        let (assets, _) = reg.tag("assets", "3", "a");
        std::fs::write(&df, dockerfile(&a)).unwrap();
        // --diff with --lock resolves and records, leaving the Dockerfile.
        let o = pin(&files, &a, &["--lock", lock_s, "--check"]);
        assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
        assert!(!lock.exists(), "--check wrote the lock file");
        let o = pin(&files, &a, &["--lock", lock_s, "--diff"]);
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        assert!(!lock.exists(), "--diff wrote the lock file");
        // Record the lock by pinning a copy elsewhere.
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("Dockerfile"), dockerfile(&a)).unwrap();
        let o = pin(&other, &a, &["--lock", lock_s]);
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        (a, base1, tools, assets)
    };
    // Sorted keys, schema 1, parseable by `pare fix --lock`.
    let text = std::fs::read_to_string(&lock).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    let keys: Vec<&String> = v["images"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec![
            &format!("{addr}/assets:3"),
            &format!("{addr}/base:1"),
            &format!("{addr}/tools:2")
        ]
    );
    assert_eq!(v["images"][format!("{addr}/base:1")], base1.as_str());

    // The registry is gone: pinning from the lock still works.
    let o = pin(&files, &addr, &["--lock", lock_s, "--offline"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let got = std::fs::read_to_string(&df).unwrap();
    for d in [&base1, &tools, &assets] {
        assert!(got.contains(d.as_str()), "{d} missing in {got}");
    }
    // Without the lock the registry is needed: one error line naming the
    // reference, exit 2, nothing written.
    std::fs::write(&df, dockerfile(&addr)).unwrap();
    let o = pin(&files, &addr, &[]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("cannot resolve `{addr}/base:1`")),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&df)
            .unwrap()
            .matches("@sha256")
            .count(),
        0
    );
}

#[test]
fn platform_pins_the_platform_manifest() {
    let reg = FakeRegistry::start();
    let a = &reg.addr;
    let (_, arm) = reg.tag("base", "1", "p");
    let (_, arm_latest) = reg.tag("base", "latest", "q");
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, format!("FROM {a}/base:1\nFROM {a}/base\n")).unwrap();
    let o = pin(dir.path(), a, &["--platform", "linux/arm64"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    // An untagged reference gets `:latest` written out so it can be followed.
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        format!("FROM {a}/base:1@{arm}\nFROM {a}/base:latest@{arm_latest}\n")
    );
    let o = pin(dir.path(), a, &["--platform", "linux/arm64", "--check"]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
}

#[test]
fn unknown_tag_is_one_error_line() {
    let reg = FakeRegistry::start();
    let a = &reg.addr;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), format!("FROM {a}/nope:9\n")).unwrap();
    let o = pin(dir.path(), a, &["--check"]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(&format!("`{a}/nope:9`")), "{err}");
}

/// `pare fix --lock` pins the same references as `pare pin`, offline.
#[test]
fn fix_with_lock_pins_every_reference() {
    let dir = tempfile::tempdir().unwrap();
    let d1 = format!("sha256:{}", "1".repeat(64));
    let d2 = format!("sha256:{}", "2".repeat(64));
    let lock = dir.path().join("lock.json");
    std::fs::write(
        &lock,
        format!(
            r#"{{"schemaVersion":1,"images":{{"docker.io/library/node:20":"{d1}","docker.io/library/busybox:latest":"{d2}"}}}}"#
        ),
    )
    .unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM node:20\nCOPY --from=busybox /bin/sh /sh\n").unwrap();
    let k8s = dir.path().join("pod.yaml");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: 'node:20' # app\n";
    std::fs::write(&k8s, pod).unwrap();
    let o = pare(&[
        "fix",
        "--lock",
        lock.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        format!("FROM node:20@{d1}\nCOPY --from=busybox:latest@{d2} /bin/sh /sh\n")
    );
    // Other lint fixes apply to the manifest too; the image line is pinned.
    let got = std::fs::read_to_string(&k8s).unwrap();
    assert!(
        got.contains(&format!("    image: 'node:20@{d1}' # app\n")),
        "{got}"
    );
}

/// With a lock, recorded digests are used as they are; `--update` asks the
/// registry again and rewrites the lock.
#[test]
fn lock_is_trusted_until_update() {
    let reg = FakeRegistry::start();
    let a = &reg.addr;
    let (old, _) = reg.tag("base", "1", "old");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let lock = dir.path().join("lock.json");
    let lock_s = lock.to_str().unwrap();
    let df = src.join("Dockerfile");
    std::fs::write(&df, format!("FROM {a}/base:1\n")).unwrap();
    assert_eq!(pin(&src, a, &["--lock", lock_s]).status.code(), Some(0));
    let (new, _) = reg.tag("base", "1", "new");
    // The lock still says `old`: nothing is stale against it.
    let o = pin(&src, a, &["--lock", lock_s, "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = pin(&src, a, &["--lock", lock_s, "--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        format!("FROM {a}/base:1@{new}\n")
    );
    let text = std::fs::read_to_string(&lock).unwrap();
    assert!(text.contains(&new) && !text.contains(&old), "{text}");
}

#[test]
fn unauthorized_is_one_error_line() {
    let reg = FakeRegistry::start();
    let a = &reg.addr;
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, format!("FROM {a}/private/app:1\n")).unwrap();
    let o = pin(dir.path(), a, &[]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(&format!("`{a}/private/app:1`")), "{err}");
    assert!(errors[0].contains("401"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        format!("FROM {a}/private/app:1\n")
    );
}
