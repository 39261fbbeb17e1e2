//! Flags shared by every command that reads an image (`inspect`, `sbom`,
//! `scan`, `gate`): the image, how to reach registries, the platform and
//! the decompression limit.

use anyhow::Result;
use pare_image::Platform;
use pare_pipeline::open::ImageRequest;
use pare_source::RegistryOptions;
use std::io::Read;
use std::path::PathBuf;

/// The image a command reads (`#[command(flatten)]` it into the command's
/// args).
#[derive(Debug, Clone, clap::Args)]
pub struct ImageArgs {
    /// The image: a path (docker-archive, OCI archive, OCI layout, rootfs
    /// dir), a prefixed reference (`docker-archive:`, `oci-archive:`,
    /// `oci-dir:`/`oci:`, `dir:`, `registry:`) or a registry reference
    /// (`host/repo:tag`, `repo@sha256:…`).
    pub image: String,
    /// How to reach registries.
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Platform to read (`os/arch[/variant]`): selects from a
    /// multi-platform index (default `linux/amd64`), and must be the
    /// image's own platform when given.
    #[arg(long)]
    pub platform: Option<Platform>,
    /// Refuse layers that expand past this many bytes (decompression bombs).
    #[arg(long, default_value_t = 64 << 30)]
    pub max_layer_size: u64,
}

impl ImageArgs {
    /// The pipeline's request for this image (reads the registry password
    /// from stdin when asked to).
    ///
    /// # Errors
    /// Unreadable stdin or an empty password.
    pub fn request(&self) -> Result<ImageRequest> {
        Ok(ImageRequest {
            spec: self.image.clone(),
            platform: self.platform.clone(),
            registry: self.registry.options()?,
            limits: pare_image::Limits {
                max_layer_bytes: self.max_layer_size,
                ..Default::default()
            },
            program: None,
        })
    }
}

/// Registry flags (`#[command(flatten)]` them into a command's args).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RegistryArgs {
    /// PEM file of CA certificates to trust for registries (instead of the
    /// built-in Mozilla roots).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Speak plain HTTP to this registry (`host` or `host:port`); repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
    /// Registry user name (the password comes from `--password-stdin`);
    /// otherwise credentials come from Docker's `config.json`.
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password or token from stdin.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
}

impl RegistryArgs {
    /// The options for `pare_source`, reading the password from stdin
    /// when asked to.
    ///
    /// # Errors
    /// Unreadable stdin or an empty password.
    pub fn options(&self) -> Result<RegistryOptions> {
        // Stdin can be read once; commands that open several images (the
        // gate's `--base`) ask again, so the first answer is kept.
        static PASSWORD: std::sync::OnceLock<std::result::Result<String, String>> =
            std::sync::OnceLock::new();
        let password = if self.password_stdin {
            let read = PASSWORD.get_or_init(|| {
                let mut buf = String::new();
                std::io::stdin()
                    .take(64 * 1024)
                    .read_to_string(&mut buf)
                    .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
                let p = buf.trim_end_matches(['\n', '\r']).to_string();
                if p.is_empty() {
                    return Err("`--password-stdin` read an empty password".to_string());
                }
                Ok(p)
            });
            Some(read.clone().map_err(|m| anyhow::anyhow!(m))?)
        } else {
            None
        };
        Ok(RegistryOptions {
            ca_file: self.ca_file.clone(),
            insecure_registries: self.insecure_registries.clone(),
            username: self.username.clone(),
            password,
        })
    }
}
