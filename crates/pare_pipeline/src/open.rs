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
    /// What the container runs instead of the image's own `ENTRYPOINT`
    /// and `CMD` (`--entrypoint`, `--cmd`), applied to the config as the
    /// image is opened: every later step sees it.
    pub program: Option<Program>,
}

/// A program to run in place of the image's `ENTRYPOINT`/`CMD`, as
/// `docker run --entrypoint … IMAGE ARGS…` or a Kubernetes container's
/// `command`/`args` give one: a new entrypoint drops the image's `CMD`
/// unless a new one is given too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Program {
    /// The new `ENTRYPOINT` (exec form).
    pub entrypoint: Option<Vec<String>>,
    /// The new `CMD` (exec form).
    pub cmd: Option<Vec<String>>,
}

impl Program {
    /// `config` running this program.
    pub fn apply(&self, config: &mut pare_image::ConfigFile) {
        let c = &mut config.config;
        if let Some(e) = &self.entrypoint {
            c.entrypoint.clone_from(e);
            c.cmd.clear();
        }
        if let Some(cmd) = &self.cmd {
            c.cmd.clone_from(cmd);
        }
    }

    /// Exec-form words from a flag's value: a JSON array of strings
    /// (`["gunicorn", "-b", "0.0.0.0:8000", "app:app"]`), else words split
    /// on white space. Quotes are refused outside JSON rather than split
    /// wrong (`sh -c "echo hi"`): there is no shell here to unquote them.
    ///
    /// # Errors
    /// A value that starts with `[` but is not a JSON array of strings; a
    /// quote in plain words.
    pub fn words(value: &str) -> Result<Vec<String>> {
        let v = value.trim();
        if v.starts_with('[') {
            return serde_json::from_str::<Vec<String>>(v)
                .with_context(|| format!("`{value}` is not a JSON array of strings (exec form)"));
        }
        if v.contains(['"', '\'']) {
            anyhow::bail!(
                "`{value}` has quotes: give the words as a JSON array (`[\"sh\", \"-c\", \"echo hi\"]`)"
            );
        }
        Ok(v.split_whitespace().map(str::to_string).collect())
    }
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
            program: None,
        }
    }

    /// The same request for another image (the gate's `--base`, an
    /// annotated base): same platform, registry options and limits; its
    /// own program (`--entrypoint`/`--cmd` name this image's).
    #[must_use]
    pub fn other(&self, spec: impl Into<String>) -> Self {
        Self {
            spec: spec.into(),
            program: None,
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
    let mut image = Image::open(source, req.platform.as_ref())
        .with_context(|| format!("cannot read image `{spec}`"))?;
    if let Some(p) = &req.program {
        p.apply(image.config.get_or_insert_with(Default::default));
    }
    Ok(image)
}
