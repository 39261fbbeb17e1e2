//! Fleet totals over the rows: averages and p95 of each column, registry
//! storage with each unique blob counted once, and the base layers images
//! share.

use crate::model::{ImageRow, SharedBase, Stat, Storage, Totals};
use std::collections::{BTreeMap, HashSet};

/// Average, nearest-rank p95 and max of `values`.
#[must_use]
pub fn stat(values: &[f64]) -> Stat {
    if values.is_empty() {
        return Stat::default();
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let sum: f64 = v.iter().sum();
    #[allow(clippy::cast_precision_loss)]
    let n = v.len() as f64;
    // Nearest rank: the smallest value with at least 95 % of values at or below it.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((0.95 * n).ceil() as usize).clamp(1, v.len());
    Stat {
        count: v.len(),
        sum,
        average: sum / n,
        p95: v[rank - 1],
        max: v[v.len() - 1],
    }
}

/// Registry storage: the naive sum of every image's layers against each
/// unique blob counted once.
#[must_use]
pub fn storage(rows: &[ImageRow]) -> Storage {
    let mut s = Storage::default();
    let mut seen: HashSet<&str> = HashSet::new();
    for r in rows {
        for l in &r.layers {
            s.layer_refs += 1;
            let Some(size) = l.size else {
                s.unknown_size_layers += 1;
                continue;
            };
            s.naive_bytes = s.naive_bytes.saturating_add(size);
            match l.blob_key() {
                Some(k) => {
                    if seen.insert(k) {
                        s.unique_blobs += 1;
                        s.unique_bytes = s.unique_bytes.saturating_add(size);
                    }
                }
                None => {
                    // No identity: it cannot be shown to be shared.
                    s.unique_blobs += 1;
                    s.unique_bytes = s.unique_bytes.saturating_add(size);
                }
            }
        }
    }
    s
}

/// Groups of images sharing leading layers (by diff_id, so the same base
/// compressed differently still counts as the same content; its bytes are
/// the first image's blob sizes). Images are grouped by their first layer;
/// a group's shared prefix is the longest run of leading layers all its
/// images have in common. Groups of one are not listed.
#[must_use]
pub fn shared_bases(rows: &[ImageRow]) -> Vec<SharedBase> {
    let mut groups: BTreeMap<&str, Vec<&ImageRow>> = BTreeMap::new();
    for r in rows {
        if let Some(first) = r.layers.first().and_then(|l| l.diff_id.as_deref()) {
            groups.entry(first).or_default().push(r);
        }
    }
    let mut out: Vec<SharedBase> = Vec::new();
    for members in groups.values() {
        if members.len() < 2 {
            continue;
        }
        let first = members[0];
        let mut n = 0;
        while n < first.layers.len()
            && members.iter().all(|m| {
                m.layers.get(n).and_then(|l| l.diff_id.as_deref())
                    == first.layers[n].diff_id.as_deref()
            })
        {
            n += 1;
        }
        let bytes = first.layers[..n]
            .iter()
            .filter_map(|l| l.size)
            .fold(0u64, u64::saturating_add);
        // An audited image that is exactly the shared layers is the base.
        let name = members
            .iter()
            .filter(|m| m.layers.len() == n)
            .map(|m| m.reference.clone())
            .min()
            .unwrap_or_else(|| first.base.name.clone());
        let mut images: Vec<String> = members.iter().map(|m| m.reference.clone()).collect();
        images.sort();
        images.dedup();
        out.push(SharedBase {
            name,
            layers: n,
            bytes,
            images,
        });
    }
    out.sort_by(|a, b| {
        b.images
            .len()
            .cmp(&a.images.len())
            .then(a.name.cmp(&b.name))
    });
    out
}

/// The base of each row that is another audited image: the image whose
/// layers (by diff_id) are the longest strict prefix of the row's. An OCI
/// base annotation is kept as it is.
pub fn detect_bases(rows: &mut [ImageRow]) {
    let ids: Vec<(String, Vec<Option<String>>)> = rows
        .iter()
        .map(|r| {
            (
                r.reference.clone(),
                r.layers.iter().map(|l| l.diff_id.clone()).collect(),
            )
        })
        .collect();
    for r in rows.iter_mut() {
        if r.base.source == "annotation" {
            continue;
        }
        let mine: Vec<Option<String>> = r.layers.iter().map(|l| l.diff_id.clone()).collect();
        let best = ids
            .iter()
            .filter(|(name, p)| {
                *name != r.reference
                    && !p.is_empty()
                    && p.len() < mine.len()
                    && p.iter().all(Option::is_some)
                    && mine[..p.len()] == p[..]
            })
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(&a.0)));
        if let Some((name, _)) = best {
            r.base = crate::model::Base {
                name: name.clone(),
                source: "fleet".into(),
            };
        }
    }
}

/// Totals over the rows.
#[must_use]
pub fn totals(rows: &[ImageRow]) -> Totals {
    #[allow(clippy::cast_precision_loss)]
    let col = |f: &dyn Fn(&ImageRow) -> Option<f64>| -> Stat {
        stat(&rows.iter().filter_map(f).collect::<Vec<_>>())
    };
    #[allow(clippy::cast_precision_loss)]
    Totals {
        images: rows.len(),
        compressed_size: col(&|r| r.compressed_size.map(|v| v as f64)),
        uncompressed_size: col(&|r| Some(r.uncompressed_size as f64)),
        layers: col(&|r| Some(r.layers.len() as f64)),
        packages: col(&|r| Some(r.package_count as f64)),
        high_plus: col(&|r| r.vulns.counts().map(|c| c.high_plus as f64)),
        scanned_images: rows.iter().filter(|r| r.vulns.counts().is_some()).count(),
        pull_seconds: col(&|r| r.pull_seconds),
        storage: storage(rows),
        root_images: rows.iter().filter(|r| r.runs_as_root).count(),
        shell_images: rows.iter().filter(|r| !r.shells.is_empty()).count(),
        package_manager_images: rows
            .iter()
            .filter(|r| !r.package_managers.is_empty())
            .count(),
        unpinned_images: rows.iter().filter(|r| !r.digest_pinned).count(),
        incomplete_images: rows.iter().filter(|r| !r.incomplete.is_empty()).count(),
    }
}
