//! Unit tests over hand-made rows: storage dedup, shared bases, p95,
//! merge, diff and every renderer.

use crate::model::*;
use std::collections::BTreeMap;

fn layer(diff: &str, size: u64) -> LayerRow {
    LayerRow {
        digest: Some(format!("sha256:blob-{diff}")),
        diff_id: Some(format!("sha256:{diff}")),
        size: Some(size),
        uncompressed_size: size * 3,
    }
}

fn counts(high: usize, critical: usize, ids: &[&str]) -> Vulns {
    let mut by = BTreeMap::new();
    for s in ["critical", "high", "medium", "low", "negligible", "unknown"] {
        by.insert(s.to_string(), 0);
    }
    by.insert("high".into(), high);
    by.insert("critical".into(), critical);
    Vulns::Scanned(VulnCounts {
        by_severity: by,
        high_plus: high + critical,
        fixable_high_plus: high,
        reachable_high_plus: critical,
        unknown_reach_high_plus: 0,
        ids: ids.iter().map(ToString::to_string).collect(),
    })
}

pub(crate) fn row(name: &str, layers: Vec<LayerRow>, vulns: Vulns, packages: &[&str]) -> ImageRow {
    let pull = PullModel::default();
    let compressed: u64 = layers.iter().filter_map(|l| l.size).sum();
    ImageRow {
        reference: name.to_string(),
        manifest_digest: Some(format!("sha256:m-{name}")),
        config_digest: None,
        digest_pinned: crate::row::is_digest_pinned(name),
        platform: Some("linux/amd64".into()),
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        }),
        base: Base {
            name: "debian 12".into(),
            source: "os-release".into(),
        },
        compressed_size: Some(compressed),
        uncompressed_size: layers.iter().map(|l| l.uncompressed_size).sum(),
        pull_seconds: Some(pull.seconds(layers.len(), compressed)),
        layers,
        package_count: packages.len(),
        packages: packages.iter().map(ToString::to_string).collect(),
        incomplete: if matches!(vulns, Vulns::NoDb) {
            vec!["no vulnerability database: CVEs not scanned".into()]
        } else {
            Vec::new()
        },
        vulns,
        runs_as_root: true,
        user: String::new(),
        shells: vec!["/bin/bash".into()],
        package_managers: vec!["apt".into()],
        wasted_bytes: 10,
        recommendations: Vec::new(),
        needs: Needs {
            entrypoint: vec!["/app/run".into()],
            runtime: "glibc-dynamic binary".into(),
            needs_shell: false,
            tools: vec!["run".into()],
            unknown: None,
        },
    }
}

fn fleet() -> AuditReport {
    let base = layer("base", 30_000_000);
    let rows = vec![
        row(
            "reg.example/app:1",
            vec![base.clone(), layer("app", 5_000_000)],
            counts(2, 1, &["CVE-1 openssl high", "CVE-2 zlib critical"]),
            &["deb/openssl@3", "deb/zlib@1"],
        ),
        row(
            "reg.example/worker:1",
            vec![base, layer("worker", 7_000_000), layer("w2", 1_000_000)],
            counts(4, 0, &["CVE-1 openssl high"]),
            &["deb/openssl@3", "deb/curl@8"],
        ),
        row(
            "reg.example/static@sha256:abc",
            vec![layer("distroless", 2_000_000)],
            Vulns::NoDb,
            &[],
        ),
    ];
    crate::run::assemble(rows, Vec::new(), None, PullModel::default())
}

#[test]
fn storage_counts_each_blob_once_against_the_naive_sum() {
    let r = fleet();
    let s = &r.totals.storage;
    assert_eq!(
        s.naive_bytes,
        30_000_000 * 2 + 5_000_000 + 8_000_000 + 2_000_000
    );
    assert_eq!(
        s.unique_bytes,
        30_000_000 + 5_000_000 + 8_000_000 + 2_000_000
    );
    assert_eq!(s.layer_refs, 6);
    assert_eq!(s.unique_blobs, 5);
    assert_eq!(s.unknown_size_layers, 0);
}

#[test]
fn images_sharing_a_first_layer_are_one_base_group() {
    let r = fleet();
    assert_eq!(r.shared_bases.len(), 1);
    let b = &r.shared_bases[0];
    assert_eq!(b.layers, 1);
    assert_eq!(b.bytes, 30_000_000);
    assert_eq!(b.images, ["reg.example/app:1", "reg.example/worker:1"]);
}

#[test]
fn cve_statistics_skip_images_without_a_database() {
    let r = fleet();
    assert_eq!(r.totals.scanned_images, 2);
    assert_eq!(r.totals.high_plus.count, 2);
    assert!((r.totals.high_plus.average - 3.5).abs() < 1e-9);
    assert_eq!(r.totals.incomplete_images, 1);
    assert_eq!(r.totals.unpinned_images, 2);
    // The no-db row never renders as zero CVEs.
    let text = crate::render::text::audit(&r, false);
    let line = text
        .lines()
        .find(|l| l.contains("reg.example/static"))
        .unwrap();
    assert!(line.contains("no db"), "{line}");
    let csv = crate::render::csv::audit(&r);
    let line = csv
        .lines()
        .find(|l| l.starts_with("reg.example/static"))
        .unwrap();
    assert!(line.contains(",no db,,,,,,,"), "{line}");
}

#[test]
fn p95_is_nearest_rank() {
    let v: Vec<f64> = (1..=20).map(f64::from).collect();
    let s = crate::fleet::stat(&v);
    assert_eq!(s.p95, 19.0);
    assert_eq!(s.max, 20.0);
    assert!((s.average - 10.5).abs() < 1e-9);
    assert_eq!(crate::fleet::stat(&[4.0]).p95, 4.0);
    assert_eq!(crate::fleet::stat(&[]).count, 0);
}

#[test]
fn json_round_trips_and_merge_recomputes_totals() {
    let full = fleet();
    let text = crate::render::json(&full);
    let back = crate::merge::parse(&text).unwrap();
    assert_eq!(back, full);
    // Two shards that each saw one image of the shared base.
    let mut a = full.clone();
    a.images.retain(|r| r.reference.contains("app"));
    let mut b = full.clone();
    b.images.retain(|r| !r.reference.contains("app"));
    let a = crate::run::assemble(a.images, vec![], None, PullModel::default());
    let b = crate::run::assemble(b.images, vec![], None, PullModel::default());
    assert_eq!(a.totals.storage.unique_bytes, 35_000_000);
    let merged = crate::merge::merge(vec![a, b.clone(), b]).unwrap();
    assert_eq!(merged.images.len(), 3, "a row seen twice is kept once");
    assert_eq!(merged.totals, full.totals);
    assert_eq!(merged.shared_bases, full.shared_bases);
}

#[test]
fn merge_refuses_other_pull_models_and_parse_names_what_is_wrong() {
    let a = fleet();
    let mut b = fleet();
    b.pull_model.bandwidth_mbps = 1000.0;
    let e = crate::merge::merge(vec![a, b]).unwrap_err().to_string();
    assert!(e.contains("pull model"), "{e}");
    let e = crate::merge::parse("{\"schemaVersion\":1}").unwrap_err();
    assert!(
        format!("{e:#}").contains("not a `pare audit` JSON report"),
        "{e:#}"
    );
    let mut v: serde_json::Value = serde_json::from_str(&crate::render::json(&fleet())).unwrap();
    v["schemaVersion"] = 99.into();
    let e = crate::merge::parse(&v.to_string()).unwrap_err();
    assert!(format!("{e:#}").contains("newer"), "{e:#}");
    assert!(crate::merge::parse("not json").is_err());
}

#[test]
fn diff_pairs_by_repository_and_lists_what_changed() {
    let before = fleet();
    let slim = crate::run::assemble(
        vec![
            row(
                "reg.example/app:2",
                vec![layer("distroless", 2_000_000), layer("app", 5_000_000)],
                // The same CVE, carried by a renamed package.
                counts(0, 1, &["CVE-2 zlib1g critical"]),
                &["deb/zlib@1"],
            ),
            row(
                "reg.example/worker:2",
                vec![layer("distroless", 2_000_000), layer("worker", 7_000_000)],
                counts(0, 0, &[]),
                &["deb/curl@8", "deb/libcurl@8"],
            ),
        ],
        vec![],
        None,
        PullModel::default(),
    );
    let d = crate::diff::diff(&before, &slim);
    assert_eq!(d.pairs.len(), 2);
    assert_eq!(d.only_before, ["reg.example/static@sha256:abc"]);
    let app = d
        .pairs
        .iter()
        .find(|p| p.before == "reg.example/app:1")
        .unwrap();
    assert_eq!(app.after, "reg.example/app:2");
    assert_eq!(app.packages_removed, ["deb/openssl@3"]);
    assert!(app.packages_added.is_empty());
    assert_eq!(app.vulns_fixed, ["CVE-1 openssl"]);
    assert!(app.vulns_introduced.is_empty());
    assert_eq!(app.compressed_size.delta(), Some(-28_000_000.0));
    let worker = d
        .pairs
        .iter()
        .find(|p| p.before == "reg.example/worker:1")
        .unwrap();
    assert_eq!(worker.packages_added, ["deb/libcurl@8"]);
    assert_eq!(worker.layers.delta(), Some(-1.0));
    let storage = d.fleet.iter().find(|m| m.key == "registryStorage").unwrap();
    assert_eq!(storage.change.before, Some(45_000_000.0));
    assert_eq!(storage.change.after, Some(14_000_000.0));
    let high = d.fleet.iter().find(|m| m.key == "averageHighPlus").unwrap();
    assert_eq!(high.change.before, Some(3.5));
    assert_eq!(high.change.after, Some(0.5));
    let text = crate::render::text::diff(&d, false);
    assert!(text.contains("registry storage (unique blobs)"), "{text}");
    assert!(text.contains("-31.0 MB (-69%)"), "{text}");
    let md = crate::render::text::diff(&d, true);
    assert!(md.starts_with("# Before / after"), "{md}");
    assert!(md.contains("| HIGH+ CVEs per image | 3.5 | 0.5 |"), "{md}");
}

#[test]
fn a_side_without_a_database_is_not_compared_for_cves() {
    let mut a = fleet();
    a.images.truncate(1);
    let mut b = a.clone();
    b.images[0].vulns = Vulns::NoDb;
    let d = crate::diff::diff(&a, &b);
    assert!(!d.pairs[0].vulns_compared);
    assert!(d.pairs[0].vulns_fixed.is_empty());
    assert!(crate::render::text::diff(&d, false).contains("CVEs: not compared"));
}

#[test]
fn html_is_self_contained_with_charts_and_escaped_text() {
    let mut r = fleet();
    r.images[0].reference = "reg.example/<script>alert(1)</script>:1".into();
    let h = crate::render::html::audit(&r);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(!h.contains("<script"), "no script, and names are escaped");
    assert!(h.contains("&lt;script&gt;"));
    for net in ["http://", "https://", "src=", "@import", "url("] {
        let n = h.matches(net).count();
        // The only URL is the SVG namespace, an identifier that is never fetched.
        let allowed = if net == "http://" {
            h.matches("<svg").count()
        } else {
            0
        };
        assert_eq!(n, allowed, "{net}");
    }
    assert_eq!(h.matches("<svg").count(), 3, "size, CVE and storage charts");
    // One CVE bar per scanned image with findings, and the no-db image says so.
    assert!(h.contains("no db: not scanned"));
    assert_eq!(h.matches("class=\"bar-compressed\"").count(), 3);
}

#[test]
fn markdown_and_table_show_fleet_storage_and_needs() {
    let r = fleet();
    let md = crate::render::text::audit(&r, true);
    assert!(md.contains("## What each image needs to run"));
    assert!(
        md.contains("registry storage: 45.0 MB for 5 unique blobs, against 75.0 MB"),
        "{md}"
    );
    assert!(md.contains("## Shared base layers"));
    let t = crate::render::text::audit(&r, false);
    assert!(t.contains("glibc-dynamic binary"));
}

#[test]
fn an_audited_image_that_is_another_ones_first_layers_is_its_base() {
    let mut r = fleet();
    let base_only = row(
        "reg.example/debian:12",
        vec![layer("base", 30_000_000)],
        Vulns::NoDb,
        &[],
    );
    r.images.push(base_only);
    let r = crate::run::assemble(r.images, vec![], None, PullModel::default());
    let app = r
        .images
        .iter()
        .find(|i| i.reference == "reg.example/app:1")
        .unwrap();
    assert_eq!(app.base.name, "reg.example/debian:12");
    assert_eq!(app.base.source, "fleet");
    let static_ = r
        .images
        .iter()
        .find(|i| i.reference.contains("static"))
        .unwrap();
    assert_eq!(static_.base.source, "os-release");
    assert_eq!(r.shared_bases[0].name, "reg.example/debian:12");
    assert_eq!(r.shared_bases[0].images.len(), 3);
    // Stored once, however many images use it.
    assert_eq!(r.totals.storage.unique_bytes, 45_000_000);
}
