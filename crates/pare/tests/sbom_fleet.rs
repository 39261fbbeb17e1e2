//! `pare sbom` on the real-image fleet (`scripts/fleet.sh`), checked
//! against the packages the fleet script recorded independently of pare
//! (`facts.json`: dpkg-query output, pip's and npm's own listings, `go
//! version -m`, `cargo auditable`'s input), in every transport; CycloneDX
//! and SPDX output validated against their schemas. A missing image fails
//! with the command that builds it.
#![cfg(feature = "real-images")]

mod sbom_support;
mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use support::{pare, stderr};

const IMAGES: &[&str] = &[
    "slim",
    "distroless",
    "go-distroless",
    "rust-distroless",
    "python-app",
    "node-app",
    "fat",
];

/// RPM images: `rpm_packages` facts from `rpm -qa` instead of dpkg's.
const RPM_IMAGES: &[&str] = &["rpm-app", "rpm-bdb"];

fn facts(name: &str) -> (std::path::PathBuf, Value) {
    let dir = support::fleet_dir().join(name);
    let f = dir.join("facts.json");
    assert!(
        f.is_file(),
        "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
        dir.display()
    );
    (
        dir.clone(),
        serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap(),
    )
}

fn sbom(spec: &str) -> Value {
    let o = pare(&["sbom", spec, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{spec}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn set(v: &Value, eco: &str, f: impl Fn(&Value) -> String) -> BTreeSet<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == eco)
        .map(f)
        .collect()
}

fn pep503(s: &str) -> String {
    let mut out = String::new();
    for part in s
        .to_lowercase()
        .split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(part);
    }
    out
}

#[test]
fn packages_match_the_fleet_facts_in_every_transport() {
    for name in IMAGES {
        let (dir, f) = facts(name);
        let docker = sbom(&format!(
            "docker-archive:{}",
            dir.join("docker.tar").display()
        ));
        // Same packages from every transport.
        for t in ["oci", "oci-zstd"] {
            let other = sbom(&format!("oci-dir:{}", dir.join(t).display()));
            assert_eq!(
                docker["packages"], other["packages"],
                "{name}: {t} differs from docker-archive"
            );
        }
        // dpkg: name, version, source, arch from dpkg-query.
        let want: BTreeSet<String> = f["deb_packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap(),
                    p["source"].as_str().unwrap(),
                    p["architecture"].as_str().unwrap()
                )
            })
            .collect();
        let got = set(&docker, "deb", |p| {
            format!(
                "{} {} {} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["source_name"].as_str().unwrap(),
                p["arch"].as_str().unwrap()
            )
        });
        assert_eq!(got, want, "{name}: deb packages");
        for p in docker["packages"].as_array().unwrap() {
            assert!(
                p["layer"]["diff_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("sha256:"),
                "{name}: {p}"
            );
            assert!(
                p["purl"].as_str().unwrap().starts_with("pkg:"),
                "{name}: {p}"
            );
        }
        if let Some(py) = f["python_packages"].as_array() {
            let want: BTreeSet<String> = py
                .iter()
                .map(|p| {
                    format!(
                        "{}@{}",
                        pep503(p["name"].as_str().unwrap()),
                        p["version"].as_str().unwrap()
                    )
                })
                .collect();
            let got = set(&docker, "pypi", |p| {
                format!(
                    "{}@{}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                )
            });
            assert!(
                want.is_subset(&got),
                "{name}: pip packages {want:?} not all in {got:?}"
            );
            // The wheels came in the app layer, not the base.
            let last = f["layer_count"].as_u64().unwrap() - 1;
            for p in docker["packages"].as_array().unwrap().iter().filter(|p| {
                p["ecosystem"] == "pypi"
                    && p["locations"][0]
                        .as_str()
                        .unwrap()
                        .starts_with("/usr/local")
            }) {
                assert!(
                    p["layer"]["index"].as_u64().unwrap() > 0
                        && p["layer"]["index"].as_u64().unwrap() <= last,
                    "{p}"
                );
            }
        }
        if let Some(npm) = f["npm_packages"].as_array() {
            let want: BTreeSet<String> = npm
                .iter()
                .map(|p| {
                    format!(
                        "/{}/package.json {} {} dev={}",
                        p["path"].as_str().unwrap(),
                        p["name"].as_str().unwrap(),
                        p["version"].as_str().unwrap(),
                        p["dev"].as_bool().unwrap()
                    )
                })
                .collect();
            let got: BTreeSet<String> = set(&docker, "npm", |p| {
                format!(
                    "{} {} {} dev={}",
                    p["locations"][0].as_str().unwrap(),
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap(),
                    p["dev"].as_bool().unwrap_or(false)
                )
            });
            for w in &want {
                let (path, rest) = w.split_once(' ').unwrap();
                // macOS-only optional dependency: in the lock (which the
                // facts list), never installed on Linux.
                if path.ends_with("/fsevents/package.json") {
                    continue;
                }
                assert!(
                    got.iter().any(|g| g.ends_with(w)
                        || (g.split_once(' ').unwrap().0.ends_with(path) && g.ends_with(rest))),
                    "{name}: npm {w} not found"
                );
            }
            assert!(
                want.iter().any(|w| w.ends_with("dev=true")),
                "{name}: the fleet has a dev dependency"
            );
        }
        if let Some(go) = f["go_binaries"].as_array() {
            let got = set(&docker, "go", |p| {
                format!(
                    "{}@{}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                )
            });
            for b in go {
                let v = b["go_version"].as_str().unwrap();
                assert!(got.contains(&format!("stdlib@{v}")), "{name}: {got:?}");
            }
            assert!(
                got.iter().any(|g| g.ends_with("@(devel)")),
                "{name}: main module: {got:?}"
            );
        }
        if let Some(rs) = f["rust_binaries"].as_array() {
            let got = set(&docker, "cargo", |p| {
                format!(
                    "{}@{}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                )
            });
            let want: BTreeSet<String> = rs
                .iter()
                .flat_map(|b| {
                    b["crates"].as_array().unwrap().iter().map(|c| {
                        format!(
                            "{}@{}",
                            c["name"].as_str().unwrap(),
                            c["version"].as_str().unwrap()
                        )
                    })
                })
                .collect();
            assert_eq!(got, want, "{name}: crates");
        }
        insta::assert_snapshot!(format!("sbom_summary_{name}"), summary(&docker));
    }
}

/// A stable summary: per ecosystem the count, and for app ecosystems every
/// name@version with its layer (base-image dpkg versions follow the Debian
/// mirror, so they are checked against facts above rather than snapshotted).
fn summary(v: &Value) -> String {
    let mut out = String::new();
    let pk = v["packages"].as_array().unwrap();
    let mut ecos: Vec<&str> = pk
        .iter()
        .map(|p| p["ecosystem"].as_str().unwrap())
        .collect();
    ecos.dedup();
    for e in ecos {
        let n = pk.iter().filter(|p| p["ecosystem"] == e).count();
        out.push_str(&format!("{e}: {n}\n"));
        if e != "deb" {
            for p in pk.iter().filter(|p| p["ecosystem"] == e) {
                out.push_str(&format!(
                    "  {}@{} layer={} dev={} {}\n",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap(),
                    p["layer"]["index"],
                    p["dev"].as_bool().unwrap_or(false),
                    p["purl"].as_str().unwrap()
                ));
            }
        }
    }
    out
}

/// Every RPM package as `rpm -qa` listed it (name, `[epoch:]version-release`,
/// arch, license, source rpm, owned non-directory files) and the layer the
/// recipe installed it in, from every transport; the imported signing keys
/// (`gpg-pubkey`) are not packages.
#[test]
fn rpm_packages_match_the_fleet_facts_in_every_transport() {
    for name in RPM_IMAGES {
        let (dir, f) = facts(name);
        let row = |p: &Value, layer: &Value| {
            format!(
                "{} {} arch={} license={} srpm={} layer={} files={}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["arch"],
                p["license"],
                p["source_rpm"],
                layer,
                p["files"]
            )
        };
        let want: BTreeSet<String> = f["rpm_packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| row(p, &p["layer"]))
            .collect();
        assert!(want.len() >= 6, "{name}: {want:?}");
        let db = f["rpm_db"].as_str().unwrap();
        let got_of = |v: &Value| -> BTreeSet<String> {
            set(v, "rpm", |p| {
                assert_eq!(p["locations"][0], db, "{name}: {p}");
                assert_eq!(p["cataloger"], "rpm-db", "{name}: {p}");
                let srpm = p["purl"]
                    .as_str()
                    .unwrap()
                    .split(['?', '&'])
                    .find_map(|q| q.strip_prefix("upstream="))
                    .map_or(Value::Null, |s| Value::from(s.to_string()));
                let q = serde_json::json!({
                    "name": p["name"], "version": p["version"], "arch": p["arch"],
                    "license": p["licenses"][0], "source_rpm": srpm,
                    "files": p["files"].as_array().cloned().unwrap_or_default(),
                });
                row(&q, &p["layer"]["index"])
            })
        };
        for spec in [
            format!("docker-archive:{}", dir.join("docker.tar").display()),
            format!("oci-dir:{}", dir.join("oci").display()),
            format!("oci-dir:{}", dir.join("oci-zstd").display()),
            format!("oci-archive:{}", dir.join("oci.tar").display()),
        ] {
            let v = sbom(&spec);
            assert_eq!(got_of(&v), want, "{name} via {spec}");
            assert!(
                v["packages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["name"] != "gpg-pubkey"),
                "{name}: {spec}"
            );
            insta::assert_snapshot!(format!("sbom_summary_{name}"), summary(&v));
        }
        // An unpacked rootfs has no layers; the packages are the same.
        let v = sbom(&format!("dir:{}", dir.join("rootfs").display()));
        let strip = |s: BTreeSet<String>| -> BTreeSet<String> {
            s.iter()
                .map(|r| {
                    let (a, b) = r.split_once(" layer=").unwrap();
                    format!("{a} {}", b.split_once(' ').unwrap().1)
                })
                .collect()
        };
        assert_eq!(strip(got_of(&v)), strip(want.clone()), "{name} via rootfs");
    }
}

#[test]
fn fleet_cyclonedx_and_spdx_validate() {
    let tmp = tempfile::tempdir().unwrap();
    for name in IMAGES.iter().chain(RPM_IMAGES) {
        let (dir, _) = facts(name);
        let spec = format!("docker-archive:{}", dir.join("docker.tar").display());
        for (fmt, kind) in [("cyclonedx-json", "cyclonedx"), ("spdx-json", "spdx")] {
            let out = tmp.path().join(format!("{name}.{kind}.json"));
            let o = pare(&["sbom", &spec, "--format", fmt, "-o", out.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            sbom_support::validate(kind, &out);
        }
    }
}
