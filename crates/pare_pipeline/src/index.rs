//! Step 2: one streaming pass over the layers → a [`FsIndex`], feeding
//! every analysis declared before it.

use anyhow::{Context, Result};
use pare_fsindex::{FsIndex, IndexOptions, Probe};
use pare_image::{Image, Limits};
use std::sync::Arc;

/// What the analyses after the pass need from it: files to capture (by
/// glob) and probes that see candidate files' bytes as they stream.
#[derive(Default, Clone)]
pub struct Analyses {
    /// Capture globs over image paths without the leading `/`.
    pub globs: Vec<&'static str>,
    /// Content probes.
    pub probes: Vec<Arc<dyn Probe>>,
    /// Scan every file of every layer for secrets (`pare_secrets`), read
    /// back with [`crate::secrets::collect`].
    pub secrets: bool,
}

impl Analyses {
    /// Hygiene facts and the OS release (`inspect`).
    #[must_use]
    pub fn hygiene() -> Self {
        Self {
            globs: [pare_hygiene::CAPTURE_GLOBS, pare_catalog::os_release::GLOBS].concat(),
            probes: Vec::new(),
            secrets: false,
        }
    }

    /// Every cataloger (`sbom`, `scan`), and the hygiene facts.
    #[must_use]
    pub fn catalog() -> Self {
        Self {
            globs: pare_catalog::capture_globs(),
            probes: pare_catalog::probes(),
            secrets: false,
        }
        .with(Self::hygiene())
    }

    /// Reachability from the entrypoint (`gate`).
    #[must_use]
    pub fn reach() -> Self {
        Self {
            globs: pare_reach::CAPTURE_GLOBS.to_vec(),
            probes: pare_reach::probes(),
            secrets: false,
        }
    }

    /// Secrets in every file of every layer (`secrets`, `inspect`, `gate`).
    #[must_use]
    pub fn secrets() -> Self {
        Self {
            secrets: true,
            ..Self::default()
        }
    }

    /// These analyses and `other`'s.
    #[must_use]
    pub fn with(mut self, other: Analyses) -> Self {
        for g in other.globs {
            if !self.globs.contains(&g) {
                self.globs.push(g);
            }
        }
        self.probes.extend(other.probes);
        self.secrets |= other.secrets;
        self
    }
}

/// Build the index of `image` for `analyses`. `spec` names the image in
/// errors.
///
/// # Errors
/// Layer failures, named by layer and image.
pub fn index(
    image: &Image,
    spec: &str,
    analyses: &Analyses,
    limits: &Limits,
    reporter: &dyn crate::Reporter,
) -> Result<FsIndex> {
    index_with(image, spec, analyses, limits, reporter, false)
}

/// Uncompressed tar `slim` may hold in memory from its first read, so that
/// its second read does not inflate those layers again
/// ([`IndexOptions::retain`]: the layers above the base one, which slim
/// mostly keeps). The fleet's `node-app` holds 110 MB of it (its second
/// inflate was a ninth of slim's CPU time), `python-app` 68 MB; a larger
/// image holds what fits, and peak memory stays bounded whatever its
/// size. 256 MiB is a small part of what a build machine that runs
/// `docker build` has.
pub const RETAIN: u64 = 256 << 20;

/// [`index`], recording where each file lies and access points into gzip
/// layers when `reread` is set (`slim` reads the layers a second time:
/// [`pare_fsindex::reread_files`]).
///
/// # Errors
/// As [`index`].
pub fn index_with(
    image: &Image,
    spec: &str,
    analyses: &Analyses,
    limits: &Limits,
    reporter: &dyn crate::Reporter,
    reread: bool,
) -> Result<FsIndex> {
    let mut opts = IndexOptions {
        access_points: reread,
        retain: if reread { RETAIN } else { 0 },
        capture: pare_fsindex::glob_set(&analyses.globs),
        probes: analyses.probes.clone(),
        limits: *limits,
        progress: image
            .compressed_size()
            .and_then(|total| reporter.progress(&format!("reading {spec}"), total)),
        ..IndexOptions::default()
    };
    if analyses.secrets {
        opts.visitors
            .push(Arc::new(pare_secrets::Scanner::new()) as Arc<dyn pare_fsindex::Visitor>);
    }
    FsIndex::build(image, &opts).with_context(|| format!("`{spec}`"))
}
