//! `--entrypoint` and `--cmd`: what the container runs, when it is not the
//! image's own `ENTRYPOINT`/`CMD` (`verify`, `slim`).

use super::ImageArgs;
use anyhow::Result;
use pare_pipeline::open::{ImageRequest, Program};

/// The program flags (`#[command(flatten)]` them into a command's args).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProgramArgs {
    /// Run this instead of the image's ENTRYPOINT (as `docker run
    /// --entrypoint` or a Kubernetes `command`): exec form, a JSON array
    /// (`'["gunicorn", "app:app"]'`) or words split on spaces. Drops the
    /// image's CMD unless `--cmd` gives one.
    #[arg(long, value_name = "ARGV")]
    pub entrypoint: Option<String>,
    /// Run this instead of the image's CMD (as `docker run IMAGE ARGS…` or
    /// a Kubernetes `args`): a JSON array or words split on spaces.
    #[arg(long, value_name = "ARGV")]
    pub cmd: Option<String>,
}

impl ProgramArgs {
    /// The pipeline's request for `image`, running what these flags say.
    ///
    /// # Errors
    /// As [`ImageArgs::request`] and [`ProgramArgs::program`].
    pub fn request(&self, image: &ImageArgs) -> Result<ImageRequest> {
        Ok(ImageRequest {
            program: self.program()?,
            ..image.request()?
        })
    }

    /// The program the flags give, if any.
    ///
    /// # Errors
    /// A value that starts with `[` but is not a JSON array of strings.
    pub fn program(&self) -> Result<Option<Program>> {
        if self.entrypoint.is_none() && self.cmd.is_none() {
            return Ok(None);
        }
        Ok(Some(Program {
            entrypoint: self.entrypoint.as_deref().map(Program::words).transpose()?,
            cmd: self.cmd.as_deref().map(Program::words).transpose()?,
        }))
    }
}
