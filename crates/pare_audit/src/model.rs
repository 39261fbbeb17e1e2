//! The audit's data model: the stable JSON schema (`schemaVersion` 1)
//! that `pare audit --format json` writes and `pare diff` and
//! `pare audit --merge` read back. Documented field by field in
//! `docs/audit.md`; a field is only ever added (with a default, so older
//! files still read), never renamed or repurposed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the schema written.
pub const SCHEMA_VERSION: u32 = 1;

/// A fleet audit: one row per image, then the fleet's totals.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    /// Version of this schema.
    pub schema_version: u32,
    /// The cold-pull model the estimates use.
    pub pull_model: PullModel,
    /// The vulnerability database the rows were scanned against (`None`:
    /// no database; every row's CVE columns say so).
    #[serde(default)]
    pub database: Option<Database>,
    /// One row per image, sorted by reference.
    pub images: Vec<ImageRow>,
    /// Images that could not be read: reference and the one-line error.
    #[serde(default)]
    pub errors: Vec<ImageError>,
    /// Fleet totals (recomputed from the rows on `--merge`).
    pub totals: Totals,
    /// Base layers shared by several images.
    #[serde(default)]
    pub shared_bases: Vec<SharedBase>,
}

/// The vulnerability database used.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Database {
    /// Path, as opened.
    pub path: String,
    /// Last import (RFC 3339).
    #[serde(default)]
    pub last_import: Option<String>,
}

/// An image that could not be audited.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ImageError {
    /// As given.
    pub reference: String,
    /// One line: the cause.
    pub error: String,
}

/// The cold-pull estimate's parameters (see [`crate::pull`]).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PullModel {
    /// Link bandwidth, megabits per second.
    pub bandwidth_mbps: f64,
    /// Fixed cost of each blob request (token, redirect, first byte), ms.
    pub layer_latency_ms: f64,
    /// Blobs fetched at once (Docker's `max-concurrent-downloads`: 3).
    pub concurrency: u32,
}

/// One image's row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImageRow {
    /// As given.
    pub reference: String,
    /// Manifest digest (the image's identity in a registry), when known.
    #[serde(default)]
    pub manifest_digest: Option<String>,
    /// Config digest (image ID).
    #[serde(default)]
    pub config_digest: Option<String>,
    /// Whether the reference names its digest (`…@sha256:…`).
    pub digest_pinned: bool,
    /// `os/arch[/variant]`.
    #[serde(default)]
    pub platform: Option<String>,
    /// The OS release (`/etc/os-release`).
    #[serde(default)]
    pub os: Option<OsRelease>,
    /// The base image, as far as it can be told.
    pub base: Base,
    /// Sum of layer blob sizes as stored (`None` when a blob size is not
    /// recorded, e.g. a rootfs directory).
    #[serde(default)]
    pub compressed_size: Option<u64>,
    /// Sum of uncompressed layer tar sizes.
    pub uncompressed_size: u64,
    /// Layers, base first.
    pub layers: Vec<LayerRow>,
    /// Packages found (every ecosystem).
    pub package_count: usize,
    /// Every package, `ecosystem/name@version`, sorted (what `diff` uses
    /// to list added and removed packages).
    #[serde(default)]
    pub packages: Vec<String>,
    /// Vulnerabilities, or why there are none to show.
    pub vulns: Vulns,
    /// Runs as uid 0.
    pub runs_as_root: bool,
    /// `USER` as configured (`""`: unset).
    #[serde(default)]
    pub user: String,
    /// Shells present.
    #[serde(default)]
    pub shells: Vec<String>,
    /// Package managers present.
    #[serde(default)]
    pub package_managers: Vec<String>,
    /// Bytes of lower layers overwritten or deleted by upper ones.
    pub wasted_bytes: u64,
    /// Estimated cold pull time, seconds (`None` without blob sizes).
    #[serde(default)]
    pub pull_seconds: Option<f64>,
    /// What the image needs to run.
    pub needs: Needs,
    /// Why the row is incomplete (unreadable package databases, no
    /// vulnerability database, reachability unknown); empty when complete.
    #[serde(default)]
    pub incomplete: Vec<String>,
    /// What could be done, with the estimated saving.
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
}

/// One recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// `base`, `package-manager`, `shell`, `build-tools`, `waste`, `root`.
    pub kind: String,
    /// What to do and why.
    pub message: String,
    /// Estimated bytes saved: for a base, the compressed size above the
    /// base's when its size is known, else the bytes of the packages the
    /// entrypoint never loads; for waste, the wasted bytes.
    #[serde(default)]
    pub saving_bytes: Option<u64>,
    /// What `savingBytes` measures: `compressed` (pulled and stored) or
    /// `unpacked` (file bytes on the node's disk).
    #[serde(default)]
    pub saving_of: Option<String>,
    /// HIGH+ CVEs in packages the entrypoint never loads (they go with a
    /// base that drops those packages).
    #[serde(default)]
    pub saving_high_plus: Option<usize>,
}

impl ImageRow {
    /// Layer count.
    #[must_use]
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }
}

/// `/etc/os-release`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OsRelease {
    /// `ID`.
    pub id: String,
    /// `VERSION_ID`.
    #[serde(default)]
    pub version_id: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default)]
    pub pretty_name: Option<String>,
}

/// The base image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Base {
    /// What it is called: the OCI base annotation's reference, else the OS
    /// (`debian 12`), else `scratch` (no OS release), else `unknown`.
    pub name: String,
    /// How it was told: `annotation` (`org.opencontainers.image.base.name`),
    /// `fleet` (another audited image whose layers are this one's first
    /// layers), `os-release`, `no-os-release`.
    pub source: String,
}

/// One layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LayerRow {
    /// Blob digest as stored, when known.
    #[serde(default)]
    pub digest: Option<String>,
    /// diff_id (uncompressed digest).
    #[serde(default)]
    pub diff_id: Option<String>,
    /// Blob size as stored, when known.
    #[serde(default)]
    pub size: Option<u64>,
    /// Uncompressed tar size.
    pub uncompressed_size: u64,
}

impl LayerRow {
    /// The key a registry stores the blob under: its digest, else its
    /// diff_id (an uncompressed blob's digest is its diff_id).
    #[must_use]
    pub fn blob_key(&self) -> Option<&str> {
        self.digest.as_deref().or(self.diff_id.as_deref())
    }
}

/// Vulnerabilities of one image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum Vulns {
    /// Scanned against the database.
    Scanned(VulnCounts),
    /// No database was given or found: nothing is known (never shown as
    /// zero).
    NoDb,
}

impl Vulns {
    /// The counts, when scanned.
    #[must_use]
    pub fn counts(&self) -> Option<&VulnCounts> {
        match self {
            Vulns::Scanned(c) => Some(c),
            Vulns::NoDb => None,
        }
    }
}

/// Counts of one scan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VulnCounts {
    /// Findings per severity (`critical`, `high`, `medium`, `low`,
    /// `negligible`, `unknown`), zeros included.
    pub by_severity: BTreeMap<String, usize>,
    /// HIGH and CRITICAL findings.
    pub high_plus: usize,
    /// HIGH+ findings with a fixed version.
    pub fixable_high_plus: usize,
    /// HIGH+ findings in packages the entrypoint loads.
    pub reachable_high_plus: usize,
    /// HIGH+ findings whose reachability is unknown.
    pub unknown_reach_high_plus: usize,
    /// Every finding ID (`CVE-…`, else the advisory's), with its package
    /// and severity: `ID package severity`, sorted (what `diff` compares).
    #[serde(default)]
    pub ids: Vec<String>,
}

/// What an image needs to run, from its config and the reachability
/// analysis.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Needs {
    /// `ENTRYPOINT` + `CMD`.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// The runtime: `python 3.11`, `node 18.19`, `java 17`, `go 1.19
    /// static binary`, `static binary`, `glibc-dynamic binary`,
    /// `musl-dynamic binary`, `shell script`, or `unknown`.
    pub runtime: String,
    /// Whether the entrypoint or the health check runs a shell.
    pub needs_shell: bool,
    /// Programs the commands and the health check run, by file name
    /// (`curl`, `sh`), in the order they are run.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Why this is not fully known, when it is not.
    #[serde(default)]
    pub unknown: Option<String>,
}

/// Fleet totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Images audited.
    pub images: usize,
    /// Average and p95 of compressed size (bytes).
    pub compressed_size: Stat,
    /// Average and p95 of uncompressed size (bytes).
    pub uncompressed_size: Stat,
    /// Average and p95 of layer counts.
    pub layers: Stat,
    /// Average and p95 of package counts.
    pub packages: Stat,
    /// Average and p95 of HIGH+ CVEs per image (scanned images only).
    pub high_plus: Stat,
    /// Images scanned (the CVE statistics are over these).
    pub scanned_images: usize,
    /// Average and p95 of the cold pull estimate (seconds).
    pub pull_seconds: Stat,
    /// Registry storage.
    pub storage: Storage,
    /// Images running as root.
    pub root_images: usize,
    /// Images with a shell.
    pub shell_images: usize,
    /// Images with a package manager.
    pub package_manager_images: usize,
    /// Images whose reference is not digest-pinned.
    pub unpinned_images: usize,
    /// Images with an incomplete row.
    pub incomplete_images: usize,
}

/// Average and 95th percentile (nearest rank) of a column, over the
/// images that have a value.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stat {
    /// Images with a value.
    pub count: usize,
    /// Sum.
    pub sum: f64,
    /// Mean.
    pub average: f64,
    /// 95th percentile, nearest rank.
    pub p95: f64,
    /// Largest.
    pub max: f64,
}

/// Registry storage of the fleet.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    /// Sum of every image's compressed size, as if nothing were shared.
    pub naive_bytes: u64,
    /// Each unique blob counted once (what a registry stores).
    pub unique_bytes: u64,
    /// Layer references across images.
    pub layer_refs: usize,
    /// Unique blobs.
    pub unique_blobs: usize,
    /// Layers whose blob size is unknown (not counted in either sum).
    pub unknown_size_layers: usize,
}

/// Leading layers several images share (the same base).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SharedBase {
    /// The audited image that is exactly these layers, else the base name
    /// of the group's first image.
    pub name: String,
    /// Leading layers every image of the group has in common.
    pub layers: usize,
    /// Their compressed bytes (stored once).
    pub bytes: u64,
    /// The images, sorted.
    pub images: Vec<String>,
}
