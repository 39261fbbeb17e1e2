//! Helpers of the tests over the real-image fleet that run what they
//! check (`slim_run.rs`, `verify_checks.rs`): slim and verify through the
//! CLI, unpack a layout, run its entrypoint with `bwrap`, talk HTTP to it,
//! and break a fleet image by adding a layer.

use super::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn fleet(name: &str) -> PathBuf {
    let d = fleet_dir().join(name).join("oci");
    assert!(
        d.join("index.json").is_file(),
        "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
        d.display()
    );
    d
}

pub fn need(tool: &str) {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    assert!(ok, "`{tool}` is needed (apt-get install bubblewrap)");
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `pare slim IMAGE -o OUT --format json`: the report.
pub fn slim(image: &Path, outdir: &Path) -> Value {
    let o = pare(&[
        "slim",
        &path_str(image),
        "-o",
        &path_str(outdir),
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "slim: {}\n{}",
        stderr(&o),
        out(&o)
    );
    serde_json::from_slice(&o.stdout).expect("slim JSON")
}

/// The blob of a layout by digest.
pub fn blob(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

pub fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Unpack every layer of a layout in order with the system's `tar` (gzip
/// layers): the original image's root filesystem, to run it as the
/// slimmed one is. Fails on a whiteout, which this does not apply.
pub fn unpack_layers(layout: &Path, dest: &Path) {
    let (m, _) = manifest_config(layout);
    for l in m["layers"].as_array().unwrap() {
        let o = Command::new("tar")
            .args([
                "-xzpf",
                &path_str(&blob(layout, l["digest"].as_str().unwrap())),
            ])
            .args(["--numeric-owner", "-C", &path_str(dest)])
            .output()
            .unwrap();
        assert!(o.status.success(), "tar: {}", stderr(&o));
    }
    let o = Command::new("find")
        .arg(dest)
        .args(["-name", ".wh.*"])
        .output()
        .unwrap();
    assert!(
        o.stdout.is_empty(),
        "whiteouts not applied: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// (manifest, config) of a one-image layout.
pub fn manifest_config(layout: &Path) -> (Value, Value) {
    let index = read_json(&layout.join("index.json"));
    let m = read_json(&blob(
        layout,
        index["manifests"][0]["digest"].as_str().unwrap(),
    ));
    let c = read_json(&blob(layout, m["config"]["digest"].as_str().unwrap()));
    (m, c)
}

/// Unpack a slimmed (one-layer) layout with the system's `tar`, keeping
/// owners and modes: the root filesystem the app is run from.
pub fn unpack(layout: &Path, dest: &Path) {
    let (m, _) = manifest_config(layout);
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "slim writes one layer");
    let o = Command::new("tar")
        .args([
            "-xzpf",
            &path_str(&blob(layout, layers[0]["digest"].as_str().unwrap())),
        ])
        .args(["--numeric-owner", "-C", &path_str(dest)])
        .output()
        .unwrap();
    assert!(o.status.success(), "tar: {}", stderr(&o));
}

/// The config's argv, env and working directory.
pub fn runtime(layout: &Path) -> (Vec<String>, Vec<String>, String, String) {
    let (_, c) = manifest_config(layout);
    let cc = &c["config"];
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut argv = strs(&cc["Entrypoint"]);
    argv.extend(strs(&cc["Cmd"]));
    let env = strs(&cc["Env"]);
    let wd = cc["WorkingDir"].as_str().unwrap_or("/").to_string();
    let wd = if wd.is_empty() { "/".into() } else { wd };
    let user = cc["User"].as_str().unwrap_or("").to_string();
    (argv, env, wd, user)
}

/// `bwrap` over `root`: read-only root, fresh /dev, /proc and /tmp, as
/// uid:gid, the image's env (+ `extra`), sharing the host's network
/// (so the test can talk to a server) unless `net` is false.
pub fn bwrap(
    root: &Path,
    argv: &[String],
    env: &[String],
    cwd: &str,
    ids: (u32, u32),
    net: bool,
) -> Command {
    let mut c = Command::new("bwrap");
    c.arg("--ro-bind").arg(root).arg("/");
    c.args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);
    if net {
        c.args([
            "--unshare-user",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
        ]);
    } else {
        c.arg("--unshare-all");
    }
    c.args([
        "--die-with-parent",
        "--uid",
        &ids.0.to_string(),
        "--gid",
        &ids.1.to_string(),
    ]);
    c.args(["--chdir", cwd, "--clearenv"]);
    for e in env {
        let (k, v) = e.split_once('=').unwrap();
        c.args(["--setenv", k, v]);
    }
    c.arg("--").args(argv);
    c
}

pub fn ids(user: &str) -> (u32, u32) {
    let mut it = user.split(':');
    let u = it
        .next()
        .and_then(|u| u.parse().ok())
        .filter(|u| *u != 0)
        .unwrap_or(65532);
    let g = it.next().and_then(|g| g.parse().ok()).unwrap_or(u);
    (u, g)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the server, GET / until it answers (or `limit`), stop it.
pub fn http_get(mut cmd: Command, port: u16, limit: Duration) -> Result<String, String> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bwrap");
    let t0 = Instant::now();
    let answer = loop {
        if let Ok(Some(s)) = child.try_wait() {
            let mut e = String::new();
            child.stderr.take().unwrap().read_to_string(&mut e).unwrap();
            break Err(format!("exited with {s}: {e}"));
        }
        if t0.elapsed() > limit {
            break Err("no answer in time".into());
        }
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            if !r.is_empty() {
                break Ok(r);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    answer
}

/// `pare verify --format json [args] IMAGE`: (exit code, report).
pub fn verify(image: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["verify", "--format", "json"];
    all.extend_from_slice(args);
    let img = path_str(image);
    all.push(&img);
    let o = pare(&all);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("verify JSON ({e}): {}", stderr(&o)));
    (o.status.code().unwrap(), v)
}

pub fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

pub fn sbom(image: &Path) -> Vec<Value> {
    let o = pare(&["sbom", "--format", "json", &path_str(image)]);
    assert_eq!(o.status.code(), Some(0), "sbom: {}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["packages"].as_array().unwrap().clone()
}

/// A package by ecosystem, name, version and where it was found (npm
/// installs the same version at several places).
pub fn key(p: &Value) -> String {
    format!(
        "{}/{}@{} {}",
        p["ecosystem"].as_str().unwrap(),
        p["name"].as_str().unwrap(),
        p["version"].as_str().unwrap(),
        p["locations"][0].as_str().unwrap_or("")
    )
}

/// `path` inside `root`, resolving the image's symlinks (absolute ones
/// against `root`): whether a non-directory file is there.
pub fn exists_in(root: &Path, path: &str) -> bool {
    let mut cur = PathBuf::from("/");
    let mut parts: Vec<String> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(String::from)
        .collect();
    let mut hops = 0;
    while let Some(c) = parts.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&c);
        let host = root.join(next.strip_prefix("/").unwrap());
        let Ok(meta) = std::fs::symlink_metadata(&host) else {
            return false;
        };
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return false;
            }
            let t = std::fs::read_link(&host).unwrap();
            let t = t.to_string_lossy().into_owned();
            if t.starts_with('/') {
                cur = PathBuf::from("/");
            }
            parts.extend(
                t.split('/')
                    .filter(|c| !c.is_empty() && *c != ".")
                    .rev()
                    .map(String::from),
            );
        } else {
            cur = next;
        }
    }
    std::fs::metadata(root.join(cur.strip_prefix("/").unwrap())).is_ok_and(|m| !m.is_dir())
}

/// Every package pare's SBOM lists for the slimmed image has a file left
/// in it, and every package of the original whose files remain is listed.
pub fn assert_sbom_exact(original: &Path, slimmed: &Path, root: &Path) {
    let before = sbom(original);
    let after = sbom(slimmed);
    let after_keys: BTreeSet<String> = after.iter().map(key).collect();
    let files_of = |p: &Value| -> Vec<String> {
        let mut f: Vec<String> = p["files"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        // A dpkg, apk or rpm record's location is the database, which
        // stays.
        if !matches!(p["ecosystem"].as_str(), Some("deb" | "apk" | "rpm")) {
            f.extend(
                p["locations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string()),
            );
        }
        f
    };
    for p in &after {
        assert!(
            files_of(p)
                .iter()
                .any(|f| exists_in(root, f.split('!').next().unwrap())),
            "{} is listed but none of its files remain",
            key(p)
        );
    }
    let mut kept = 0;
    for p in &before {
        let remains = files_of(p)
            .iter()
            .any(|f| exists_in(root, f.split('!').next().unwrap()));
        if remains {
            kept += 1;
        }
        assert_eq!(
            after_keys.contains(&key(p)),
            remains,
            "{}: listed after slim = {}, but files remain = {}",
            key(p),
            after_keys.contains(&key(p)),
            remains
        );
    }
    assert!(
        kept > 0 && kept < before.len(),
        "{kept} of {} packages kept",
        before.len()
    );
}

/// Run `layout`'s entrypoint over `root` in the sandbox with `PORT` set,
/// and check that it answers `GET /` with `ok` within a minute.
pub fn assert_serves_ok(layout: &Path, root: &Path, what: &str) {
    let (argv, mut env, cwd, user) = runtime(layout);
    let port = free_port();
    env.push(format!("PORT={port}"));
    let r = http_get(
        bwrap(root, &argv, &env, &cwd, ids(&user), true),
        port,
        Duration::from_secs(60),
    );
    let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        r.starts_with("HTTP/1.") && r.ends_with("ok\n"),
        "{what}: {r}"
    );
}

/// Slim `name`, check the result verifies and its SBOM is exact, and
/// return (report, layout, unpacked root).
pub fn slim_and_unpack(name: &str, t: &Path) -> (Value, PathBuf, PathBuf) {
    need("bwrap");
    let src = fleet(name);
    let outdir = t.join("slim");
    let report = slim(&src, &outdir);
    let before = report["before"]["bytes"].as_u64().unwrap();
    let after = report["after"]["bytes"].as_u64().unwrap();
    assert!(after < before, "{name}: {after} >= {before}");
    let (code, v) = verify(&outdir, &[]);
    assert_eq!(
        (code, codes(&v).len()),
        (0, 0),
        "verify of slimmed {name}: {v}"
    );
    let root = t.join("root");
    std::fs::create_dir(&root).unwrap();
    unpack(&outdir, &root);
    let tmp = std::fs::symlink_metadata(root.join("tmp")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(tmp.permissions().mode() & 0o7777, 0o1777, "/tmp mode");
    assert_sbom_exact(&src, &outdir, &root);
    (report, outdir, root)
}

/// Copy a fleet layout to `dst`, add a layer (`entries`, uncompressed)
/// and edit the config.
pub fn mutate(src: &Path, dst: &Path, entries: &[E], edit: impl FnOnce(&mut Value)) {
    let layer = if entries.is_empty() {
        Vec::new()
    } else {
        tar_bytes(entries)
    };
    mutate_layer(src, dst, &layer, edit);
}

pub fn mutate_with_tar(src: &Path, dst: &Path, layer: &[u8]) {
    mutate_layer(src, dst, layer, |_| {});
}

pub fn mutate_layer(src: &Path, dst: &Path, layer: &[u8], edit: impl FnOnce(&mut Value)) {
    let o = Command::new("cp")
        .arg("-a")
        .arg(src)
        .arg(dst)
        .output()
        .unwrap();
    assert!(o.status.success());
    let index_p = dst.join("index.json");
    let mut index = read_json(&index_p);
    let (mut m, mut c) = manifest_config(dst);
    if !layer.is_empty() {
        let d = sha256(layer);
        std::fs::write(blob(dst, &d), layer).unwrap();
        m["layers"].as_array_mut().unwrap().push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": layer.len()}));
        c["rootfs"]["diff_ids"]
            .as_array_mut()
            .unwrap()
            .push(Value::String(d));
        if let Some(h) = c["history"].as_array_mut() {
            h.push(serde_json::json!({"created_by": "test: break the image"}));
        }
    }
    edit(&mut c);
    let cb = serde_json::to_vec(&c).unwrap();
    let cd = sha256(&cb);
    std::fs::write(blob(dst, &cd), &cb).unwrap();
    m["config"]["digest"] = Value::String(cd);
    m["config"]["size"] = Value::from(cb.len());
    let mb = serde_json::to_vec(&m).unwrap();
    let md = sha256(&mb);
    std::fs::write(blob(dst, &md), &mb).unwrap();
    index["manifests"][0]["digest"] = Value::String(md);
    index["manifests"][0]["size"] = Value::from(mb.len());
    std::fs::write(&index_p, serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A layer with one directory (and its parent) owned by `uid`.
pub fn user_dir_layer(dir: &str, uid: u64) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let parent = format!("{}/", dir.trim_end_matches('/').rsplit_once('/').unwrap().0);
    for (p, owner) in [(parent.as_str(), 0), (dir, uid)] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(owner);
        h.set_gid(owner);
        h.set_size(0);
        b.append_data(&mut h, p, std::io::empty()).unwrap();
    }
    b.into_inner().unwrap()
}

/// Run nginx (`nginx -g 'daemon off;'`) under `bwrap` over the root
/// filesystem `root`, read-only but for a fresh directory at each of
/// `writable`: `(None, stderr)` when it is still running after 4 s, else
/// its exit code. As the image runs it: as root (its master binds port 80,
/// in a network namespace of its own, and hands its temporary directories
/// to `www-data`, uid 33, which a user namespace of one uid cannot map),
/// so the test itself must run as root, as CI does; it says so otherwise.
pub fn run_nginx(root: &Path, writable: &[String]) -> (Option<i32>, String) {
    need("bwrap");
    assert!(
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0")),
        "this test runs nginx as root under bwrap: run it as root"
    );
    let mut c = Command::new("bwrap");
    c.arg("--ro-bind").arg(root).arg("/");
    c.args(["--dev", "/dev", "--proc", "/proc"]);
    for d in writable {
        c.args(["--tmpfs", d]);
    }
    c.args([
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
    ]);
    c.args(["--die-with-parent", "--clearenv"]);
    c.args(["--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"]);
    c.args(["--", "nginx", "-g", "daemon off;"]);
    let mut child = c
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if start.elapsed() > std::time::Duration::from_secs(4) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status, err)
}

/// `pare verify --read-only-rootfs` of `image`: its exit code and the
/// directories its VFY010 findings name, in order.
pub fn read_only_dirs(image: &Path) -> (i32, Vec<String>) {
    let (code, v) = verify(image, &["--read-only-rootfs"]);
    let dirs = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "VFY010")
        .filter_map(|f| f["message"].as_str()?.split('`').nth(1).map(str::to_string))
        .collect();
    (code, dirs)
}
