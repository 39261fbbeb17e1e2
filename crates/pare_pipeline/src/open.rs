//! Step 1: what the user typed → an [`Image`].

use crate::Reporter;
use anyhow::{Context, Result};
use pare_image::{Image, Limits, Platform};
use pare_source::RegistryOptions;

/// An image to read and how to reach it.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    /// As the user typed it (a path, a prefixed reference, a registry
    /// reference).
    pub spec: String,
    /// The platform the user asked for (`--platform`): it must be the
    /// image's. `None`: `linux/amd64` from an index, else whatever the
    /// image is.
    pub platform: Option<Platform>,
    /// How to reach registries.
    pub registry: RegistryOptions,
    /// Decompression limits.
    pub limits: Limits,
}

impl ImageRequest {
    /// A request for `spec` with default platform, registry options and
    /// limits.
    #[must_use]
    pub fn new(spec: impl Into<String>) -> Self {
        Self {
            spec: spec.into(),
            platform: None,
            registry: RegistryOptions::default(),
            limits: Limits::default(),
        }
    }

    /// The same request for another image (the gate's `--base`, an
    /// annotated base): same platform, registry options and limits.
    #[must_use]
    pub fn other(&self, spec: impl Into<String>) -> Self {
        Self {
            spec: spec.into(),
            ..self.clone()
        }
    }
}

/// Open the image `req` names. When the spec is not a local path and is
/// read from a registry without a `registry:` prefix, the reporter hears
/// so before the network is asked.
///
/// # Errors
/// Source and document errors, with the spec as context.
pub fn open(req: &ImageRequest, reporter: &dyn Reporter) -> Result<Image> {
    let spec = req.spec.as_str();
    if let Some(reference) = pare_source::implicit_registry_reference(spec) {
        reporter.note(&format!(
            "`{spec}` is not a local path: reading `{reference}` from its registry"
        ));
    }
    let source = pare_source::open_with(spec, &req.registry)
        .with_context(|| format!("cannot open image `{spec}`"))?;
    Image::open(source, req.platform.as_ref())
        .with_context(|| format!("cannot read image `{spec}`"))
}
