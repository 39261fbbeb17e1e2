//! Where text goes: data on stdout, diagnostics on stderr, files atomically.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Print an error as one line, its causes joined with `: ` (ripgrep's
/// `{:#}`), then the `hint:` lines attached with [`Hint`] as context.
pub fn error(err: &anyhow::Error) {
    // A hint is attached as the outermost context; anyhow can downcast the
    // error itself to a context type, not the items of its chain.
    let hint = err.downcast_ref::<Hint>();
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain().skip(usize::from(hint.is_some())) {
        let text = cause.to_string().replace('\n', " ");
        // Library errors sometimes repeat their source; print each once.
        if !parts.last().is_some_and(|p| p.ends_with(&text)) {
            parts.push(text);
        }
    }
    eprintln!("error: {}", parts.join(": "));
    if let Some(h) = hint {
        eprintln!("hint: {}", h.0);
    }
}

pub use pare_pipeline::Hint;

/// The pipeline's [`pare_pipeline::Reporter`]: notes and warnings on
/// stderr.
pub struct Stderr;

impl pare_pipeline::Reporter for Stderr {
    fn note(&self, msg: &str) {
        note(format_args!("note: {msg}"));
    }
    fn warn(&self, msg: &str) {
        warn(msg);
    }
}

/// Print a one-line error about one input (`error: path:line:col: cause`)
/// without stopping.
pub fn print_error_line(msg: &str) {
    eprintln!("error: {}", msg.replace('\n', " "));
}

/// Print an informational line (a summary, a note) on stderr.
pub fn note(msg: impl std::fmt::Display) {
    eprintln!("{msg}");
}

/// Print a warning line on stderr.
pub fn warn(msg: impl std::fmt::Display) {
    eprintln!("warning: {msg}");
}

/// Write `data` to `--output FILE` atomically (temp file in the same
/// directory, then rename), or to stdout when `path` is `None` or `-`.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_output(path: Option<&Path>, data: &[u8]) -> Result<()> {
    match path.filter(|p| p.as_os_str() != "-") {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)?;
            out.flush()?;
            Ok(())
        }
        Some(p) => write_atomic(p, data),
    }
}

/// Write a file atomically: a temp file beside it, fsync, rename. A path
/// that exists and is not a regular file (`/dev/null`, a FIFO, a terminal)
/// is written in place: renaming over it would replace the device or pipe
/// with a regular file.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(data))
            .with_context(|| format!("cannot write `{}`", path.display()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    tmp.write_all(data)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path)
        .with_context(|| format!("cannot replace `{}`", path.display()))?;
    Ok(())
}
