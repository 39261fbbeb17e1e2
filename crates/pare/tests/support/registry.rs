//! Debian's real `docker-registry` on loopback for the registry tests:
//! anonymous over plain HTTP, or htpasswd basic auth behind TLS with a
//! CA-signed leaf; images pushed with `skopeo copy`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const USER: &str = "pare";
pub const PASSWORD: &str = "s3cret-pw";
const APT: &str = "apt-get install -y docker-registry skopeo apache2-utils openssl";

pub fn need(bin: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()));
    assert!(found, "`{bin}` is not installed; install it with `{APT}`");
}

pub fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `docker-registry`, killed on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The CA that signed the registry's leaf (TLS registries).
    pub ca: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    pub fn start(secure: bool) -> Self {
        let tools: &[&str] = if secure {
            &["docker-registry", "skopeo", "htpasswd", "openssl"]
        } else {
            &["docker-registry", "skopeo"]
        };
        for b in tools {
            need(b);
        }
        let dir = super::tmp();
        let d = dir.path();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp:\n  addr: {addr}\n  secret: pare-test-secret\n",
            d.join("data").display()
        );
        let mut ca = None;
        if secure {
            make_certs(d);
            run(Command::new("htpasswd")
                .args(["-Bbc"])
                .arg(d.join("htpasswd"))
                .args([USER, PASSWORD]));
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd: {{realm: pare-test, path: {}}}\n",
                d.join("server.crt").display(),
                d.join("server.key").display(),
                d.join("htpasswd").display()
            ));
            ca = Some(d.join("certs/ca.crt"));
        }
        std::fs::write(d.join("config.yml"), config).unwrap();
        let log = std::fs::File::create(d.join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let reg = Self {
            child,
            addr,
            ca,
            _dir: dir,
        };
        let start = Instant::now();
        while TcpStream::connect(&reg.addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "docker-registry did not start on {}",
                reg.addr
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    /// `skopeo copy` a fleet image's OCI layout to `pare/<name>:latest`.
    pub fn push(&self, name: &str) -> String {
        self.push_layout(&super::fleet_dir().join(name).join("oci"), name, "latest")
    }

    /// `skopeo copy` the `latest` image of an OCI layout to `pare/<name>:<tag>`.
    pub fn push_layout(&self, layout: &Path, name: &str, tag: &str) -> String {
        assert!(
            layout.join("index.json").is_file(),
            "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
            layout.display()
        );
        let dest = format!("{}/pare/{name}:{tag}", self.addr);
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--quiet"]);
        match &self.ca {
            Some(ca) => {
                cmd.arg("--dest-creds")
                    .arg(format!("{USER}:{PASSWORD}"))
                    .arg("--dest-cert-dir")
                    .arg(ca.parent().unwrap());
            }
            None => {
                cmd.arg("--dest-tls-verify=false");
            }
        }
        cmd.arg(format!("oci:{}:latest", layout.display()))
            .arg(format!("docker://{dest}"));
        run(&mut cmd);
        dest
    }

    /// What the registry has logged (its access log among it: one line
    /// per request, `"GET /v2/… HTTP/1.1" 200 …`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("registry.log")).unwrap()
    }

    pub fn flags(&self) -> Vec<String> {
        match &self.ca {
            Some(ca) => vec![
                "--ca-file".into(),
                ca.display().to_string(),
                "--username".into(),
                USER.into(),
                "--password-stdin".into(),
            ],
            None => vec!["--insecure-registry".into(), self.addr.clone()],
        }
    }
}

/// A CA plus a `CA:FALSE` leaf for 127.0.0.1 (rustls refuses a
/// self-signed `CA:TRUE` certificate as a server certificate).
fn make_certs(d: &Path) {
    std::fs::create_dir_all(d.join("certs")).unwrap();
    let ca_key = d.join("ca.key");
    let ca_crt = d.join("certs/ca.crt");
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pare test CA",
            "-keyout",
        ])
        .arg(&ca_key)
        .arg("-out")
        .arg(&ca_crt));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(d.join("server.key"))
        .arg("-out")
        .arg(d.join("server.csr")));
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-CAcreateserial", "-in"])
        .arg(d.join("server.csr"))
        .arg("-CA")
        .arg(&ca_crt)
        .arg("-CAkey")
        .arg(&ca_key)
        .arg("-extfile")
        .arg(d.join("leaf.ext"))
        .arg("-out")
        .arg(d.join("server.crt")));
}
