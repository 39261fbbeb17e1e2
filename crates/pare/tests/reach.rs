//! Reachability (`pare_reach`) on the real-image fleet
//! (`scripts/fleet.sh`): which packages the entrypoint can load, with
//! the evidence chains. A missing image fails with the command that
//! builds it.
#![cfg(feature = "real-images")]

mod support;

use pare_catalog as catalogers;
use pare_findings::{Ecosystem, Package};
use pare_fsindex::{FsIndex, IndexOptions};
use pare_image::Image;
use pare_reach::{self as reach, PackageReach, Reachability, Status};

/// Index and catalog a fleet image with the reachability probes, then
/// analyze it.
fn analyze(name: &str) -> (Reachability, Vec<Package>) {
    analyze_with(name, |_| Vec::new())
}

/// As [`analyze`], with extra synthetic packages (made from the index)
/// appended: a way to ask what loads a given file.
fn analyze_with(
    name: &str,
    extra: impl Fn(&FsIndex) -> Vec<Package>,
) -> (Reachability, Vec<Package>) {
    let tar = support::fleet_dir().join(name).join("docker.tar");
    assert!(
        tar.is_file(),
        "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
        tar.display()
    );
    let source = pare_source::open(&format!("docker-archive:{}", tar.display())).unwrap();
    let image = Image::open(source, None).unwrap();
    let mut globs = catalogers::capture_globs();
    globs.extend_from_slice(reach::CAPTURE_GLOBS);
    let mut probes = catalogers::probes();
    probes.extend(reach::probes());
    let opts = IndexOptions {
        capture: pare_fsindex::glob_set(&[pare_hygiene::CAPTURE_GLOBS, &globs].concat()),
        probes,
        ..IndexOptions::default()
    };
    let idx = FsIndex::build(&image, &opts).unwrap();
    let distro = pare_catalog::os_release::detect(&idx);
    let mut sbom = catalogers::catalog(&image, &idx, distro.as_ref());
    sbom.packages.extend(extra(&idx));
    let r = reach::analyze(image.config.as_ref(), &idx, &sbom.packages);
    assert_eq!(r.packages.len(), sbom.packages.len());
    if std::env::var_os("PARE_REACH_DUMP").is_some() {
        eprintln!("entrypoint {:?}\nroots {:?}", r.entrypoint, r.roots);
        for (p, v) in sbom.packages.iter().zip(&r.packages) {
            eprintln!(
                "{:>11} {} {} — {} [{}]",
                v.status.as_str(),
                p.ecosystem,
                p.name,
                v.reason,
                v.chain.join(" → ")
            );
        }
        for n in &r.notes {
            eprintln!("note: {n}");
        }
    }
    (r, sbom.packages)
}

/// The verdict of package `name` in `eco`.
fn get<'a>(r: &'a Reachability, pkgs: &[Package], eco: Ecosystem, name: &str) -> &'a PackageReach {
    let i = pkgs
        .iter()
        .position(|p| p.ecosystem == eco && p.name == name)
        .unwrap_or_else(|| panic!("no {eco} package `{name}`"));
    &r.packages[i]
}

fn chain(v: &PackageReach) -> String {
    v.chain.join(" → ")
}

#[test]
fn python_app_reaches_its_imports_and_their_libraries() {
    let (r, pkgs) = analyze("python-app");
    assert_eq!(r.entrypoint, ["python3", "/app/app.py"]);
    assert!(r.roots.iter().any(|p| p == "/app/app.py"), "{:?}", r.roots);

    for name in ["flask", "requests", "psycopg2-binary"] {
        let v = get(&r, &pkgs, Ecosystem::Pypi, name);
        assert_eq!(v.status, Status::Reachable, "{name}: {v:?}");
        assert_eq!(v.chain[0], "/app/app.py", "{name}: {}", chain(v));
    }
    // Through the import graph: flask is imported directly, urllib3 by
    // requests.
    assert_eq!(
        get(&r, &pkgs, Ecosystem::Pypi, "flask").chain,
        ["/app/app.py", "flask"]
    );
    let u = get(&r, &pkgs, Ecosystem::Pypi, "urllib3");
    assert_eq!(u.status, Status::Reachable);
    assert!(u.chain.iter().any(|s| s == "requests"), "{}", chain(u));
    // A dependency of flask, never imported by the app itself.
    let w = get(&r, &pkgs, Ecosystem::Pypi, "werkzeug");
    assert_eq!(w.status, Status::Reachable);
    assert!(w.chain.iter().any(|s| s == "flask"), "{}", chain(w));

    // psycopg2 → its extension module → the bundled libpq → bundled libssl.
    let psy = get(&r, &pkgs, Ecosystem::Pypi, "psycopg2-binary");
    assert_eq!(
        psy.chain[..2],
        ["/app/app.py", "psycopg2"],
        "{}",
        chain(psy)
    );
    // Its bundled libpq/libssl resolve through `$ORIGIN/../psycopg2_binary.libs`:
    // nothing is reported missing.
    assert!(
        !r.notes.iter().any(|n| n.contains("not found")),
        "{:?}",
        r.notes
    );

    // Debian's libssl3, via the `_ssl` extension of the standard library.
    let ssl = get(&r, &pkgs, Ecosystem::Deb, "libssl3");
    assert_eq!(ssl.status, Status::Reachable, "{ssl:?}");
    assert_eq!(ssl.chain[0], "/app/app.py", "{}", chain(ssl));
    assert!(
        ssl.chain.iter().any(|s| s.contains("lib-dynload/_ssl.")),
        "{}",
        chain(ssl)
    );
    assert_eq!(
        ssl.chain.last().unwrap(),
        "libssl.so.3 (libssl3)",
        "{}",
        chain(ssl)
    );

    let libc = get(&r, &pkgs, Ecosystem::Deb, "libc6");
    assert_eq!(libc.status, Status::Reachable);
    assert_eq!(
        libc.chain.last().unwrap(),
        "libc.so.6 (libc6)",
        "{}",
        chain(libc)
    );
    let py = get(&r, &pkgs, Ecosystem::Deb, "python3.11-minimal");
    assert_eq!(py.status, Status::Reachable, "{py:?}");

    for name in ["login", "perl-base"] {
        let v = get(&r, &pkgs, Ecosystem::Deb, name);
        assert_eq!(v.status, Status::Unreachable, "{name}: {v:?}");
        assert!(v.chain.is_empty());
        assert_eq!(v.reason, "no load path from the entrypoint");
    }
}

#[test]
fn psycopg2_loads_its_bundled_libpq_and_libssl() {
    // One synthetic package per file bundled in `psycopg2_binary.libs`.
    let libs = |idx: &FsIndex| -> Vec<Package> {
        idx.under("/usr/local/lib/python3.11/dist-packages/psycopg2_binary.libs")
            .filter(|(p, _)| p.contains("/libpq-") || p.contains("/libssl-"))
            .map(|(p, _)| Package {
                name: format!("bundled:{}", p.rsplit('/').next().unwrap()),
                version: "0".into(),
                ecosystem: Ecosystem::Pypi,
                purl: String::new(),
                source_name: None,
                source_version: None,
                arch: None,
                licenses: Vec::new(),
                layer: None,
                locations: Vec::new(),
                files: vec![p.to_string()],
                dev: false,
                cataloger: "test",
            })
            .collect()
    };
    let (r, pkgs) = analyze_with("python-app", libs);
    let bundled: Vec<(&Package, &PackageReach)> = pkgs
        .iter()
        .zip(&r.packages)
        .filter(|(p, _)| p.name.starts_with("bundled:"))
        .collect();
    assert_eq!(bundled.len(), 2, "libpq and libssl are bundled");
    for (p, v) in bundled {
        assert_eq!(v.status, Status::Reachable, "{}: {v:?}", p.name);
        let c = chain(v);
        assert!(
            c.starts_with("/app/app.py → psycopg2 → ")
                && c.contains("/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so → libpq-"),
            "{c}"
        );
        if p.name.contains("libssl") {
            // psycopg2 → libpq → libssl, as the issue describes.
            assert!(c.contains("libpq-") && c.contains("→ libssl-"), "{c}");
        }
    }
}

#[test]
fn node_app_runtime_dependencies_are_reachable_and_dev_ones_are_not() {
    let (r, pkgs) = analyze("node-app");
    assert_eq!(r.entrypoint, ["node", "/app/index.js"]);
    let e = get(&r, &pkgs, Ecosystem::Npm, "express");
    assert_eq!(e.status, Status::Reachable, "{e:?}");
    assert_eq!(e.chain, ["/app/index.js", "express"]);
    // A transitive runtime dependency.
    let b = get(&r, &pkgs, Ecosystem::Npm, "body-parser");
    assert_eq!(b.status, Status::Reachable);
    assert_eq!(b.chain[..2], ["/app/index.js", "express"]);
    let m = get(&r, &pkgs, Ecosystem::Npm, "mocha");
    assert_eq!(m.status, Status::Unreachable, "{m:?}");
    assert_eq!(m.reason, "dev dependency: not needed at runtime");
    // The node binary's own libraries.
    let uv = get(&r, &pkgs, Ecosystem::Deb, "libuv1");
    assert_eq!(uv.status, Status::Reachable, "{uv:?}");
}

#[test]
fn go_binary_modules_are_reachable_through_the_binary() {
    let (r, pkgs) = analyze("go-distroless");
    assert_eq!(r.entrypoint, ["/app/hello"]);
    let go: Vec<(&Package, &PackageReach)> = pkgs
        .iter()
        .zip(&r.packages)
        .filter(|(p, _)| p.ecosystem == Ecosystem::Go)
        .collect();
    assert!(go.iter().any(|(p, _)| p.name == "stdlib"));
    for (p, v) in go {
        assert_eq!(v.status, Status::Reachable, "{}: {v:?}", p.name);
        assert_eq!(v.chain, ["/app/hello"], "{}", p.name);
    }
}

#[test]
fn an_image_without_entrypoint_is_all_unknown() {
    let (r, pkgs) = analyze("distroless");
    assert!(r.entrypoint.is_empty());
    assert!(!pkgs.is_empty());
    for v in &r.packages {
        assert_eq!(v.status, Status::Unknown);
        assert_eq!(v.reason, "the image has no entrypoint or command");
    }
}

#[test]
fn rust_binary_crates_are_reachable_and_unlinked_libraries_are_not() {
    let (r, pkgs) = analyze("rust-distroless");
    let crates: Vec<(&Package, &PackageReach)> = pkgs
        .iter()
        .zip(&r.packages)
        .filter(|(p, _)| p.ecosystem == Ecosystem::Cargo)
        .collect();
    assert!(!crates.is_empty());
    for (p, v) in crates {
        assert_eq!(v.status, Status::Reachable, "{}: {v:?}", p.name);
        assert_eq!(v.chain, ["/app/rshello"], "{}", p.name);
    }
    let gcc = get(&r, &pkgs, Ecosystem::Deb, "libgcc-s1");
    assert_eq!(gcc.chain, ["/app/rshello", "libgcc_s.so.1 (libgcc-s1)"]);
    // Installed in the base image, linked by nothing the entrypoint runs.
    let ssl = get(&r, &pkgs, Ecosystem::Deb, "libssl3");
    assert_eq!(ssl.status, Status::Unreachable, "{ssl:?}");
}

#[test]
fn a_missing_entrypoint_program_makes_everything_unknown() {
    // The java-app image carries jars but no JRE.
    let (r, _) = analyze("java-app");
    assert_eq!(r.entrypoint, ["java", "-jar", "/app/app.jar"]);
    assert!(r.roots.is_empty());
    for v in &r.packages {
        assert_eq!(v.status, Status::Unknown);
        assert_eq!(
            v.reason,
            "entrypoint could not be resolved: `java` not found in `PATH`"
        );
    }
}

#[test]
fn an_interactive_shell_entrypoint_leaves_the_rest_unknown() {
    let (r, pkgs) = analyze("slim");
    assert_eq!(r.entrypoint, ["/bin/bash"]);
    let bash = get(&r, &pkgs, Ecosystem::Deb, "bash");
    assert_eq!(bash.status, Status::Reachable);
    let t = get(&r, &pkgs, Ecosystem::Deb, "libtinfo6");
    assert_eq!(t.chain, ["/usr/bin/bash", "libtinfo.so.6 (libtinfo6)"]);
    let perl = get(&r, &pkgs, Ecosystem::Deb, "perl-base");
    assert_eq!(perl.status, Status::Unknown);
    assert!(perl.reason.contains("interactive shell"), "{perl:?}");
}

/// Delegates to a probe but claims to read code, so the pass buffers every
/// file it wants whole instead of skipping code segments.
struct Whole(std::sync::Arc<dyn pare_fsindex::Probe>);

impl pare_fsindex::Probe for Whole {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn wants(&self, path: &str, size: u64, mode: u32, head: &[u8]) -> bool {
        self.0.wants(path, size, mode, head)
    }
    fn probe(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        self.0.probe(path, data)
    }
}

#[test]
fn skipping_code_segments_changes_no_probe_result() {
    // `fat` carries gcc's 30+ MiB binaries (cc1plus, cc1, lto1) and
    // python3.11: the ELF probes read them without their code segments
    // (`pare_fsindex`'s sparse read). Every result must equal the one
    // from the whole file.
    let tar = support::fleet_dir().join("fat").join("docker.tar");
    assert!(
        tar.is_file(),
        "fleet image `fat` is missing at {}; build it with `scripts/fleet.sh fat`",
        tar.display()
    );
    let open = || {
        let source = pare_source::open(&format!("docker-archive:{}", tar.display())).unwrap();
        Image::open(source, None).unwrap()
    };
    let mut probes = catalogers::probes();
    probes.extend(reach::probes());
    let elf: Vec<_> = probes.into_iter().filter(|p| !p.reads_code()).collect();
    let names: Vec<&str> = elf.iter().map(|p| p.name()).collect();
    assert!(names.contains(&reach::probe::ELF_PROBE), "{names:?}");
    let sparse = IndexOptions {
        probes: elf.clone(),
        ..IndexOptions::default()
    };
    let whole = IndexOptions {
        probes: elf
            .iter()
            .map(|p| {
                std::sync::Arc::new(Whole(p.clone())) as std::sync::Arc<dyn pare_fsindex::Probe>
            })
            .collect(),
        ..IndexOptions::default()
    };
    let a = FsIndex::build(&open(), &sparse).unwrap();
    let b = FsIndex::build(&open(), &whole).unwrap();
    for name in names {
        let ra: Vec<_> = a.probe_results(name).collect();
        let rb: Vec<_> = b.probe_results(name).collect();
        assert_eq!(ra, rb, "probe {name}");
        if name == reach::probe::ELF_PROBE {
            let cc1plus = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus";
            let (_, info) = ra
                .iter()
                .find(|(p, _)| *p == cc1plus)
                .expect("cc1plus probed");
            let info = pare_elf::ElfInfo::decode(info).expect("decodes");
            assert!(info.needed.iter().any(|n| n == "libc.so.6"), "{info:?}");
            assert!(a.get(cc1plus).unwrap().size > 30 << 20);
        }
    }
}
