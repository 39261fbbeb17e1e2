//! Errors of the source stage. Each variant's message covers only its own
//! level; causes travel in `source`.

use std::io;

/// A source error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// I/O on a named thing failed.
    #[error("cannot read `{what}`")]
    Io {
        /// What was being read.
        what: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Nothing recognisable at the given path.
    #[error("`{path}` is not a docker-archive, OCI archive, OCI layout or rootfs directory")]
    Unrecognised {
        /// The path.
        path: String,
    },
    /// A prefix names a kind that does not match the content.
    #[error("`{path}` is not a valid {kind}: {reason}")]
    WrongKind {
        /// The path.
        path: String,
        /// The kind named.
        kind: &'static str,
        /// Why.
        reason: String,
    },
    /// A blob or document the image refers to is absent.
    #[error("missing blob `{what}`")]
    Missing {
        /// The blob.
        what: String,
    },
    /// A document exceeded the size cap.
    #[error("document `{what}` exceeds the {limit}-byte limit")]
    TooLarge {
        /// The document.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// A path inside the image's documents escapes the image root.
    #[error("unsafe path `{path}` (absolute or containing `..`)")]
    UnsafePath {
        /// The path.
        path: String,
    },
    /// A digest string is malformed.
    #[error("invalid digest `{digest}`: {reason}")]
    BadDigest {
        /// The text.
        digest: String,
        /// Why.
        reason: &'static str,
    },
    /// The archive's tar structure is broken.
    #[error("corrupt archive `{path}`")]
    CorruptArchive {
        /// The archive.
        path: String,
        /// The tar error.
        #[source]
        source: io::Error,
    },
    /// The archive is compressed as a whole (not supported: no random access).
    #[error("`{path}` is a {compression}-compressed tarball; decompress it first (pare needs random access to the archive)")]
    CompressedArchive {
        /// The archive.
        path: String,
        /// gzip, zstd.
        compression: &'static str,
    },
    /// A `kind:` prefix names no image kind pare knows.
    #[error("unknown image kind `{kind}`{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownKind {
        /// The prefix as typed.
        kind: String,
        /// The closest known kind, when one is close.
        suggestion: Option<&'static str>,
    },
    /// A file that is plainly something else than an image.
    #[error("`{path}`: {what}, not an image")]
    NotAnImage {
        /// The file.
        path: String,
        /// What it is (`a text file`, `a ZIP archive`).
        what: &'static str,
    },
    /// The text is neither an existing path nor a valid image reference.
    #[error("invalid image reference `{text}`: {reason}")]
    BadReference {
        /// What the user typed.
        text: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A registry request failed (HTTP status, transport, bad reply).
    #[error("{what} of `{reference}`: {reason}")]
    Registry {
        /// `host/repository`.
        reference: String,
        /// What was being fetched (`manifest `latest``, `blob sha256:…`).
        what: String,
        /// Why, with the HTTP status when there was one.
        reason: String,
    },
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
