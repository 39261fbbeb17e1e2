//! `pare slim`: a smaller image by deletion, and the sandbox `pare verify
//! --run` starts the entrypoint in.
//!
//! ## Inputs
//! The image, its [`pare_fsindex::FsIndex`] (built with reachability's,
//! the catalogers' and [`CAPTURE_GLOBS`]), and its SBOM.
//!
//! ## What is kept ([`keep::plan`])
//! The container's closure ([`pare_reach::closure`], the same one the
//! gate's reachability and `pare verify` use) with every symlink on the
//! way, plus what programs load by name at run time (`shared/SLIM.md`):
//! `libgcc_s` with libc, NSS modules named by `nsswitch.conf`, `gconv`'s configuration,
//! OpenSSL's providers and configuration with libcrypto, the CA store,
//! `ld.so.cache` (rewritten to the libraries kept: [`ldcache`]), time zones, locales, `mime.types`, libmagic's database,
//! the user database and network files, `/tmp` (mode 1777); Python's
//! whole standard library and every site package an import reaches
//! (whole distributions, with their metadata); Node's reached packages and
//! the distribution's builtin module directory; the app's own tree
//! (`WORKDIR`, the entry script's directory); `--keep` globs. Then the
//! `DT_NEEDED` closure of every ELF file kept, until nothing changes.
//!
//! ## Package database
//! Rewritten so that it lists exactly the packages whose files remain
//! ([`pkgdb`]): dpkg's `status` (or distroless's `status.d/*`) keeps
//! those packages' records, their `info/*.list`/`*.md5sums` list only
//! the files kept; Python and npm metadata go with their packages.
//!
//! ## Output ([`write`])
//! One squashed layer holding the kept paths, streamed from the source
//! layers (file contents are read once more, never unpacked to disk), and
//! the source config with the new `diff_id`: an OCI layout directory
//! (gzip layer) or a docker-archive (`docker save`'s layout since Docker
//! 25, uncompressed layer). The output is the only place written.
#![deny(missing_docs)]

pub mod keep;
pub mod ldcache;
pub mod pkgdb;
pub mod sandbox;
pub mod write;

/// Files the plan reads (on top of reachability's and the catalogers').
pub const CAPTURE_GLOBS: &[&str] = &[
    "etc/ld.so.cache",
    "etc/nsswitch.conf",
    "etc/passwd",
    "etc/group",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/*",
    "var/lib/dpkg/info/*.list",
    "var/lib/dpkg/info/*.md5sums",
];

/// Errors of planning and writing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The entrypoint is not fully known: slimming would remove what it
    /// runs.
    #[error("cannot slim: {0}")]
    Unknown(String),
    /// The output exists and is not empty.
    #[error("`{0}` exists and is not empty (use --force to replace it)")]
    OutputExists(String),
    /// A `--keep` glob does not parse.
    #[error("--keep `{glob}`: {source}")]
    Glob {
        /// The glob.
        glob: String,
        /// Why.
        #[source]
        source: globset::Error,
    },
    /// Writing the output.
    #[error("cannot write `{path}`")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Reading a layer.
    #[error("layer {index}")]
    Layer {
        /// Layer index.
        index: usize,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// `Result` of this crate.
pub type Result<T> = std::result::Result<T, Error>;
