//! Overhead of reachability on the SBOM pipeline: index + catalog an image
//! without, then with, the reachability globs and probes (plus
//! `reach::analyze`), a few times each, and print wall-clock figures.
//!
//! `cargo run --release -p pare_reach --example reach_bench -- IMAGE [RUNS]`
//!
//! `… -- IMAGE RUNS with|without` runs one configuration silently, for
//! `perf stat -r N` (CPU time is steadier than wall time on a shared host).
#![allow(clippy::print_stdout)]

use pare_catalog as catalogers;
use pare_fsindex::{FsIndex, IndexOptions};
use pare_image::Image;
use pare_reach as reach;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Wants what the script probe wants but extracts nothing: the cost of
/// reading candidate files alone (`REACH_PROBES=noop`).
struct Noop;

impl pare_fsindex::Probe for Noop {
    fn name(&self) -> &'static str {
        "noop"
    }
    fn wants(&self, path: &str, size: u64, mode: u32, head: &[u8]) -> bool {
        pare_fsindex::Probe::wants(&reach::probe::ScriptProbe, path, size, mode, head)
    }
    fn probe(&self, _path: &str, _data: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

fn run(spec: &str, with_reach: bool) -> (Duration, usize, usize, Duration) {
    let t = Instant::now();
    let image =
        Image::open(pare_source::open(spec).expect("open image"), None).expect("read image");
    let mut globs = catalogers::capture_globs();
    let mut probes = catalogers::probes();
    if with_reach {
        globs.extend_from_slice(reach::CAPTURE_GLOBS);
        // REACH_PROBES=reach-elf (or reach-script) keeps only that probe.
        let only = std::env::var("REACH_PROBES").ok();
        if only.as_deref() == Some("noop") {
            probes.push(Arc::new(Noop));
        }
        probes.extend(
            reach::probes()
                .into_iter()
                .filter(|p| only.as_deref().is_none_or(|o| o == p.name())),
        );
    }
    let opts = IndexOptions {
        capture: pare_fsindex::glob_set(&globs),
        probes,
        ..IndexOptions::default()
    };
    let idx = FsIndex::build(&image, &opts).expect("index");
    let distro = catalogers::os_release::detect(&idx);
    let sbom = catalogers::catalog(&image, &idx, distro.as_ref());
    let mut reachable = 0;
    let mut analyze = Duration::ZERO;
    if with_reach && std::env::var_os("REACH_SKIP_ANALYZE").is_none() {
        let t = Instant::now();
        let r = reach::analyze(image.config.as_ref(), &idx, &sbom.packages);
        analyze = t.elapsed();
        reachable = r
            .packages
            .iter()
            .filter(|p| p.status == reach::Status::Reachable)
            .count();
    }
    (t.elapsed(), sbom.packages.len(), reachable, analyze)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let spec = args.next().expect("usage: reach_bench IMAGE [RUNS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    // `with`/`without`: run only that configuration (for `perf stat -r`).
    if let Some(mode) = args.next() {
        for _ in 0..runs {
            let _ = run(&spec, mode == "with");
        }
        return;
    }
    let _ = run(&spec, false); // warm the page cache
    for with in [false, true, false, true] {
        let mut times: Vec<Duration> = (0..runs).map(|_| run(&spec, with).0).collect();
        times.sort();
        let (_, n, r, a) = run(&spec, with);
        println!(
            "{:<13} median {:>8.3}s  min {:>8.3}s  packages {n} reachable {r}  (analyze {:.1} ms)",
            if with { "with reach" } else { "without reach" },
            times[runs / 2].as_secs_f64(),
            times[0].as_secs_f64(),
            a.as_secs_f64() * 1000.0
        );
    }
}
