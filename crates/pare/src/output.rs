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
    eprintln!(
        "{}: {}",
        crate::term::paint("error", "31"),
        parts.join(": ")
    );
    // A configuration error points at its line: show it, as findings do.
    if let Some(cfg) = err
        .chain()
        .find_map(|c| c.downcast_ref::<pare_policy::ConfigError>())
    {
        if let Some(text) = std::fs::read_to_string(&cfg.path)
            .ok()
            .and_then(|src| snippet(&src, &cfg.path.display().to_string(), cfg.line, cfg.column))
        {
            eprint!("{text}");
        }
    }
    if let Some(h) = hint {
        eprintln!("{}: {}", crate::term::paint("hint", "36"), h.0);
    }
}

pub use pare_pipeline::Hint;

/// The source line `line` (1-based) of `src` with a caret under `column`,
/// in rustc's layout; `None` when the line does not exist.
#[must_use]
pub fn snippet(src: &str, origin: &str, line: usize, column: usize) -> Option<String> {
    let text = src.lines().nth(line.checked_sub(1)?)?;
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let bar = crate::term::paint("|", "34");
    // The caret sits under the column's character (columns count chars).
    let indent: String = text
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!(
        "{pad}{} {origin}:{line}:{column}\n{pad} {bar}\n{line} {bar} {text}\n{pad} {bar} {indent}{}\n",
        crate::term::paint("-->", "34"),
        crate::term::paint("^", "31"),
    ))
}

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
    fn progress(&self, label: &str, total: u64) -> Option<pare_pipeline::Progress> {
        // Small images are read before a bar would be worth drawing.
        if total < PROGRESS_MIN_BYTES {
            return None;
        }
        let bar = crate::term::bytes_bar(label, Some(total))?;
        Some(std::sync::Arc::new(move |n| bar.inc(n)))
    }
}

/// Image passes smaller than this (compressed) get no progress bar.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// Print a one-line error about one input (`error: path:line:col: cause`)
/// without stopping.
pub fn print_error_line(msg: &str) {
    eprintln!(
        "{}: {}",
        crate::term::paint("error", "31"),
        msg.replace('\n', " ")
    );
}

/// Print an informational line (a summary, a note) on stderr.
pub fn note(msg: impl std::fmt::Display) {
    if !crate::term::quiet() {
        eprintln!("{msg}");
    }
}

/// Print a warning line on stderr.
pub fn warn(msg: impl std::fmt::Display) {
    eprintln!("{}: {msg}", crate::term::paint("warning", "33"));
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
    // A new file gets the usual 0666 & !umask (0644 under umask 022), as
    // `>` would: tempfile's default is 0600, which hides reports from CI
    // artefact uploaders running as another user.
    let mut tmp = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(dir)
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

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippet_points_at_the_column() {
        let s = snippet("a = 1\nsevrity = \"high\"\n", "pare.toml", 2, 3).unwrap();
        assert_eq!(
            s,
            " --> pare.toml:2:3\n  |\n2 | sevrity = \"high\"\n  |   ^\n"
        );
        assert!(snippet("a\n", "x", 5, 1).is_none());
        assert!(snippet("a\n", "x", 0, 1).is_none());
    }
}
