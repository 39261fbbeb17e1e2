//! Errors of the indexing pass.

/// An indexing error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A layer failed while it streamed.
    #[error("layer {index} ({digest})")]
    Layer {
        /// 0-based layer index.
        index: usize,
        /// Its digest (diff_id or blob digest).
        digest: String,
        /// The cause.
        #[source]
        source: LayerFault,
    },
    /// Opening a layer failed.
    #[error(transparent)]
    Image(#[from] pare_image::Error),
    /// Walking a rootfs directory failed.
    #[error("cannot read `{path}`")]
    Rootfs {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What went wrong inside one layer.
#[derive(Debug, thiserror::Error)]
pub enum LayerFault {
    /// Stream, decompression, tar structure or verification failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An entry's path is absolute or escapes the root with `..`.
    #[error("entry `{path}` has an unsafe path (absolute or escaping the root)")]
    UnsafePath {
        /// The path as stored.
        path: String,
    },
    /// A hardlink points outside the image or at nothing.
    #[error("hardlink `{path}` points at unsafe target `{target}`")]
    UnsafeLink {
        /// The link.
        path: String,
        /// Its target.
        target: String,
    },
    /// The captured bytes exceed the total cap.
    #[error("captured file contents exceed {limit} bytes")]
    CaptureLimit {
        /// The cap.
        limit: u64,
    },
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
