//! Flags `pare audit` and `pare diff` share: how images are read and
//! scanned, and the cold-pull model.

use crate::args::{DbLocation, RegistryArgs};
use crate::output::warn;
use anyhow::{bail, Result};
use pare_audit::model::PullModel;
use pare_audit::run::AuditOptions;
use pare_image::Platform;
use pare_pipeline::open::ImageRequest;

/// The cold-pull model's parameters (shared with `pare diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    /// Cold-pull model: link bandwidth in Mbit/s.
    #[arg(long, value_name = "MBITS", default_value_t = 100.0)]
    pub bandwidth: f64,
    /// Cold-pull model: fixed cost of each blob request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    pub layer_latency: f64,
    /// Cold-pull model: blobs fetched at once (Docker's default is 3).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub pull_concurrency: u32,
}

impl PullArgs {
    /// The model.
    ///
    /// # Errors
    /// A bandwidth that is not positive.
    pub fn model(&self) -> Result<PullModel> {
        if !(self.bandwidth > 0.0 && self.bandwidth.is_finite()) {
            bail!("`--bandwidth` must be a positive number of Mbit/s");
        }
        if !(self.layer_latency >= 0.0 && self.layer_latency.is_finite()) {
            bail!("`--layer-latency` must be zero or more milliseconds");
        }
        Ok(PullModel {
            bandwidth_mbps: self.bandwidth,
            layer_latency_ms: self.layer_latency,
            concurrency: self.pull_concurrency.max(1),
        })
    }
}

/// How images are read and scanned (shared with `pare diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// How to reach registries.
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Platform to read from multi-platform indexes (`os/arch[/variant]`).
    #[arg(long)]
    pub platform: Option<Platform>,
    /// Refuse layers that expand past this many bytes (decompression bombs).
    #[arg(long, default_value_t = 64 << 30)]
    pub max_layer_size: u64,
    /// Where the vulnerability database is. Without `--db`/`PARE_DB` and
    /// no database in the cache, CVE columns say `no db`.
    #[command(flatten)]
    pub db: DbLocation,
    /// Do not scan for vulnerabilities (CVE columns say `no db`).
    #[arg(long)]
    pub no_db: bool,
    /// The cold-pull model.
    #[command(flatten)]
    pub pull: PullArgs,
}

impl ReadArgs {
    /// The request for one image.
    ///
    /// # Errors
    /// Unreadable `--password-stdin`.
    pub fn request(&self, spec: &str) -> Result<ImageRequest> {
        Ok(ImageRequest {
            spec: spec.to_string(),
            platform: self.platform.clone(),
            registry: self.registry.options()?,
            limits: pare_image::Limits {
                max_layer_bytes: self.max_layer_size,
                ..Default::default()
            },
            program: None,
        })
    }

    /// The audit options: the database when there is one (a `--db` or
    /// `PARE_DB` that does not exist is an error; a missing default
    /// database is a warning and `no db`).
    ///
    /// # Errors
    /// A bad model or a named database that is missing.
    pub fn options(&self) -> Result<AuditOptions> {
        let pull = self.pull.model()?;
        if self.no_db {
            return Ok(AuditOptions { db: None, pull });
        }
        let db = match &self.db.db {
            Some(p) => {
                pare_pipeline::db::check_not_a_dir(p)?;
                if !p.is_file() {
                    pare_pipeline::db::open(p)?; // the error with its hint
                }
                Some(p.clone())
            }
            None => {
                let p = pare_pipeline::db::default_path()?;
                if p.is_file() {
                    Some(p)
                } else {
                    warn(format_args!(
                        "no vulnerability database at `{}`: CVE columns say `no db` (create it with `pare db update` or `pare db import`, or pass `--no-db`)",
                        p.display()
                    ));
                    None
                }
            }
        };
        Ok(AuditOptions { db, pull })
    }
}
