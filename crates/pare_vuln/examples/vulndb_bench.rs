//! Times a full import and a 1,000-package match (used by
//! `scripts/bench-vulndb.sh`; not a test). `BENCH_DETAIL=1` adds per-package
//! times.
//!
//! Usage: `vulndb_bench DB_PATH VULNDB_DIR`

use pare_findings::{Distro, Ecosystem, Package};
use std::path::PathBuf;
use std::time::Instant;

fn pkg(eco: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem: eco,
        purl: String::new(),
        source_name: None,
        source_version: None,
        arch: None,
        licenses: vec![],
        layer: None,
        locations: vec![],
        files: vec![],
        dev: false,
        cataloger: "bench",
    }
}

/// CPU time of this thread in ms (Linux `schedstat`), to see through a
/// loaded machine's wall-clock noise; `NaN` elsewhere.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db_path = PathBuf::from(
        args.next()
            .ok_or("usage: vulndb_bench DB_PATH VULNDB_DIR")?,
    );
    let src = PathBuf::from(
        args.next()
            .ok_or("usage: vulndb_bench DB_PATH VULNDB_DIR")?,
    );
    // `BENCH_REUSE_DB=1` keeps an existing database (to time matching only).
    if std::env::var_os("BENCH_REUSE_DB").is_none() || !db_path.exists() {
        let _ = std::fs::remove_file(&db_path);
        let t = Instant::now();
        let summary = pare_vuln::db::import(&db_path, &[src])?;
        let import_s = t.elapsed().as_secs_f64();
        let status = pare_vuln::db::status(&db_path)?;
        println!(
            "import: {import_s:.2} s, {} files, {} records ({} withdrawn), {} affected rows, db {} bytes",
            summary.files, status.records, status.withdrawn, summary.affected, status.size_bytes
        );
    }
    let db = pare_vuln::db::open(&db_path)?;
    // 1,000 packages: real names from the data at old versions, so most match.
    let names = [
        (Ecosystem::Deb, "openssl", "3.0.2-1"),
        (Ecosystem::Deb, "glibc", "2.36-9"),
        (Ecosystem::Deb, "curl", "7.88.1-10"),
        (Ecosystem::Deb, "zlib", "1:1.2.13.dfsg-1"),
        (Ecosystem::Pypi, "django", "3.2.0"),
        (Ecosystem::Pypi, "requests", "2.20.0"),
        (Ecosystem::Npm, "lodash", "4.17.10"),
        (
            Ecosystem::Maven,
            "com.fasterxml.jackson.core:jackson-databind",
            "2.9.8",
        ),
        (Ecosystem::Go, "stdlib", "go1.20.1"),
        (Ecosystem::Cargo, "tokio", "1.0.0"),
    ];
    let packages: Vec<Package> = (0..1000)
        .map(|i| {
            let (e, n, v) = names[i % names.len()];
            if i % 4 == 0 {
                pkg(e, &format!("{n}-nomatch-{i}"), v)
            } else {
                pkg(e, n, v)
            }
        })
        .collect();
    let distro = Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Distro::default()
    };
    let (t, c) = (Instant::now(), cpu_ms());
    let m = pare_vuln::match_packages(&db, Some(&distro), &packages)?;
    let (first, first_cpu) = (t.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c);
    let (t, c) = (Instant::now(), cpu_ms());
    let m2 = pare_vuln::match_packages(&db, Some(&distro), &packages)?;
    let (second, second_cpu) = (t.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c);
    assert_eq!(m.len(), m2.len());
    println!(
        "match 1000 packages: {first:.1} ms (first; CPU {first_cpu:.1} ms), {second:.1} ms (second; CPU {second_cpu:.1} ms), {} findings",
        m.len()
    );
    // 1,000 packages with no two alike: the same names, each at its own
    // version, so every package is evaluated (no repeated-package reuse).
    let distinct: Vec<Package> = (0..1000)
        .map(|i| {
            let (e, n, v) = names[i % names.len()];
            let k = i / names.len();
            let v = match e {
                Ecosystem::Deb => format!("{v}+bench{k}"),
                Ecosystem::Go => format!("go1.{}.{}", 16 + k % 8, k / 8),
                Ecosystem::Maven => format!("2.{}.{}", 6 + k % 8, k / 8),
                _ => {
                    let mut parts = v.split('.');
                    let major = parts.next().unwrap_or("1");
                    format!("{major}.{}.{}", k % 10, k / 10)
                }
            };
            if i % 4 == 0 {
                pkg(e, &format!("{n}-nomatch-{i}"), &v)
            } else {
                pkg(e, n, &v)
            }
        })
        .collect();
    let (t, c) = (Instant::now(), cpu_ms());
    let m = pare_vuln::match_packages(&db, Some(&distro), &distinct)?;
    println!(
        "match 1000 distinct package versions: {:.1} ms (CPU {:.1} ms), {} findings",
        t.elapsed().as_secs_f64() * 1000.0,
        cpu_ms() - c,
        m.len()
    );
    if std::env::var_os("BENCH_DETAIL").is_some() {
        for (e, n, v) in names {
            let p = [pkg(e, n, v)];
            let t = Instant::now();
            let m = pare_vuln::match_packages(&db, Some(&distro), &p)?;
            println!(
                "  {n}: {:.2} ms, {} findings",
                t.elapsed().as_secs_f64() * 1000.0,
                m.len()
            );
        }
        let p: Vec<Package> = (0..250)
            .map(|i| pkg(Ecosystem::Npm, &format!("x-nomatch-{i}"), "1.0.0"))
            .collect();
        let t = Instant::now();
        pare_vuln::match_packages(&db, Some(&distro), &p)?;
        println!("  250 misses: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(())
}
