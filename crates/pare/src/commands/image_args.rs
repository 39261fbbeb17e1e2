//! Flags shared by every command that reads an image (`inspect`, and
//! later `sbom`, `scan`, `gate`): how to reach registries.

use anyhow::{bail, Context, Result};
use pare_source::RegistryOptions;
use std::io::Read;
use std::path::PathBuf;

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
        let password = if self.password_stdin {
            let mut buf = String::new();
            std::io::stdin()
                .take(64 * 1024)
                .read_to_string(&mut buf)
                .context("cannot read the password from stdin")?;
            let p = buf.trim_end_matches(['\n', '\r']).to_string();
            if p.is_empty() {
                bail!("`--password-stdin` read an empty password");
            }
            Some(p)
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
