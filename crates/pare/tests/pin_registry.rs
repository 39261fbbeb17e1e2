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

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};
use support::{pare, stderr, tmp};

const APT: &str = "apt-get install -y docker-registry skopeo";

fn need(bin: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()));
    assert!(found, "`{bin}` is not installed; install it with `{APT}`");
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A running `docker-registry`, killed on drop.
struct Registry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    fn start() -> Self {
        for b in ["docker-registry", "skopeo"] {
            need(b);
        }
        let dir = tmp();
        let d = dir.path();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp:\n  addr: {addr}\n  secret: pare-test-secret\n",
            d.join("data").display()
        );
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

    /// `skopeo copy` a fleet image to `pare/app:<tag>`; returns the digest
    /// the registry now serves for it, as `skopeo inspect` reports it.
    fn push(&self, fleet: &str, tag: &str) -> String {
        let layout = support::fleet_dir().join(fleet).join("oci");
        assert!(
            layout.join("index.json").is_file(),
            "fleet image `{fleet}` is missing at {}; build it with `scripts/fleet.sh {fleet}`",
            layout.display()
        );
        let dest = format!("docker://{}/pare/app:{tag}", self.addr);
        run(Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .arg(format!("oci:{}:latest", layout.display()))
            .arg(&dest));
        run(Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(&dest))
    }
}

fn pin(reg: &Registry, path: &std::path::Path, extra: &[&str]) -> Output {
    let p = path.to_str().unwrap();
    let mut args = vec!["pin", p, "--insecure-registry", &reg.addr];
    args.extend_from_slice(extra);
    pare(&args)
}

#[test]
fn tag_moves_check_reports_update_fixes() {
    let reg = Registry::start();
    let a = &reg.addr;
    let first = reg.push("distroless", "1");
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
    let second = reg.push("layers", "1");
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
