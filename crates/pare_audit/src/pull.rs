//! The cold-pull estimate: how long a node with an empty cache takes to
//! fetch an image's layers.
//!
//! ```text
//! seconds = ceil(layers / concurrency) × latency + compressed bytes × 8 / bandwidth
//! ```
//!
//! Each blob request pays a fixed latency (token, redirect to storage,
//! time to first byte); `concurrency` requests run at once (Docker's and
//! containerd's default `max-concurrent-downloads` is 3), so latency is
//! paid once per wave; the bytes share one link. Unpacking is not
//! counted: it depends on the node's disk, not on the image's shape.
//! Defaults: 100 Mbit/s, 100 ms, 3 — an ordinary cloud node pulling from a
//! registry in another region. The model ranks images and shows the
//! effect of fewer, smaller layers; it is not a measurement.

use crate::model::PullModel;

impl Default for PullModel {
    fn default() -> Self {
        Self {
            bandwidth_mbps: 100.0,
            layer_latency_ms: 100.0,
            concurrency: 3,
        }
    }
}

impl PullModel {
    /// Seconds to pull `layers` blobs totalling `compressed_bytes`.
    #[must_use]
    pub fn seconds(&self, layers: usize, compressed_bytes: u64) -> f64 {
        let conc = self.concurrency.max(1) as usize;
        let waves = layers.div_ceil(conc);
        #[allow(clippy::cast_precision_loss)]
        let latency = waves as f64 * self.layer_latency_ms / 1000.0;
        #[allow(clippy::cast_precision_loss)]
        let transfer = if self.bandwidth_mbps > 0.0 {
            compressed_bytes as f64 * 8.0 / (self.bandwidth_mbps * 1_000_000.0)
        } else {
            f64::INFINITY
        };
        latency + transfer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_paid_per_wave_and_bytes_share_the_link() {
        let m = PullModel::default();
        // 4 layers at concurrency 3: two waves of 100 ms; 100 MB at 100 Mbit/s: 8 s.
        let s = m.seconds(4, 100_000_000);
        assert!((s - 8.2).abs() < 1e-9, "{s}");
        // One layer fewer: one wave.
        let s = m.seconds(3, 100_000_000);
        assert!((s - 8.1).abs() < 1e-9, "{s}");
        let slow = PullModel {
            bandwidth_mbps: 10.0,
            layer_latency_ms: 0.0,
            concurrency: 1,
        };
        assert!((slow.seconds(10, 1_250_000) - 1.0).abs() < 1e-9);
        assert_eq!(m.seconds(0, 0), 0.0);
    }
}
