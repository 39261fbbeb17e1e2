//! Wasted bytes and efficiency, as `dive` defines them.
//!
//! dive visits every *leaf* entry of every layer (files, and directories
//! with nothing under them in that layer) and every whiteout, keyed by path.
//! A path seen more than once is an inefficiency: its wasted bytes are the
//! sum of all its sizes (a whiteout counts as size 0). The efficiency score
//! is `Σ min size per path / Σ cumulative size per path`.
//!
//! One deliberate difference: dive 0.13 attributes a directory whiteout to
//! the directory path, which it never saw as a leaf, so the files deleted
//! with `rm -rf dir` are not counted as waste. pare records a deletion of
//! each file under the directory instead, so `RUN rm -rf /opt/cache` shows
//! the bytes it fails to reclaim.

use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct Occurrences {
    map: HashMap<String, (u32, u64, u64)>,
}

impl Occurrences {
    pub(crate) fn record(&mut self, path: &str, size: u64) {
        match self.map.get_mut(path) {
            Some((count, cum, min)) => {
                *count += 1;
                *cum += size;
                *min = (*min).min(size);
            }
            None => {
                self.map.insert(path.to_string(), (1, size, size));
            }
        }
    }

    pub(crate) fn finish(self, layer_sizes: &[u64]) -> Efficiency {
        let mut min_total = 0u64;
        let mut cum_total = 0u64;
        let mut wasted = 0u64;
        let mut list = Vec::new();
        for (path, (count, cum, min)) in self.map {
            min_total += min;
            cum_total += cum;
            if count > 1 {
                wasted += cum;
                list.push(Inefficiency {
                    path,
                    count,
                    cumulative_bytes: cum,
                });
            }
        }
        list.sort_by(|a, b| {
            b.cumulative_bytes
                .cmp(&a.cumulative_bytes)
                .then_with(|| a.path.cmp(&b.path))
        });
        let total: u64 = layer_sizes.iter().sum();
        let user: u64 = layer_sizes.iter().skip(1).sum();
        Efficiency {
            score: if cum_total == 0 {
                1.0
            } else {
                min_total as f64 / cum_total as f64
            },
            wasted_bytes: wasted,
            image_bytes: total,
            user_wasted_ratio: if user == 0 {
                0.0
            } else {
                wasted as f64 / user as f64
            },
            inefficient_paths: list.len(),
            top: list.into_iter().take(50).collect(),
        }
    }
}

/// Image efficiency.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Efficiency {
    /// `Σ min / Σ cumulative`, in `[0, 1]`; 1 when nothing is wasted.
    pub score: f64,
    /// Bytes in paths written more than once or deleted.
    pub wasted_bytes: u64,
    /// Sum of regular-file bytes over all layers.
    pub image_bytes: u64,
    /// Wasted bytes over the bytes of all layers but the first (dive's
    /// `userWastedPercent`, as a ratio).
    pub user_wasted_ratio: f64,
    /// How many paths are inefficient.
    pub inefficient_paths: usize,
    /// The 50 largest inefficiencies.
    pub top: Vec<Inefficiency>,
}

/// One path written more than once.
#[derive(Debug, Clone, Serialize)]
pub struct Inefficiency {
    /// The path.
    pub path: String,
    /// Times it was written or deleted.
    pub count: u32,
    /// Sum of the sizes of every version.
    pub cumulative_bytes: u64,
}
