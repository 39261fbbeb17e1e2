//! End-to-end tests of [`super::analyze`] over small synthetic root
//! filesystems: tiny hand-made ELF files and scripts in a temporary
//! directory, indexed with the reachability probes.

use super::{analyze, PackageReach, Reachability, Status, CAPTURE_GLOBS};
use pare_elf::synth::{elf, elf64};
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{FsIndex, IndexOptions};
use pare_image::{ConfigFile, Image};
use std::path::Path;

const LD: &str = "/lib64/ld-linux-x86-64.so.2";

/// A rootfs under construction.
struct Root(tempfile::TempDir);

impl Root {
    fn new() -> Self {
        let r = Root(tempfile::tempdir().unwrap());
        // The loader itself, owned by libc6 in every test.
        r.file(LD, &elf64(None, &[], None, None));
        r
    }
    fn path(&self, p: &str) -> std::path::PathBuf {
        self.0.path().join(p.trim_start_matches('/'))
    }
    fn file(&self, p: &str, data: &[u8]) {
        let f = self.path(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, data).unwrap();
    }
    fn symlink(&self, p: &str, target: &str) {
        let f = self.path(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, f).unwrap();
    }
    /// A 64-bit x86-64 program using the loader.
    fn exe(&self, p: &str, needed: &[&str], rpath: Option<&str>, runpath: Option<&str>) {
        self.file(p, &elf64(Some(LD), needed, rpath, runpath));
    }
    /// A 64-bit x86-64 shared library.
    fn lib(&self, p: &str, needed: &[&str], runpath: Option<&str>) {
        self.file(p, &elf64(None, needed, None, runpath));
    }
    fn analyze(&self, config: &str, packages: &[Package]) -> Reachability {
        let source = pare_source::open(&format!("dir:{}", self.0.path().display())).unwrap();
        let image = Image::open(source, None).unwrap();
        let opts = IndexOptions {
            capture: pare_fsindex::glob_set(CAPTURE_GLOBS),
            probes: super::probes(),
            ..IndexOptions::default()
        };
        let idx = FsIndex::build(&image, &opts).unwrap();
        let config: ConfigFile = serde_json::from_str(config).unwrap();
        analyze(Some(&config), &idx, packages)
    }
}

fn deb(name: &str, files: &[&str]) -> Package {
    pkg(Ecosystem::Deb, name, files)
}

fn pkg(ecosystem: Ecosystem, name: &str, files: &[&str]) -> Package {
    Package {
        name: name.to_string(),
        version: "1".to_string(),
        ecosystem,
        purl: String::new(),
        source_name: None,
        source_version: None,
        arch: None,
        licenses: Vec::new(),
        layer: None,
        locations: vec!["/var/lib/dpkg/status".to_string()],
        files: files.iter().map(ToString::to_string).collect(),
        dev: false,
        cataloger: "test",
    }
}

fn verdict<'a>(r: &'a Reachability, pkgs: &[Package], name: &str) -> &'a PackageReach {
    let i = pkgs.iter().position(|p| p.name == name).unwrap();
    &r.packages[i]
}

#[test]
fn origin_runpath_default_dirs_and_missing_libraries() {
    let root = Root::new();
    root.exe(
        "/app/bin/app",
        &["libfoo.so.1", "libmissing.so.9"],
        None,
        Some("$ORIGIN/../lib"),
    );
    root.lib("/app/lib/libfoo.so.1", &["libbar.so.2"], None);
    root.lib("/usr/lib/x86_64-linux-gnu/libbar.so.2", &[], None);
    root.exe("/usr/bin/unused", &[], None, None);
    let pkgs = [
        deb("libc6", &[LD]),
        deb("foo", &["/app/lib/libfoo.so.1"]),
        deb("libbar2", &["/usr/lib/x86_64-linux-gnu/libbar.so.2"]),
        deb("unused", &["/usr/bin/unused"]),
    ];
    let r = root.analyze(r#"{"config":{"Entrypoint":["/app/bin/app"]}}"#, &pkgs);
    assert_eq!(r.roots, ["/app/bin/app"]);
    assert_eq!(
        verdict(&r, &pkgs, "foo").chain,
        ["/app/bin/app", "libfoo.so.1 (foo)"]
    );
    assert_eq!(
        verdict(&r, &pkgs, "libbar2").chain,
        ["/app/bin/app", "libfoo.so.1 (foo)", "libbar.so.2 (libbar2)"]
    );
    assert_eq!(
        verdict(&r, &pkgs, "libc6").chain,
        ["/app/bin/app", format!("{LD} (libc6)").as_str()]
    );
    let u = verdict(&r, &pkgs, "unused");
    assert_eq!(u.status, Status::Unreachable);
    assert!(u.chain.is_empty());
    assert!(
        r.notes
            .iter()
            .any(|n| n == "`libmissing.so.9` needed by `/app/bin/app` not found in the image"),
        "{:?}",
        r.notes
    );
}

#[test]
fn rpath_is_inherited_unless_the_loading_library_has_a_runpath() {
    let root = Root::new();
    root.exe("/bin/app", &["liba.so", "libx.so"], Some("/opt/r"), None);
    root.lib("/opt/r/liba.so", &["libb.so"], None);
    root.lib("/opt/r/libb.so", &[], None);
    root.lib("/opt/r/libx.so", &["liby.so"], Some("/nowhere"));
    root.lib("/opt/r/liby.so", &[], None);
    let pkgs = [deb("b", &["/opt/r/libb.so"]), deb("y", &["/opt/r/liby.so"])];
    let r = root.analyze(r#"{"config":{"Cmd":["/bin/app"]}}"#, &pkgs);
    // liba has no RUNPATH: the executable's RPATH applies to its needs.
    assert_eq!(verdict(&r, &pkgs, "b").status, Status::Reachable);
    // libx has a RUNPATH: no RPATH at all for its needs.
    assert_eq!(verdict(&r, &pkgs, "y").status, Status::Unreachable);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("`liby.so` needed by `/opt/r/libx.so`")),
        "{:?}",
        r.notes
    );
}

#[test]
fn ld_so_conf_includes_symlinks_and_wrong_class_libraries() {
    let root = Root::new();
    root.file(
        "/etc/ld.so.conf",
        b"# comment\ninclude /etc/ld.so.conf.d/*.conf\n",
    );
    root.file("/etc/ld.so.conf.d/x.conf", b"/opt/conflib\n");
    root.exe(
        "/usr/bin/app",
        &["libconf.so", "libw.so.1", "liblink.so.1"],
        None,
        None,
    );
    root.lib("/opt/conflib/libconf.so", &[], None);
    // A 32-bit libw first on the path is skipped for the 64-bit one.
    root.file(
        "/lib/x86_64-linux-gnu/libw.so.1",
        &elf(false, 3, None, &[], None, None),
    );
    root.lib("/usr/lib/libw.so.1", &[], None);
    // Merged /usr: /lib → usr/lib, and a versioned symlink.
    root.lib("/usr/lib/x86_64-linux-gnu/liblink.so.1.2.3", &[], None);
    root.symlink("/usr/lib/x86_64-linux-gnu/liblink.so.1", "liblink.so.1.2.3");
    let pkgs = [
        deb("conf", &["/opt/conflib/libconf.so"]),
        deb("w32", &["/lib/x86_64-linux-gnu/libw.so.1"]),
        deb("w64", &["/usr/lib/libw.so.1"]),
        deb("link1", &["/usr/lib/x86_64-linux-gnu/liblink.so.1"]),
    ];
    let r = root.analyze(r#"{"config":{"Entrypoint":["app"]}}"#, &pkgs);
    assert_eq!(verdict(&r, &pkgs, "conf").status, Status::Reachable);
    assert_eq!(verdict(&r, &pkgs, "w32").status, Status::Unreachable);
    assert_eq!(
        verdict(&r, &pkgs, "w64").chain,
        ["/usr/bin/app", "libw.so.1 (w64)"]
    );
    assert_eq!(verdict(&r, &pkgs, "link1").status, Status::Reachable);
}

#[test]
fn symlink_loops_end_with_unknown_or_a_note() {
    let root = Root::new();
    root.symlink("/usr/bin/loop", "/usr/bin/loop2");
    root.symlink("/usr/bin/loop2", "loop");
    let pkgs = [deb("x", &["/usr/bin/loop"])];
    let r = root.analyze(r#"{"config":{"Entrypoint":["loop"]}}"#, &pkgs);
    let v = verdict(&r, &pkgs, "x");
    assert_eq!(v.status, Status::Unknown);
    assert!(
        v.reason.starts_with("entrypoint could not be resolved"),
        "{v:?}"
    );

    root.exe("/usr/bin/app", &["libloop.so"], None, None);
    root.symlink("/usr/lib/libloop.so", "libloop.so");
    let r = root.analyze(r#"{"config":{"Entrypoint":["app"]}}"#, &pkgs);
    assert!(
        r.notes.iter().any(|n| n.contains("`libloop.so` needed by")),
        "{:?}",
        r.notes
    );
}

#[test]
fn sh_c_shebang_and_env_are_followed() {
    let root = Root::new();
    root.exe("/usr/bin/dash", &[], None, None);
    root.symlink("/bin/sh", "/usr/bin/dash");
    root.exe("/usr/bin/env", &[], None, None);
    root.exe("/usr/bin/tool", &[], None, None);
    root.exe("/usr/bin/other", &[], None, None);
    root.file("/app/start.sh", b"#!/usr/bin/env tool\n");
    let pkgs = [
        deb("dash", &["/usr/bin/dash"]),
        deb("coreutils", &["/usr/bin/env"]),
        deb("tool", &["/usr/bin/tool"]),
        deb("other", &["/usr/bin/other"]),
    ];
    let r = root.analyze(
        r#"{"config":{"Entrypoint":["/bin/sh","-c","cd /app && exec ./start.sh serve"],"WorkingDir":"/"}}"#,
        &pkgs,
    );
    assert_eq!(
        verdict(&r, &pkgs, "tool").chain,
        [
            "/usr/bin/dash",
            "/app/start.sh",
            "/usr/bin/env",
            "/usr/bin/tool"
        ]
    );
    assert_eq!(verdict(&r, &pkgs, "dash").status, Status::Reachable);
    assert_eq!(verdict(&r, &pkgs, "other").status, Status::Unreachable);
    // Every program run, in order: the shell, the script, its `env`
    // launcher and the tool `env` finds.
    assert_eq!(
        r.programs,
        [
            "/usr/bin/dash",
            "/app/start.sh",
            "/usr/bin/env",
            "/usr/bin/tool"
        ]
    );

    // A command only known at run time: what is not reached is unknown.
    let r = root.analyze(
        r#"{"config":{"Entrypoint":["/bin/sh","-c","exec $APP"]}}"#,
        &pkgs,
    );
    let v = verdict(&r, &pkgs, "other");
    assert_eq!(v.status, Status::Unknown);
    assert!(v.reason.contains("`$APP`"), "{v:?}");
    assert_eq!(verdict(&r, &pkgs, "dash").status, Status::Reachable);
}

#[test]
fn python_imports_reach_extension_libraries() {
    let root = Root::new();
    root.exe("/usr/bin/python3.11", &[], None, None);
    root.symlink("/usr/bin/python3", "python3.11");
    root.file("/usr/lib/python3.11/os.py", b"import sys\n");
    let site = "/usr/local/lib/python3.11/dist-packages";
    root.file("/app/main.py", b"import pkg.sub\nimport local_mod\n");
    root.file("/app/local_mod.py", b"'''import notthis'''\n");
    root.file(
        &format!("{site}/pkg/__init__.py"),
        b"from .helper import y\n",
    );
    root.file(&format!("{site}/pkg/helper.py"), b"y = 1\n");
    root.file(&format!("{site}/pkg/sub.py"), b"from . import _ext\n");
    let ext = format!("{site}/pkg/_ext.cpython-311-x86_64-linux-gnu.so");
    root.lib(&ext, &["libdep.so.1"], None);
    root.lib("/usr/lib/x86_64-linux-gnu/libdep.so.1", &[], None);
    root.file(&format!("{site}/other/__init__.py"), b"import pkg\n");
    let pkgs = [
        deb("libdep1", &["/usr/lib/x86_64-linux-gnu/libdep.so.1"]),
        pkg(
            Ecosystem::Pypi,
            "pkg",
            &[
                &format!("{site}/pkg/__init__.py"),
                &format!("{site}/pkg/helper.py"),
            ],
        ),
        pkg(
            Ecosystem::Pypi,
            "other",
            &[&format!("{site}/other/__init__.py")],
        ),
    ];
    let r = root.analyze(
        r#"{"config":{"Entrypoint":["python3","main.py"],"WorkingDir":"/app"}}"#,
        &pkgs,
    );
    assert_eq!(r.roots, ["/usr/bin/python3.11", "/app/main.py"]);
    assert_eq!(verdict(&r, &pkgs, "pkg").chain, ["/app/main.py", "pkg"]);
    assert_eq!(
        verdict(&r, &pkgs, "libdep1").chain,
        [
            "/app/main.py",
            "pkg.sub",
            ext.as_str(),
            "libdep.so.1 (libdep1)"
        ]
    );
    let o = verdict(&r, &pkgs, "other");
    assert_eq!(o.status, Status::Unreachable, "{o:?}");
}

#[test]
fn healthcheck_commands_and_venv_site_packages_are_followed() {
    let root = Root::new();
    root.exe("/usr/bin/python3.11", &[], None, None);
    root.file("/usr/lib/python3.11/os.py", b"");
    // A venv: bin/python is a symlink to the system interpreter, and
    // `pyvenv.cfg` sits one level above it.
    root.symlink("/venv/bin/python", "/usr/bin/python3.11");
    root.file(
        "/venv/pyvenv.cfg",
        b"home = /usr/bin\ninclude-system-site-packages = false\n",
    );
    root.file(
        "/venv/lib/python3.11/site-packages/venvpkg.py",
        b"import extra\n",
    );
    root.file("/srv/extra.py", b"");
    root.file("/app/run.py", b"import venvpkg\n");
    root.exe("/usr/bin/curl", &[], None, None);
    root.exe("/usr/bin/dash", &[], None, None);
    root.symlink("/bin/sh", "/usr/bin/dash");
    let pkgs = [
        pkg(
            Ecosystem::Pypi,
            "venvpkg",
            &["/venv/lib/python3.11/site-packages/venvpkg.py"],
        ),
        pkg(Ecosystem::Pypi, "extra", &["/srv/extra.py"]),
        deb("curl", &["/usr/bin/curl"]),
    ];
    let r = root.analyze(
        r#"{"config":{"Entrypoint":["/venv/bin/python","/app/run.py"],
            "Env":["PYTHONPATH=/srv"],
            "Healthcheck":{"Test":["CMD-SHELL","curl -fsS localhost:8080 || exit 1"]}}}"#,
        &pkgs,
    );
    assert_eq!(
        verdict(&r, &pkgs, "venvpkg").chain,
        ["/app/run.py", "venvpkg"]
    );
    assert_eq!(
        verdict(&r, &pkgs, "extra").chain,
        ["/app/run.py", "venvpkg", "extra"]
    );
    assert_eq!(
        verdict(&r, &pkgs, "curl").chain,
        ["/usr/bin/dash", "/usr/bin/curl"]
    );
    // The health check's shell and tool are programs the image needs.
    assert_eq!(
        r.programs,
        ["/usr/bin/python3.11", "/usr/bin/dash", "/usr/bin/curl"]
    );
}

#[test]
fn node_runtime_dependencies_are_walked_and_dev_ones_set_apart() {
    let root = Root::new();
    root.exe("/usr/bin/node", &[], None, None);
    root.file("/srv/app/server.js", b"require('a')\n");
    root.file(
        "/srv/app/package.json",
        br#"{"name":"app","dependencies":{"a":"1"},"devDependencies":{"d":"1"}}"#,
    );
    let nm = "/srv/app/node_modules";
    root.file(
        &format!("{nm}/a/package.json"),
        br#"{"name":"a","dependencies":{"b":"1"}}"#,
    );
    // `b` nested under `a` wins over the hoisted one, as `require` does.
    root.file(
        &format!("{nm}/a/node_modules/b/package.json"),
        br#"{"name":"b"}"#,
    );
    root.file(&format!("{nm}/b/package.json"), br#"{"name":"b"}"#);
    root.file(
        &format!("{nm}/d/package.json"),
        br#"{"name":"d","dependencies":{"e":"1"}}"#,
    );
    root.file(&format!("{nm}/e/package.json"), br#"{"name":"e"}"#);
    let npm = |name: &str, loc: &str| {
        let mut p = pkg(Ecosystem::Npm, name, &[]);
        p.locations = vec![loc.to_string()];
        p
    };
    let pkgs = [
        npm("a", &format!("{nm}/a/package.json")),
        npm("b-nested", &format!("{nm}/a/node_modules/b/package.json")),
        npm("b-hoisted", &format!("{nm}/b/package.json")),
        npm("d", &format!("{nm}/d/package.json")),
        npm("e", &format!("{nm}/e/package.json")),
    ];
    let r = root.analyze(
        r#"{"config":{"Entrypoint":["node","server"],"WorkingDir":"/srv/app"}}"#,
        &pkgs,
    );
    assert_eq!(verdict(&r, &pkgs, "a").chain, ["/srv/app/server.js", "a"]);
    assert_eq!(
        verdict(&r, &pkgs, "b-nested").chain,
        ["/srv/app/server.js", "a", "b"]
    );
    let hoisted = verdict(&r, &pkgs, "b-hoisted");
    assert_eq!(hoisted.status, Status::Unreachable);
    assert_eq!(hoisted.reason, "no load path from the entrypoint");
    for dev in ["d", "e"] {
        let v = verdict(&r, &pkgs, dev);
        assert_eq!(v.status, Status::Unreachable, "{dev}");
        assert_eq!(v.reason, "dev dependency: not needed at runtime", "{dev}");
    }
}

#[test]
fn no_config_or_no_entrypoint_is_unknown() {
    let root = Root::new();
    let pkgs = [deb("libc6", &[LD])];
    let r = root.analyze(r#"{"config":{}}"#, &pkgs);
    assert_eq!(r.packages[0].status, Status::Unknown);
    assert_eq!(
        r.packages[0].reason,
        "the image has no entrypoint or command"
    );
    let idx = FsIndex::default();
    let r = analyze(None, &idx, &pkgs);
    assert_eq!(r.packages[0].status, Status::Unknown);
    assert!(Path::new("/").is_dir());
}
