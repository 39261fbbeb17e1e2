//! Errors of the image stage.

/// An image error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// From the source.
    #[error(transparent)]
    Source(#[from] pare_source::Error),
    /// A document is not valid JSON for its schema.
    #[error("malformed {what}")]
    Json {
        /// Which document.
        what: String,
        /// The parse error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A document's bytes do not hash to the digest that names them.
    #[error("{what}: digest mismatch (expected {expected}, got {actual})")]
    DigestMismatch {
        /// Which document or blob.
        what: String,
        /// Digest recorded by the referrer.
        expected: String,
        /// Digest of the bytes read.
        actual: String,
    },
    /// A document is valid JSON but not a usable image.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which document.
        what: String,
        /// Why.
        reason: String,
    },
    /// No manifest for the requested platform.
    #[error("no image for platform {wanted} (available: {available})")]
    NoPlatform {
        /// Requested.
        wanted: String,
        /// What the index offers.
        available: String,
    },
    /// Layer index out of range.
    #[error("no layer {index}")]
    NoSuchLayer {
        /// The index.
        index: usize,
    },
}

/// A failure detected while a layer streams. Wrapped in an
/// `std::io::Error` (kind `InvalidData`) by the stream, so that tar readers
/// pass it through; downcast to recover it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LayerError {
    /// The compressed blob does not hash to its digest.
    #[error("blob digest mismatch (expected {expected}, got {actual})")]
    BlobDigest {
        /// From the manifest.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// The uncompressed tar does not hash to the config's diff_id.
    #[error("diff_id mismatch (expected {expected}, got {actual})")]
    DiffId {
        /// From the config.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// The layer expands past the limits.
    #[error("decompressed size exceeds {limit} bytes (possible decompression bomb; raise with --max-layer-size)")]
    TooLarge {
        /// The limit hit.
        limit: u64,
    },
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
