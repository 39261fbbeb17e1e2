//! `pare audit` and `pare diff` end to end: flags and errors on small
//! synthetic images, then (`real-images`) the fleet: sizes equal the sums
//! of the manifests' blob sizes, shared base layers are stored once, what
//! each image needs to run, and the before/after of fat against slim.

mod support;
use support::*;

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn audit_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("audit JSON ({e}); stderr: {}", stderr(o)))
}

#[test]
fn no_images_is_an_error_and_a_missing_list_names_its_file() {
    let o = pare(&["audit", "--no-db"]);
    assert_one_line_error(&o, "no images to audit", "--from FILE");
    let o = pare(&["audit", "--no-db", "--from", "/nonexistent/images.txt"]);
    assert_one_line_error(&o, "/nonexistent/images.txt", "cannot read");
}

#[test]
fn a_named_database_that_is_missing_is_an_error_before_any_image_is_read() {
    let t = tmp();
    let img = t.path().join("img");
    one_file_layout(&img);
    let o = pare(&["audit", "--db", "/nonexistent/vuln.db", &path_str(&img)]);
    assert_one_line_error(&o, "/nonexistent/vuln.db", "no vulnerability database");
}

#[test]
fn an_unreadable_image_is_listed_and_fails_while_the_others_are_reported() {
    let t = tmp();
    let a = t.path().join("a");
    one_file_layout(&a);
    let list = t.path().join("images.txt");
    std::fs::write(
        &list,
        format!(
            "# the fleet\n{}\n\n/nonexistent/missing.tar\n",
            path_str(&a)
        ),
    )
    .unwrap();
    let o = pare(&[
        "audit",
        "--no-db",
        "--format",
        "json",
        "--from",
        &path_str(&list),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let r = audit_json(&o);
    assert_eq!(r["images"].as_array().unwrap().len(), 1);
    assert_eq!(r["errors"][0]["reference"], "/nonexistent/missing.tar");
    assert!(stderr(&o).contains("/nonexistent/missing.tar"));
    // Not scanned: the CVE column says so, never zero.
    assert_eq!(r["images"][0]["vulns"]["status"], "noDb");
    assert!(r["images"][0]["vulns"].get("highPlus").is_none());
    // Piped stderr: no progress bar.
    assert!(!stderr(&o).contains("auditing ["), "{}", stderr(&o));
}

#[test]
fn merged_shards_equal_one_audit_of_everything() {
    let t = tmp();
    let a = t.path().join("a");
    let b = t.path().join("b");
    one_file_layout(&a);
    oci_layout(
        &b,
        &[Layer::new(
            &[E::File("b", b"other".to_vec(), 0o644)],
            Comp::Gzip,
        )],
        &Faults::default(),
    );
    let (a, b) = (path_str(&a), path_str(&b));
    let whole = pare(&["audit", "--no-db", "--format", "json", &a, &b]);
    let whole = audit_json(&whole);
    let s1 = t.path().join("s1.json");
    let s2 = t.path().join("s2.json");
    for (img, out) in [(&a, &s1), (&b, &s2)] {
        let o = pare(&[
            "audit",
            "--no-db",
            "--format",
            "json",
            "-o",
            &path_str(out),
            img,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let merged = pare(&[
        "audit",
        "--format",
        "json",
        "--merge",
        &path_str(&s1),
        &path_str(&s2),
    ]);
    assert_eq!(audit_json(&merged), whole);
    // A file that is not an audit is named.
    let bad = t.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let o = pare(&["audit", "--merge", &path_str(&bad)]);
    assert_one_line_error(&o, "bad.json", "not a `pare audit` JSON report");
    let o = pare(&["diff", &path_str(&bad), &path_str(&s1)]);
    assert_one_line_error(&o, "bad.json", "not a `pare audit` JSON report");
}

#[test]
fn bad_pull_model_flags_are_refused() {
    let o = pare(&["audit", "--no-db", "--bandwidth", "0", "x"]);
    assert_one_line_error(&o, "--bandwidth", "positive");
}

#[cfg(feature = "real-images")]
mod fleet {
    use super::*;
    use std::process::{Command, Stdio};

    fn fleet_image(name: &str) -> std::path::PathBuf {
        let dir = fleet_dir().join(name);
        assert!(
            dir.join("oci").is_dir(),
            "fleet image `{name}` is missing at {}; build it with `scripts/fleet.sh {name}`",
            dir.display()
        );
        dir.join("oci")
    }

    /// The manifest's layer descriptors (digest, size), read from the OCI
    /// layout with serde_json alone.
    fn manifest_layers(layout: &Path) -> Vec<(String, u64)> {
        let blob = |d: &str| -> Value {
            let hex = d.strip_prefix("sha256:").unwrap();
            serde_json::from_slice(&std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap())
                .unwrap()
        };
        let index: Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let m = blob(index["manifests"][0]["digest"].as_str().unwrap());
        m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["digest"].as_str().unwrap().to_string(),
                    l["size"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    fn audit(images: &[&Path], extra: &[&str]) -> Value {
        let db = path_str(db());
        let mut args = vec!["audit", "--db", db.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let paths: Vec<String> = images.iter().map(|p| path_str(p)).collect();
        args.extend(paths.iter().map(String::as_str));
        let o = pare(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        audit_json(&o)
    }

    fn row<'a>(r: &'a Value, layout: &Path) -> &'a Value {
        let p = path_str(layout);
        r["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["reference"] == p.as_str())
            .unwrap_or_else(|| panic!("no row for {p}"))
    }

    #[test]
    fn sizes_are_the_manifests_and_shared_base_layers_are_stored_once() {
        let names = ["python-app", "node-app", "go-distroless", "distroless"];
        let layouts: Vec<_> = names.iter().map(|n| fleet_image(n)).collect();
        let refs: Vec<&Path> = layouts.iter().map(std::path::PathBuf::as_path).collect();
        let r = audit(&refs, &[]);
        let mut naive = 0;
        let mut unique = std::collections::BTreeMap::new();
        for l in &layouts {
            let layers = manifest_layers(l);
            let row = row(&r, l);
            let sum: u64 = layers.iter().map(|(_, s)| s).sum();
            assert_eq!(row["compressedSize"], sum, "{}", l.display());
            assert_eq!(row["layers"].as_array().unwrap().len(), layers.len());
            for (d, s) in layers {
                naive += s;
                unique.insert(d, s);
            }
        }
        // The secrets column counts what each recipe planted (facts.json
        // `secrets`: python-app's two AWS env values, none elsewhere).
        for l in &layouts {
            let facts: Value = serde_json::from_slice(
                &std::fs::read(l.parent().unwrap().join("facts.json")).unwrap(),
            )
            .unwrap();
            let planted = facts["secrets"].as_array().map_or(0, Vec::len);
            assert_eq!(row(&r, l)["secrets"], planted, "{}", l.display());
        }
        assert_eq!(row(&r, &layouts[0])["secrets"], 2);
        let storage = &r["totals"]["storage"];
        assert_eq!(storage["naiveBytes"], naive);
        assert_eq!(storage["uniqueBytes"], unique.values().sum::<u64>());
        assert_eq!(storage["uniqueBlobs"], unique.len());
        // python-app and node-app are built on the same slim base layer,
        // go-distroless on distroless: each shared blob is counted once.
        let py = manifest_layers(&layouts[0]);
        let node = manifest_layers(&layouts[1]);
        assert_eq!(py[0], node[0], "the fleet's apps share the slim base blob");
        let go = manifest_layers(&layouts[2]);
        let dl = manifest_layers(&layouts[3]);
        assert_eq!(go[0], dl[0]);
        assert_eq!(
            storage["naiveBytes"].as_u64().unwrap() - storage["uniqueBytes"].as_u64().unwrap(),
            py[0].1 + go[0].1
        );
        let bases = r["sharedBases"].as_array().unwrap();
        assert_eq!(bases.len(), 2, "{bases:?}");
        let names_of = |b: &Value| -> Vec<String> {
            b["images"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect()
        };
        assert!(bases.iter().any(|b| names_of(b)
            == [path_str(&layouts[1]), path_str(&layouts[0])]
            && b["bytes"] == py[0].1));
        // The distroless image is the base of go-distroless.
        assert_eq!(row(&r, &layouts[2])["base"]["name"], path_str(&layouts[3]));
        assert_eq!(row(&r, &layouts[2])["base"]["source"], "fleet");

        // What each needs to run, from the entrypoint analysis.
        let needs = |i: usize| row(&r, &layouts[i])["needs"].clone();
        assert_eq!(needs(0)["runtime"], "python 3.11");
        assert!(needs(1)["runtime"]
            .as_str()
            .unwrap()
            .starts_with("node 18."));
        let go_rt = needs(2)["runtime"].as_str().unwrap().to_string();
        assert!(
            go_rt.starts_with("go 1.") && go_rt.ends_with("static binary"),
            "{go_rt}"
        );
        assert_eq!(needs(2)["needsShell"], false);
        // Recommendations fit each image: a distroless Node.js 18 runtime for
        // node-app, with the bytes of the packages it never loads as saving;
        // no rebase for go-distroless, already without shell or package manager.
        let recs = |i: usize| row(&r, &layouts[i])["recommendations"].clone();
        let node_base = recs(1)
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["kind"] == "base")
            .cloned()
            .unwrap_or_else(|| panic!("{}", recs(1)));
        assert!(
            node_base["message"].as_str().unwrap().contains("nodejs18"),
            "{node_base}"
        );
        assert!(
            node_base["savingBytes"].as_u64().unwrap() > 1_000_000,
            "{node_base}"
        );
        assert!(!recs(2)
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "base" || x["kind"] == "build-tools"));
        // Scanned: python-app's Pillow critical is fixable and reachable.
        let v = &row(&r, &layouts[0])["vulns"];
        assert_eq!(v["status"], "scanned");
        assert!(v["fixableHighPlus"].as_u64().unwrap() >= 1, "{v}");
        assert!(v["reachableHighPlus"].as_u64().unwrap() >= 1, "{v}");
        assert!(v["ids"].as_array().unwrap().iter().any(|i| i
            .as_str()
            .unwrap()
            .contains(" pillow ")
            || i.as_str().unwrap().contains(" Pillow ")));
    }

    #[test]
    fn diff_of_fat_and_slim_shows_the_drop() {
        let fat = fleet_image("fat");
        let slim = fleet_image("slim");
        let t = tmp();
        let before = t.path().join("before.json");
        let after = t.path().join("after.json");
        for (img, out) in [(&fat, &before), (&slim, &after)] {
            let r = audit(&[img.as_path()], &[]);
            std::fs::write(out, serde_json::to_vec(&r).unwrap()).unwrap();
        }
        let o = pare(&[
            "diff",
            &path_str(&before),
            &path_str(&after),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let d: Value = serde_json::from_slice(&o.stdout).unwrap();
        let p = &d["pairs"][0];
        let fat_size: u64 = manifest_layers(&fat).iter().map(|l| l.1).sum();
        let slim_size: u64 = manifest_layers(&slim).iter().map(|l| l.1).sum();
        assert!(slim_size < fat_size);
        assert_eq!(p["compressedSize"]["before"], fat_size as f64);
        assert_eq!(p["compressedSize"]["after"], slim_size as f64);
        assert!(p["layers"]["after"].as_f64() < p["layers"]["before"].as_f64());
        assert!(!p["packagesRemoved"].as_array().unwrap().is_empty());
        assert!(p["packagesAdded"].as_array().unwrap().is_empty(), "{p}");
        assert_eq!(p["vulnsCompared"], true);
        assert!(p["highPlus"]["after"].as_f64() <= p["highPlus"]["before"].as_f64());
        // The table says the same to people.
        let o = pare(&["diff", &path_str(&before), &path_str(&after)]);
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains("average size (compressed)"), "{text}");
        assert!(text.contains("registry storage (unique blobs)"), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains("layers per image"))
            .unwrap();
        assert!(line.contains("(-"), "{line}");
        // And two images diff directly, with the same numbers.
        let db = path_str(db());
        let diff_json = |a: &Path, b: &Path| {
            pare(&[
                "diff",
                "--db",
                &db,
                "--format",
                "json",
                &path_str(a),
                &path_str(b),
            ])
        };
        let o = diff_json(&fat, &slim);
        let direct: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(direct["fleet"], d["fleet"]);
        // Fat against distroless: smaller, fewer packages, fewer HIGH+
        // CVEs, no shell or package manager left to remove.
        let o = diff_json(&fat, &fleet_image("distroless"));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let d: Value = serde_json::from_slice(&o.stdout).unwrap();
        let p = &d["pairs"][0];
        for k in [
            "compressedSize",
            "uncompressedSize",
            "packages",
            "highPlus",
            "pullSeconds",
        ] {
            assert!(
                p[k]["after"].as_f64().unwrap() < p[k]["before"].as_f64().unwrap(),
                "{k}: {}",
                p[k]
            );
        }
        assert!(!p["vulnsFixed"].as_array().unwrap().is_empty());
    }

    #[test]
    fn every_format_renders_the_fleet() {
        let layouts = [fleet_image("python-app"), fleet_image("distroless")];
        let refs: Vec<&Path> = layouts.iter().map(std::path::PathBuf::as_path).collect();
        let db = path_str(db());
        let t = tmp();
        let html = t.path().join("fleet.html");
        let cmd = |format: &str, out: Option<&Path>| -> String {
            let mut args = vec!["audit", "--db", db.as_str(), "--format", format];
            let o;
            if let Some(out) = out {
                o = path_str(out);
                args.extend(["-o", o.as_str()]);
            }
            let paths: Vec<String> = refs.iter().map(|p| path_str(p)).collect();
            args.extend(paths.iter().map(String::as_str));
            let o = Command::new(env!("CARGO_BIN_EXE_pare"))
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
            String::from_utf8(o.stdout).unwrap()
        };
        let csv = cmd("csv", None);
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.starts_with("reference,manifest_digest,"));
        let md = cmd("markdown", None);
        assert!(md.contains("## What each image needs to run"), "{md}");
        assert!(md.contains("| python 3.11 |"), "{md}");
        let table = cmd("table", None);
        assert!(table.contains("registry storage:"), "{table}");
        assert!(cmd("html", Some(&html)).is_empty());
        let h = std::fs::read_to_string(&html).unwrap();
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert_eq!(h.matches("<svg").count(), 3);
        assert!(!h.contains("<script") && !h.contains("src=") && !h.contains("https://"));
    }

    /// The same images from a loopback registry (Debian's `docker-registry`,
    /// pushed with `skopeo`) give the same rows as from their OCI layouts,
    /// shared blobs are still stored once, and a reference by digest is
    /// pinned.
    #[test]
    fn registry_images_audit_like_their_layouts() {
        let reg = support::registry::Registry::start(false);
        let py = reg.push("python-app");
        let node = reg.push("node-app");
        let layouts = [fleet_image("python-app"), fleet_image("node-app")];
        let refs: Vec<&Path> = layouts.iter().map(std::path::PathBuf::as_path).collect();
        let local = audit(&refs, &[]);
        let digest = row(&local, &layouts[0])["manifestDigest"]
            .as_str()
            .unwrap()
            .to_string();
        let pinned = format!("{}@{digest}", py.rsplit_once(':').unwrap().0);
        let db = path_str(db());
        let o = pare(&[
            "audit",
            "--db",
            &db,
            "--format",
            "json",
            "--insecure-registry",
            &reg.addr,
            &pinned,
            &node,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let remote = audit_json(&o);
        let by_ref = |r: &Value, name: &str| -> Value {
            r["images"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["reference"].as_str().unwrap().contains(name))
                .cloned()
                .unwrap()
        };
        for name in ["python-app", "node-app"] {
            let (a, b) = (by_ref(&local, name), by_ref(&remote, name));
            for k in [
                "manifestDigest",
                "compressedSize",
                "uncompressedSize",
                "layers",
                "packages",
                "vulns",
                "needs",
                "runsAsRoot",
                "recommendations",
            ] {
                assert_eq!(a[k], b[k], "{name}: {k}");
            }
        }
        assert_eq!(by_ref(&remote, "python-app")["digestPinned"], true);
        assert_eq!(by_ref(&remote, "node-app")["digestPinned"], false);
        assert_eq!(
            local["totals"]["storage"], remote["totals"]["storage"],
            "shared blobs stored once from a registry too"
        );
    }

    /// The HTML report opens in a real browser with no network: headless
    /// Chromium (Debian's `chromium`) parses it into a DOM with the three
    /// charts and their bars, logs no console message, and takes a
    /// screenshot (kept beside the test's temporary files while it runs).
    #[test]
    fn the_html_report_renders_in_headless_chromium() {
        let chromium = ["chromium", "chromium-browser"]
            .into_iter()
            .find(|c| {
                Command::new(c)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
            .expect(
                "headless Chromium is needed: `apt-get install chromium` (.ci/run installs it)",
            );
        // The whole fleet's before/after pairs, from every transport:
        // docker-archive, OCI archive and OCI layout.
        let archive = |name: &str, file: &str| {
            let p = fleet_image(name).parent().unwrap().join(file);
            assert!(p.is_file(), "{}", p.display());
            p
        };
        let layouts = [
            archive("fat", "docker.tar"),
            archive("slim", "oci.tar"),
            fleet_image("python-app"),
            archive("node-app", "docker.tar"),
            fleet_image("go-distroless"),
            fleet_image("rust-distroless"),
            fleet_image("java-app"),
            fleet_image("distroless"),
        ];
        let t = tmp();
        let html = t.path().join("fleet.html");
        let db = path_str(db());
        let mut args = vec![
            "audit".to_string(),
            "--db".into(),
            db,
            "--format".into(),
            "html".into(),
            "-o".into(),
            path_str(&html),
        ];
        args.extend(layouts.iter().map(|l| path_str(l)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = pare(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let url = format!("file://{}", path_str(&html));
        let profile = t.path().join("profile");
        let base = |extra: &[&str]| -> Output {
            let o = Command::new(chromium)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--enable-logging=stderr",
                    "--v=0",
                    &format!("--user-data-dir={}", path_str(&profile)),
                    "--window-size=1400,2400",
                ])
                .args(extra)
                .arg(&url)
                .stdin(Stdio::null())
                .output()
                .expect("run chromium");
            assert!(o.status.success(), "chromium: {}", stderr(&o));
            o
        };
        // The DOM as Chromium parsed it.
        let dom = base(&["--dump-dom"]);
        let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
        assert_eq!(dom.matches("<svg").count(), 3, "{dom}");
        assert_eq!(dom.matches("class=\"bar-compressed\"").count(), 8);
        assert!(dom.contains("class=\"bar-critical\"") || dom.contains("class=\"bar-high\""));
        assert!(dom.contains("class=\"bar-storage\""));
        // A screenshot, with console messages logged to stderr.
        let png = t.path().join("fleet.png");
        let shot = base(&[&format!("--screenshot={}", path_str(&png))]);
        let err = stderr(&shot);
        for line in err.lines() {
            assert!(
                !line.contains("CONSOLE") && !line.contains("Uncaught"),
                "console message: {line}"
            );
        }
        let img = std::fs::read(&png).expect("screenshot written");
        assert!(img.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        assert!(
            img.len() > 20_000,
            "a blank page is smaller: {} bytes",
            img.len()
        );
    }
}

/// The README's first command: the bundled examples' before/after.
#[test]
fn the_bundled_examples_diff_as_the_readme_says() {
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let fat = path_str(&ex.join("busybox-fat-oci"));
    let slim = path_str(&ex.join("busybox-oci"));
    let o = pare(&["diff", "--no-db", "--format", "json", &fat, &slim]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &d["pairs"][0];
    assert!(p["compressedSize"]["after"].as_f64() < p["compressedSize"]["before"].as_f64());
    assert_eq!(p["layers"]["before"], 3.0);
    assert_eq!(p["layers"]["after"], 2.0);
    assert_removed(&p["packagesRemoved"], &["deb/libc6@"], &[]);
    assert_eq!(p["vulnsCompared"], false, "no database: nothing compared");
    let o = pare(&["audit", "--no-db", &fat, &slim]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("glibc-dynamic binary"), "{text}");
    assert!(text.contains("static binary"), "{text}");
}

/// A package database that cannot be read makes the row incomplete and
/// the exit code 2 (as `pare scan`), with the row still reported.
#[test]
fn an_unreadable_package_database_makes_the_row_incomplete() {
    let t = tmp();
    let img = t.path().join("broken");
    broken_dpkg_image(&img);
    let o = pare(&["audit", "--no-db", "--format", "json", &path_str(&img)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let r = audit_json(&o);
    let inc: Vec<&str> = r["images"][0]["incomplete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        inc.iter()
            .any(|i| i.starts_with("unreadable: ") && i.contains("dpkg/status")),
        "{inc:?}"
    );
    assert!(stderr(&o).contains("incomplete:"), "{}", stderr(&o));
    assert_eq!(r["totals"]["incompleteImages"], 1);
}
