//! Docker `config.json` entries with an `identitytoken` (what `docker
//! login` stores for Azure Container Registry and other OAuth2
//! registries): pare trades the token for an access token with the OAuth2
//! refresh-token grant (`POST` to the challenge's realm), as Docker does,
//! against a small registry of this test's own on loopback that accepts
//! nothing else.

mod support;
use support::*;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const REFRESH: &str = "eyJhbGciOiJSUzI1NiJ9.pare-refresh";
const ACCESS: &str = "acc-0001";

/// (request line, form fields of a POST body)
type Log = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

struct OAuthRegistry {
    addr: String,
    stop: Arc<AtomicBool>,
    log: Log,
}

impl Drop for OAuthRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn decode_form(body: &str) -> HashMap<String, String> {
    let unescape = |s: &str| {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (unescape(k), unescape(v)))
        .collect()
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let _ = s.flush();
}

fn serve(mut s: TcpStream, layout: &Path, addr: &str, log: &Log) -> std::io::Result<()> {
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let (mut auth, mut len) = (None, 0usize);
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = Some(v.trim().to_string());
            }
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; len.min(1 << 20)];
    r.read_exact(&mut body)?;
    let form = decode_form(&String::from_utf8_lossy(&body));
    let line = line.trim().to_string();
    log.lock().unwrap().push((line.clone(), form.clone()));
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    if target.starts_with("/oauth2/token") {
        // Only the refresh-token grant is accepted, never a GET.
        let ok = method == "POST"
            && form.get("grant_type").map(String::as_str) == Some("refresh_token")
            && form.get("refresh_token").map(String::as_str) == Some(REFRESH);
        if ok {
            let reply = format!(r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}"}}"#);
            respond(&mut s, "200 OK", &[], reply.as_bytes());
        } else {
            respond(
                &mut s,
                "401 Unauthorized",
                &[],
                br#"{"error":"invalid_grant"}"#,
            );
        }
        return Ok(());
    }
    if auth.as_deref() != Some(&format!("Bearer {ACCESS}")) {
        let challenge = format!(
            r#"Bearer realm="http://{addr}/oauth2/token",service="{addr}",scope="repository:pare/x:pull""#
        );
        respond(
            &mut s,
            "401 Unauthorized",
            &[("WWW-Authenticate", challenge)],
            b"",
        );
        return Ok(());
    }
    let blob = |d: &str| {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
        )
    };
    if let Some(rest) = target.strip_prefix("/v2/pare/x/manifests/") {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json"))?).unwrap();
        let digest = if rest.starts_with("sha256:") {
            rest.to_string()
        } else {
            index["manifests"][0]["digest"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let body = blob(&digest)?;
        let headers = [
            (
                "Content-Type",
                "application/vnd.oci.image.manifest.v1+json".to_string(),
            ),
            ("Docker-Content-Digest", sha256(&body)),
        ];
        respond(
            &mut s,
            "200 OK",
            &headers,
            if method == "HEAD" { b"" } else { &body },
        );
        return Ok(());
    }
    if let Some(d) = target.strip_prefix("/v2/pare/x/blobs/") {
        match blob(d) {
            Ok(b) => respond(&mut s, "200 OK", &[], &b),
            Err(_) => respond(&mut s, "404 Not Found", &[], b""),
        }
        return Ok(());
    }
    respond(&mut s, "404 Not Found", &[], b"");
    Ok(())
}

impl OAuthRegistry {
    fn start(layout: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let log: Log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2, layout, addr2) = (
            stop.clone(),
            log.clone(),
            layout.to_path_buf(),
            addr.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(s) = conn {
                    let _ = serve(s, &layout, &addr2, &log2);
                }
            }
        });
        Self { addr, stop, log }
    }
}

/// A `DOCKER_CONFIG` directory whose `config.json` has ACR's shape: a
/// placeholder user in `auth` and the refresh token in `identitytoken`.
fn docker_config(dir: &Path, host: &str, token: &str) -> PathBuf {
    let d = dir.join("docker");
    std::fs::create_dir_all(&d).unwrap();
    let cfg = serde_json::json!({"auths": {host: {
        "auth": "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==",
        "identitytoken": token,
    }}});
    std::fs::write(d.join("config.json"), serde_json::to_vec(&cfg).unwrap()).unwrap();
    d
}

fn inspect(docker: &Path, reference: &str, insecure: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .args([
            "inspect",
            "--format",
            "json",
            "--insecure-registry",
            insecure,
            reference,
        ])
        .env("DOCKER_CONFIG", docker)
        .output()
        .expect("run pare")
}

#[test]
fn identity_token_uses_the_oauth2_refresh_grant() {
    let t = tmp();
    let layout = t.path().join("oci");
    one_file_layout(&layout);
    let reg = OAuthRegistry::start(&layout);
    let docker = docker_config(t.path(), &reg.addr, REFRESH);
    let reference = format!("{}/pare/x:latest", reg.addr);
    let o = inspect(&docker, &reference, &reg.addr);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = reg.log.lock().unwrap().clone();
    let posts: Vec<_> = log
        .iter()
        .filter(|(l, _)| l.starts_with("POST /oauth2/token"))
        .collect();
    assert_eq!(posts.len(), 1, "one token for the whole pull: {log:?}");
    let form = &posts[0].1;
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], REFRESH);
    assert_eq!(form["scope"], "repository:pare/x:pull");
    assert_eq!(form["service"], reg.addr);
    assert!(form.contains_key("client_id"));
    assert!(
        !log.iter().any(|(l, _)| l.starts_with("GET /oauth2/token")),
        "the refresh token never goes in a URL: {log:?}"
    );
    drop(log);

    // A refresh token the registry rejects: one line, no token printed.
    let docker = docker_config(&t.path().join("bad"), &reg.addr, "not-the-token-987");
    let o = inspect(&docker, &reference, &reg.addr);
    assert_one_line_error(&o, &reference, "(401)");
    assert!(!stderr(&o).contains("not-the-token-987"), "{}", stderr(&o));
}
