//! The image config. pare declares its own serde types rather than using
//! `oci-spec`'s: Docker's config carries fields OCI dropped
//! (`Healthcheck`, `OnBuild`, `Shell`) that the hygiene checks need, and
//! real configs contain `null`s where the spec says arrays, which must not
//! make pare reject an image every runtime accepts.

use pare_source::Digest;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The config blob.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ConfigFile {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Runtime defaults.
    #[serde(default, deserialize_with = "null_default")]
    pub config: ContainerConfig,
    /// Layer diff_ids.
    #[serde(default)]
    pub rootfs: RootFs,
    /// Build history, one entry per step (some without a layer).
    #[serde(default, deserialize_with = "null_default")]
    pub history: Vec<History>,
}

/// `rootfs` of the config.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Digest of each uncompressed layer tar, base first.
    #[serde(default, deserialize_with = "null_default")]
    pub diff_ids: Vec<Digest>,
}

/// One build step.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct History {
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The instruction (`/bin/sh -c #(nop) COPY ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// True when the step made no layer.
    #[serde(default)]
    pub empty_layer: bool,
}

/// The container defaults (`config` in the blob; Docker's capitalised keys).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// `USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ENV` as `NAME=value`.
    #[serde(default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    /// `ENTRYPOINT`.
    #[serde(default, deserialize_with = "null_default")]
    pub entrypoint: Vec<String>,
    /// `CMD`.
    #[serde(default, deserialize_with = "null_default")]
    pub cmd: Vec<String>,
    /// `WORKDIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `EXPOSE` (`8080/tcp` -> {}).
    #[serde(default, deserialize_with = "null_default")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    /// `VOLUME`.
    #[serde(default, deserialize_with = "null_default")]
    pub volumes: BTreeMap<String, serde_json::Value>,
    /// `LABEL`.
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// `HEALTHCHECK` (Docker configs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// `STOPSIGNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// `SHELL`.
    #[serde(default, deserialize_with = "null_default")]
    pub shell: Vec<String>,
    /// `ONBUILD` triggers.
    #[serde(default, deserialize_with = "null_default")]
    pub on_build: Vec<String>,
}

/// `HEALTHCHECK`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    #[serde(default, deserialize_with = "null_default")]
    pub test: Vec<String>,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
}

impl ConfigFile {
    /// History entries that made a layer, in layer order.
    #[must_use]
    pub fn layer_history(&self) -> Vec<&History> {
        self.history.iter().filter(|h| !h.empty_layer).collect()
    }
}
