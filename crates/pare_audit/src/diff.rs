//! `pare diff BEFORE AFTER`: the before/after of a fleet (or of two
//! images): average size, HIGH+ CVEs per image, cold pull p95, registry
//! storage and layer counts; and per image, the sizes, layers, packages
//! added and removed, CVEs fixed and introduced, and the pull estimate.
//!
//! Images are paired by reference; those left over by repository (the
//! reference without its tag or digest); those still left over, in order,
//! when both sides have the same number left (two single-image audits
//! always pair). Anything else is listed as only before or only after.

use crate::model::{AuditReport, ImageRow, Stat};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Version of the diff's JSON schema.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// A before/after value.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Change {
    /// Before (`None`: unknown).
    pub before: Option<f64>,
    /// After.
    pub after: Option<f64>,
}

impl Change {
    fn new(before: Option<f64>, after: Option<f64>) -> Self {
        Self { before, after }
    }

    /// after − before, when both are known.
    #[must_use]
    pub fn delta(&self) -> Option<f64> {
        Some(self.after? - self.before?)
    }

    /// The change relative to before (−0.5 = halved), when defined.
    #[must_use]
    pub fn ratio(&self) -> Option<f64> {
        let (b, a) = (self.before?, self.after?);
        (b != 0.0).then(|| (a - b) / b)
    }
}

/// One fleet metric.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// Stable key (`averageCompressedSize`).
    pub key: &'static str,
    /// As printed.
    pub label: &'static str,
    /// `bytes`, `seconds` or `count`.
    pub unit: &'static str,
    /// The values.
    #[serde(flatten)]
    pub change: Change,
}

/// One image's before/after.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDiff {
    /// Reference before.
    pub before: String,
    /// Reference after.
    pub after: String,
    /// Compressed size.
    pub compressed_size: Change,
    /// Uncompressed size.
    pub uncompressed_size: Change,
    /// Layers.
    pub layers: Change,
    /// Package count.
    pub packages: Change,
    /// HIGH+ CVEs (`None` on a side without a scan).
    pub high_plus: Change,
    /// Cold pull estimate, seconds.
    pub pull_seconds: Change,
    /// Packages only after.
    pub packages_added: Vec<String>,
    /// Packages only before.
    pub packages_removed: Vec<String>,
    /// Finding IDs only before (shown `ID package`): fixed, or gone with
    /// their package. Compared by ID, so a CVE carried by a renamed
    /// package is neither fixed nor introduced. Empty when either side was
    /// not scanned.
    pub vulns_fixed: Vec<String>,
    /// Findings only after.
    pub vulns_introduced: Vec<String>,
    /// Whether both sides were scanned (else the CVE lists are empty
    /// because nothing is known, not because nothing changed).
    pub vulns_compared: bool,
}

/// The diff.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// Images before and after.
    pub images: Change,
    /// Fleet metrics.
    pub fleet: Vec<Metric>,
    /// Paired images.
    pub pairs: Vec<ImageDiff>,
    /// References only before.
    pub only_before: Vec<String>,
    /// References only after.
    pub only_after: Vec<String>,
}

/// `repo` of `host/repo:tag@sha256:…` (paths keep their directories).
fn repository(reference: &str) -> &str {
    let r = reference.split('@').next().unwrap_or(reference);
    match r.rfind(':') {
        Some(i) if !r[i..].contains('/') => &r[..i],
        _ => r,
    }
}

#[allow(clippy::cast_precision_loss)]
fn f(v: u64) -> f64 {
    v as f64
}

fn opt(s: &Stat, pick: fn(&Stat) -> f64) -> Option<f64> {
    (s.count > 0).then(|| pick(s))
}

/// Compare two audits.
#[must_use]
pub fn diff(before: &AuditReport, after: &AuditReport) -> DiffReport {
    let (b, a) = (&before.totals, &after.totals);
    let avg = |s: &Stat| s.average;
    let p95 = |s: &Stat| s.p95;
    #[allow(clippy::cast_precision_loss)]
    let fleet = vec![
        Metric {
            key: "averageCompressedSize",
            label: "average size (compressed)",
            unit: "bytes",
            change: Change::new(opt(&b.compressed_size, avg), opt(&a.compressed_size, avg)),
        },
        Metric {
            key: "averageUncompressedSize",
            label: "average size (uncompressed)",
            unit: "bytes",
            change: Change::new(
                opt(&b.uncompressed_size, avg),
                opt(&a.uncompressed_size, avg),
            ),
        },
        Metric {
            key: "averageHighPlus",
            label: "HIGH+ CVEs per image",
            unit: "count",
            change: Change::new(opt(&b.high_plus, avg), opt(&a.high_plus, avg)),
        },
        Metric {
            key: "pullSecondsP95",
            label: "cold pull p95 (estimate)",
            unit: "seconds",
            change: Change::new(opt(&b.pull_seconds, p95), opt(&a.pull_seconds, p95)),
        },
        Metric {
            key: "registryStorage",
            label: "registry storage (unique blobs)",
            unit: "bytes",
            change: Change::new(
                (b.images > 0).then(|| f(b.storage.unique_bytes)),
                (a.images > 0).then(|| f(a.storage.unique_bytes)),
            ),
        },
        Metric {
            key: "averageLayers",
            label: "layers per image",
            unit: "count",
            change: Change::new(opt(&b.layers, avg), opt(&a.layers, avg)),
        },
        Metric {
            key: "averagePackages",
            label: "packages per image",
            unit: "count",
            change: Change::new(opt(&b.packages, avg), opt(&a.packages, avg)),
        },
    ];
    let (pairs_idx, only_before, only_after) = pair(&before.images, &after.images);
    let pairs = pairs_idx
        .into_iter()
        .map(|(i, j)| image_diff(&before.images[i], &after.images[j]))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        images: Change::new(Some(b.images as f64), Some(a.images as f64)),
        fleet,
        pairs,
        only_before: only_before
            .into_iter()
            .map(|i| before.images[i].reference.clone())
            .collect(),
        only_after: only_after
            .into_iter()
            .map(|j| after.images[j].reference.clone())
            .collect(),
    }
}

type Pairing = (Vec<(usize, usize)>, Vec<usize>, Vec<usize>);

fn pair(before: &[ImageRow], after: &[ImageRow]) -> Pairing {
    let mut left: Vec<usize> = (0..before.len()).collect();
    let mut right: Vec<usize> = (0..after.len()).collect();
    let mut pairs = Vec::new();
    for key in [
        (|r: &ImageRow| r.reference.clone()) as fn(&ImageRow) -> String,
        |r: &ImageRow| repository(&r.reference).to_string(),
    ] {
        let mut i = 0;
        while i < left.len() {
            let k = key(&before[left[i]]);
            let same: Vec<usize> = right
                .iter()
                .copied()
                .filter(|j| key(&after[*j]) == k)
                .collect();
            let unique_left = left.iter().filter(|l| key(&before[**l]) == k).count() == 1;
            if same.len() == 1 && unique_left {
                pairs.push((left[i], same[0]));
                right.retain(|j| *j != same[0]);
                left.remove(i);
            } else {
                i += 1;
            }
        }
    }
    if left.len() == right.len() {
        pairs.extend(left.drain(..).zip(right.drain(..)));
    }
    pairs.sort_unstable();
    (pairs, left, right)
}

/// Findings by ID → `ID package` (a CVE is the same CVE whichever package
/// carries it: `busybox` replaced by `busybox-static` fixes nothing).
fn vuln_keys(r: &ImageRow) -> Option<BTreeMap<String, String>> {
    r.vulns.counts().map(|c| {
        c.ids
            .iter()
            .map(|s| {
                // `ID package severity`
                let mut parts = s.split(' ');
                let id = parts.next().unwrap_or_default().to_string();
                let shown = match parts.next() {
                    Some(p) => format!("{id} {p}"),
                    None => id.clone(),
                };
                (id, shown)
            })
            .collect()
    })
}

fn only_in(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    a.iter()
        .filter(|(id, _)| !b.contains_key(*id))
        .map(|(_, shown)| shown.clone())
        .collect()
}

#[allow(clippy::cast_precision_loss)]
fn image_diff(b: &ImageRow, a: &ImageRow) -> ImageDiff {
    let bp: BTreeSet<&String> = b.packages.iter().collect();
    let ap: BTreeSet<&String> = a.packages.iter().collect();
    let (vulns_fixed, vulns_introduced, vulns_compared) = match (vuln_keys(b), vuln_keys(a)) {
        (Some(bv), Some(av)) => (only_in(&bv, &av), only_in(&av, &bv), true),
        _ => (Vec::new(), Vec::new(), false),
    };
    ImageDiff {
        before: b.reference.clone(),
        after: a.reference.clone(),
        compressed_size: Change::new(b.compressed_size.map(f), a.compressed_size.map(f)),
        uncompressed_size: Change::new(Some(f(b.uncompressed_size)), Some(f(a.uncompressed_size))),
        layers: Change::new(Some(b.layers.len() as f64), Some(a.layers.len() as f64)),
        packages: Change::new(Some(b.package_count as f64), Some(a.package_count as f64)),
        high_plus: Change::new(
            b.vulns.counts().map(|c| c.high_plus as f64),
            a.vulns.counts().map(|c| c.high_plus as f64),
        ),
        pull_seconds: Change::new(b.pull_seconds, a.pull_seconds),
        packages_added: ap.difference(&bp).map(|s| (*s).clone()).collect(),
        packages_removed: bp.difference(&ap).map(|s| (*s).clone()).collect(),
        vulns_fixed,
        vulns_introduced,
        vulns_compared,
    }
}
