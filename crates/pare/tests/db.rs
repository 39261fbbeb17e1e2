//! `pare db import|status|update` end to end, with a loopback HTTP server
//! serving OSV zips built from ../shared/vulndb.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn vulndb() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndb");
    let p = if p.is_dir() {
        p
    } else {
        PathBuf::from("/work/shared/vulndb")
    };
    assert!(
        p.join("osv-crates").is_dir(),
        "shared vulndb not found at `{}`\nhint: it ships in /work/shared/vulndb",
        p.display()
    );
    p
}

fn pare(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare"))
        .arg("db")
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("PARE_DB")
        .output()
        .expect("run pare")
}

fn status_json(db: &Path) -> serde_json::Value {
    let out = pare(db, &["status", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status json")
}

fn count_json(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count()
}

#[test]
fn import_then_status_counts() {
    let src = vulndb();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sub/vuln.db");
    let crates = src.join("osv-crates/crates");
    let out = pare(&db, &["import", crates.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = status_json(&db);
    assert_eq!(s["schemaVersion"], 1);
    let n = count_json(&crates) as u64;
    assert_eq!(s["records"].as_u64(), Some(n));
    assert_eq!(
        s["withdrawn"].as_u64(),
        Some(13),
        "PROVENANCE: 13 withdrawn"
    );
    assert!(s["ecosystems"]["crates.io"].as_u64().unwrap() >= n - 13);
    assert_eq!(s["stale"], false);
    // A second source adds its ecosystem and keeps the first.
    let go = src.join("osv-go-served");
    let out = pare(&db, &["import", go.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let s2 = status_json(&db);
    assert_eq!(s2["records"].as_u64(), Some(n + 130));
    assert!(s2["ecosystems"]["Go"].as_u64().unwrap() > 0);
    assert_eq!(s2["ecosystems"]["crates.io"], s["ecosystems"]["crates.io"]);
    // Table output names the ecosystems.
    let t = pare(&db, &["status"]);
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(text.contains("crates.io") && text.contains("Go"), "{text}");
    // A missing input is one error line, exit 2.
    let bad = pare(&db, &["import", "/nonexistent/x.json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent/x.json"));
}

/// Builds an OSV-export-style zip (flat `<ID>.json`) of the first `n` JSON
/// files of `dir`.
fn build_zip(dir: &Path, n: usize) -> Vec<u8> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.truncate(n);
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        zw.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zw.write_all(&std::fs::read(&f).unwrap()).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

#[derive(Clone)]
enum Serve {
    /// The body with this ETag; 304 when If-None-Match matches.
    Zip(Vec<u8>, String),
    /// Promise the full length, send half, close.
    Truncated(Vec<u8>),
}

struct Server {
    url: String,
    serve: Arc<Mutex<Serve>>,
    /// Request heads seen.
    seen: Arc<Mutex<Vec<String>>>,
}

fn server(initial: Serve) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serve = Arc::new(Mutex::new(initial));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (s2, seen2) = (Arc::clone(&serve), Arc::clone(&seen));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            seen2.lock().unwrap().push(head.clone());
            let inm = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .starts_with("if-none-match:")
                        .then(|| l[14..].trim().to_owned())
                })
                .unwrap_or_default();
            let current = s2.lock().unwrap().clone();
            let _ = match current {
                Serve::Zip(_, etag) if inm == etag => conn.write_all(
                    format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                ),
                Serve::Zip(body, etag) => conn
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| conn.write_all(&body)),
                Serve::Truncated(body) => conn
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"t\"\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| conn.write_all(&body[..body.len() / 2])),
            };
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
    });
    Server { url, serve, seen }
}

fn update(db: &Path, url: &str) -> Output {
    pare(
        db,
        &[
            "update",
            "--base-url",
            url,
            "--ecosystem",
            "crates.io",
            "--timeout",
            "60",
        ],
    )
}

#[test]
fn update_conditional_atomic() {
    let src = vulndb().join("osv-crates/crates");
    let zip_a = build_zip(&src, 200);
    let srv = server(Serve::Zip(zip_a, "\"v1\"".into()));
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");

    // First update downloads.
    let out = update(&db, &srv.url);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("downloaded"), "{err}");
    let s = status_json(&db);
    assert_eq!(s["records"].as_u64(), Some(200));
    assert_eq!(s["feeds"][0]["ecosystem"], "crates.io");
    assert_eq!(s["feeds"][0]["etag"], "\"v1\"");
    assert!(srv.seen.lock().unwrap()[0].contains("GET /crates.io/all.zip"));

    // Second: the server sees If-None-Match and answers 304; nothing rebuilt.
    let mtime = std::fs::metadata(&db).unwrap().modified().unwrap();
    let out = update(&db, &srv.url);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("not modified"), "{err}");
    let head = srv.seen.lock().unwrap()[1].to_ascii_lowercase();
    assert!(head.contains("if-none-match: \"v1\""), "{head}");
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), mtime);
    assert_eq!(status_json(&db)["records"].as_u64(), Some(200));

    // A download cut mid-body: exit 2, the old database still works.
    *srv.serve.lock().unwrap() = Serve::Truncated(build_zip(&src, 300));
    let out = update(&db, &srv.url);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(status_json(&db)["records"].as_u64(), Some(200));
    assert_eq!(status_json(&db)["feeds"][0]["etag"], "\"v1\"");

    // A corrupt archive: exit 2, the old database still works.
    let mut bad = build_zip(&src, 300);
    let mid = bad.len() / 2;
    bad.truncate(mid);
    *srv.serve.lock().unwrap() = Serve::Zip(bad, "\"v2\"".into());
    let out = update(&db, &srv.url);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(status_json(&db)["records"].as_u64(), Some(200));
    // No temp files left beside the database.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A changed feed is downloaded and replaces the database.
    *srv.serve.lock().unwrap() = Serve::Zip(build_zip(&src, 300), "\"v3\"".into());
    let out = update(&db, &srv.url);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = status_json(&db);
    assert_eq!(s["records"].as_u64(), Some(300));
    assert_eq!(s["feeds"][0]["etag"], "\"v3\"");
}
