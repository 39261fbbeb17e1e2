//! The registry source against a tiny registry of our own on loopback
//! (a `std::net::TcpListener` thread serving a synthetic OCI layout),
//! which can misbehave on purpose: wrong blob bytes, a connection dropped
//! mid-blob, 429 with `Retry-After`, 503 forever, a lying
//! `Docker-Content-Digest`, and the bearer-token flow with and without
//! credentials. The real `docker-registry` is exercised in `registry.rs`.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use support::{
    assert_one_line_error, oci_layout, pare, path_str, stderr, tmp, Comp, Faults, Layer, E,
};

/// How the fake registry misbehaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Honest,
    /// Sends half of each layer blob, then closes the connection.
    DropMidBlob,
    /// Answers the first manifest request with 429 + `Retry-After: 1`.
    RateLimitOnce,
    /// Answers every request with 503.
    Unavailable,
    /// Sends a `Docker-Content-Digest` that is not the manifest's digest.
    LyingDigestHeader,
    /// Requires a bearer token from `/token` (basic `pare:tok-pw` when
    /// `creds` is set, anonymous otherwise).
    Bearer {
        creds: bool,
    },
}

/// Request lines seen, with their `Authorization` header.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct FakeRegistry {
    addr: String,
    stop: Arc<AtomicBool>,
    /// Request lines seen, with the `Authorization` header.
    log: Log,
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Unblock accept().
        let _ = TcpStream::connect(&self.addr);
    }
}

impl FakeRegistry {
    fn start(layout: &Path, mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2, layout, addr2) = (
            stop.clone(),
            log.clone(),
            layout.to_path_buf(),
            addr.clone(),
        );
        std::thread::spawn(move || {
            let mut state = HashMap::new();
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(s) = conn {
                    let _ = serve(s, &layout, mode, &addr2, &log2, &mut state);
                }
            }
        });
        Self { addr, stop, log }
    }

    fn requests(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, _)| l.contains(needle))
            .count()
    }
}

fn respond(
    s: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
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
    s.write_all(body)?;
    s.flush()
}

fn serve(
    mut s: TcpStream,
    layout: &Path,
    mode: Mode,
    addr: &str,
    log: &Mutex<Vec<(String, Option<String>)>>,
    state: &mut HashMap<&'static str, usize>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut auth = None;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = Some(v.trim().to_string());
            }
        }
    }
    let line = line.trim().to_string();
    log.lock().unwrap().push((line.clone(), auth.clone()));
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("").to_string();
    let json_err = |code: &str| format!(r#"{{"errors":[{{"code":"{code}","message":"{code}"}}]}}"#);

    if mode == Mode::Unavailable {
        return respond(&mut s, "503 Service Unavailable", &[], b"");
    }
    if let Mode::Bearer { creds } = mode {
        if target.starts_with("/token") {
            let want = "Basic cGFyZTp0b2stcHc="; // pare:tok-pw
            if creds && auth.as_deref() != Some(want) {
                return respond(&mut s, "401 Unauthorized", &[], b"");
            }
            return respond(&mut s, "200 OK", &[], br#"{"token":"tok-123"}"#);
        }
        if auth.as_deref() != Some("Bearer tok-123") {
            let challenge = format!(
                r#"Bearer realm="http://{addr}/token",service="fake",scope="repository:pare/x:pull""#
            );
            return respond(
                &mut s,
                "401 Unauthorized",
                &[("WWW-Authenticate", challenge)],
                json_err("UNAUTHORIZED").as_bytes(),
            );
        }
    }
    if let Some(rest) = target.strip_prefix("/v2/pare/x/manifests/") {
        if mode == Mode::RateLimitOnce {
            let n = state.entry("manifest").or_insert(0);
            *n += 1;
            if *n == 1 {
                return respond(
                    &mut s,
                    "429 Too Many Requests",
                    &[("Retry-After", "1".into())],
                    b"",
                );
            }
        }
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json"))?).unwrap();
        // The liar serves its one manifest whatever digest is asked for.
        let digest = if rest.starts_with("sha256:") && mode != Mode::LyingDigestHeader {
            rest.to_string()
        } else {
            index["manifests"][0]["digest"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let path = layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        let Ok(body) = std::fs::read(path) else {
            return respond(
                &mut s,
                "404 Not Found",
                &[],
                json_err("MANIFEST_UNKNOWN").as_bytes(),
            );
        };
        let header_digest = if mode == Mode::LyingDigestHeader {
            format!("sha256:{}", "0".repeat(64))
        } else {
            support::sha256(&body)
        };
        let headers = [
            (
                "Content-Type",
                "application/vnd.oci.image.manifest.v1+json".to_string(),
            ),
            ("Docker-Content-Digest", header_digest),
        ];
        return respond(
            &mut s,
            "200 OK",
            &headers,
            if method == "HEAD" { b"" } else { &body },
        );
    }
    if let Some(d) = target.strip_prefix("/v2/pare/x/blobs/sha256:") {
        let Ok(body) = std::fs::read(layout.join("blobs/sha256").join(d)) else {
            return respond(
                &mut s,
                "404 Not Found",
                &[],
                json_err("BLOB_UNKNOWN").as_bytes(),
            );
        };
        let is_layer = body.starts_with(&[0x1f, 0x8b]);
        if mode == Mode::DropMidBlob && is_layer {
            let head = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes())?;
            s.write_all(&body[..body.len() / 2])?;
            s.flush()?;
            return s.shutdown(std::net::Shutdown::Both);
        }
        return respond(&mut s, "200 OK", &[], &body);
    }
    respond(
        &mut s,
        "404 Not Found",
        &[],
        json_err("NAME_UNKNOWN").as_bytes(),
    )
}

/// A synthetic image in an OCI layout: one gzip layer with enough
/// incompressible bytes that half a blob is a real truncation.
fn image(faults: &Faults) -> (tempfile::TempDir, PathBuf) {
    let t = tmp();
    let dir = t.path().join("oci");
    let mut noise = Vec::with_capacity(256 * 1024);
    let mut x: u32 = 12345;
    for _ in 0..256 * 1024 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        noise.push((x >> 16) as u8);
    }
    let layers = vec![Layer::new(
        &[
            E::Dir("etc/"),
            E::File(
                "etc/os-release",
                b"ID=debian\nVERSION_ID=12\n".to_vec(),
                0o644,
            ),
            E::File("usr/bin/noise", noise, 0o755),
        ],
        Comp::Gzip,
    )];
    oci_layout(&dir, &layers, faults);
    (t, dir)
}

fn pare_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pare"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // pare may exit before it reads its stdin (a usage error is found
    // first): the write then fails with a broken pipe, which is not the
    // test's concern; its exit status and output are.
    match child.stdin.take().unwrap().write_all(input.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn inspect_json(args: &[&str]) -> serde_json::Value {
    let o = pare(args);
    assert_eq!(o.status.code(), Some(0), "pare {args:?}: {}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_object_mut().unwrap().remove("source");
    v
}

#[test]
fn honest_registry_equals_layout() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::Honest);
    let r = format!("{}/pare/x:latest", reg.addr);
    let from_reg = inspect_json(&[
        "inspect",
        "--format",
        "json",
        "--insecure-registry",
        &reg.addr,
        &r,
    ]);
    let from_dir = inspect_json(&["inspect", "--format", "json", &path_str(&dir)]);
    assert_eq!(from_reg, from_dir);
    assert!(from_reg["image"]["manifestDigest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    // Without `--insecure-registry` pare speaks TLS and fails clearly.
    let o = pare(&["inspect", &r]);
    assert_one_line_error(&o, &r, "tls");
}

#[test]
fn wrong_blob_bytes_is_a_digest_mismatch() {
    let other = Layer::new(&[E::File("b.txt", b"other".to_vec(), 0o644)], Comp::Gzip).blob();
    let (_t, dir) = image(&Faults {
        blob_override: Some((0, other)),
        ..Faults::default()
    });
    let reg = FakeRegistry::start(&dir, Mode::Honest);
    let r = format!("registry:{}/pare/x:latest", reg.addr);
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, "layer 0", "blob digest mismatch");
}

#[test]
fn connection_dropped_mid_blob() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::DropMidBlob);
    let r = format!("{}/pare/x:latest", reg.addr);
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, "layer 0", "connection lost");
}

#[test]
fn rate_limited_then_served() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::RateLimitOnce);
    let r = format!("{}/pare/x:latest", reg.addr);
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "--insecure-registry",
        &reg.addr,
        &r,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(reg.requests("GET /v2/pare/x/manifests/latest"), 2);
}

#[test]
fn unavailable_registry_gives_up() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::Unavailable);
    let r = format!("{}/pare/x:latest", reg.addr);
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, &r, "server error (503)");
    assert_eq!(reg.requests("manifests/latest"), 4);
}

#[test]
fn lying_digest_header_and_wrong_reference_digest() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::LyingDigestHeader);
    let r = format!("{}/pare/x:latest", reg.addr);
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, &r, "manifest digest mismatch");

    let honest = FakeRegistry::start(&dir, Mode::Honest);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let good = index["manifests"][0]["digest"].as_str().unwrap();
    let by_digest = format!("{}/pare/x@{good}", honest.addr);
    let o = pare(&["inspect", "--insecure-registry", &honest.addr, &by_digest]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A digest reference answered with other content.
    let wrong = format!("{}/pare/x@sha256:{}", reg.addr, "2".repeat(64));
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &wrong]);
    assert_one_line_error(&o, &wrong, "manifest digest mismatch: asked for");
    let missing = format!("{}/pare/x@sha256:{}", honest.addr, "1".repeat(64));
    let o = pare(&["inspect", "--insecure-registry", &honest.addr, &missing]);
    assert_one_line_error(&o, &missing, "not found (404)");
}

#[test]
fn bearer_token_flow_anonymous() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::Bearer { creds: false });
    let r = format!("{}/pare/x:latest", reg.addr);
    let o = pare(&[
        "inspect",
        "--format",
        "json",
        "--insecure-registry",
        &reg.addr,
        &r,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // One token for the whole pull, scoped as the challenge asked.
    assert_eq!(
        reg.requests("GET /token?scope=repository%3Apare%2Fx%3Apull&service=fake"),
        1
    );
}

#[test]
fn bearer_token_flow_with_credentials() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::Bearer { creds: true });
    let r = format!("{}/pare/x:latest", reg.addr);
    let args = [
        "inspect",
        "--insecure-registry",
        &reg.addr,
        "--username",
        "pare",
        "--password-stdin",
        &r,
    ];
    let o = pare_stdin(&args, "tok-pw\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = pare_stdin(&args, "wrong-pw-123\n");
    assert_one_line_error(&o, &r, "authentication failed (401)");
    assert!(!stderr(&o).contains("wrong-pw-123"), "{}", stderr(&o));
    // Anonymous against a registry that wants credentials.
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, &r, "authentication required (401)");
}

#[test]
fn unknown_repository_is_not_found() {
    let (_t, dir) = image(&Faults::default());
    let reg = FakeRegistry::start(&dir, Mode::Honest);
    let r = format!("{}/pare/nope:latest", reg.addr);
    let o = pare(&["inspect", "--insecure-registry", &reg.addr, &r]);
    assert_one_line_error(&o, &r, "not found (404)");
}

#[test]
fn password_stdin_needs_username() {
    let o = pare_stdin(&["inspect", "--password-stdin", "localhost:1/x:y"], "pw\n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
