//! How `ADD` reads its sources, shared by DF013 and DF014 and by the fix
//! property test: words unquoted as BuildKit's word lexer does (`ADD
//! "https://…" /x` is a URL), and what `ADD` does with each source.

use crate::parser::{Instruction, Keyword};
use pare_findings::Span;
use std::io::Read;
use std::path::Path;

/// What `ADD` does with one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddKind {
    /// `http(s)://…`, `ftp://…`: fetched.
    Url,
    /// `git@…`, `*.git` URLs: cloned.
    Git,
    /// A local tar archive (plain or gzip/bzip2/xz/zstd compressed): unpacked.
    Archive,
    /// Contains a variable: unknown until build time.
    Variable,
    /// A wildcard that may match archives (`*`, `files/*`).
    Glob,
    /// A local file or folder copied as is (what `COPY` does too).
    Local,
}

/// One source word of an `ADD`/`COPY`.
#[derive(Debug, Clone)]
pub struct Source {
    /// The source with shell quotes removed.
    pub text: String,
    /// Source span of the word as written.
    pub span: Span,
    /// What `ADD` does with it.
    pub kind: AddKind,
}

/// Extensions of files `ADD` unpacks: tar, optionally compressed with one
/// of the compressions Docker detects (gzip, bzip2, xz, zstd). Docker
/// decides by content; a `.zip`, `.7z`, `.lz` or `.jar` is copied as is.
const UNPACKED: &[&str] = &[
    ".tar", ".tgz", ".taz", ".gz", ".tbz", ".tbz2", ".tb2", ".bz2", ".txz", ".xz", ".tzst", ".zst",
];

/// Remove shell quoting from a word: `"a"`, `'a'`, `a\ b`.
#[must_use]
pub fn unquote_word(w: &str) -> String {
    let mut out = String::new();
    let mut chars = w.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// Whether a path names a file `ADD` would unpack, by its name.
#[must_use]
pub fn is_unpacked_archive_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    UNPACKED.iter().any(|a| l.ends_with(a))
}

/// Classify one (unquoted) source.
#[must_use]
pub fn classify(s: &str, context: Option<&Path>) -> AddKind {
    let l = s.to_ascii_lowercase();
    if l.starts_with("git@") || (l.contains("://") && (l.ends_with(".git") || l.contains(".git#")))
    {
        return AddKind::Git;
    }
    if l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://") {
        return AddKind::Url;
    }
    if s.contains('$') {
        return AddKind::Variable;
    }
    if is_unpacked_archive_name(&l) {
        return AddKind::Archive;
    }
    let last = l.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if last.contains(['*', '?', '[']) {
        // `*.py` cannot match an archive; `*`, `pkg-*`, `*.t*` can.
        let ext = last.rsplit_once('.').map(|(_, e)| e);
        let safe_ext = ext.is_some_and(|e| {
            !e.is_empty()
                && !e.contains(['*', '?', '['])
                && !is_unpacked_archive_name(&format!("x.{e}"))
        });
        return if safe_ext {
            AddKind::Local
        } else {
            AddKind::Glob
        };
    }
    // Docker decides by content: a file in the build context that is a tar
    // archive is unpacked whatever its name.
    if let Some(dir) = context {
        if sniff_archive(&dir.join(s.trim_start_matches('/'))) {
            return AddKind::Archive;
        }
    }
    AddKind::Local
}

/// Whether a file starts like a (compressed) tar archive.
fn sniff_archive(p: &Path) -> bool {
    // Regular files only: opening a FIFO or a device could block or never end.
    if !std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let mut buf = [0u8; 512];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let b = &buf[..n];
    b.starts_with(&[0x1f, 0x8b])
        || b.starts_with(b"BZh")
        || b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || b.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (n >= 262 && &b[257..262] == b"ustar")
}

/// The sources of an `ADD` or `COPY` (every argument but the last), or
/// `None` for heredoc forms and single-argument instructions. `context` is
/// the folder taken as the build context for sniffing local archives.
#[must_use]
pub fn sources(ins: &Instruction, context: Option<&Path>) -> Option<Vec<Source>> {
    if !matches!(ins.keyword, Keyword::Add | Keyword::Copy) || !ins.heredocs.is_empty() {
        return None;
    }
    if let Some(v) = crate::parser::parse_json_array(ins.args.text.trim()) {
        if v.len() < 2 {
            return None;
        }
        let span = ins.args_span();
        return Some(
            v[..v.len() - 1]
                .iter()
                .map(|t| Source {
                    kind: classify(t, context),
                    text: t.clone(),
                    span,
                })
                .collect(),
        );
    }
    let words = ins.words();
    if words.len() < 2 {
        return None;
    }
    Some(
        words[..words.len() - 1]
            .iter()
            .map(|w| {
                let text = unquote_word(&w.text);
                Source {
                    kind: classify(&text, context),
                    text,
                    span: ins.args.span(w.start, w.end),
                }
            })
            .collect(),
    )
}

/// The build context a Dockerfile's relative sources are read from: its folder.
#[must_use]
pub fn context_of(path: &str) -> Option<&Path> {
    let p = Path::new(path).parent()?;
    Some(if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify("https://x/y.tgz", None), AddKind::Url);
        assert_eq!(
            classify("https://github.com/a/b.git#v1", None),
            AddKind::Git
        );
        assert_eq!(classify("git@github.com:a/b.git", None), AddKind::Git);
        assert_eq!(classify("rootfs.tar.gz", None), AddKind::Archive);
        assert_eq!(classify("x.TGZ", None), AddKind::Archive);
        assert_eq!(classify("app.zip", None), AddKind::Local);
        assert_eq!(classify("app.tar.lz", None), AddKind::Local);
        assert_eq!(classify("*.py", None), AddKind::Local);
        assert_eq!(classify("pkgs/*", None), AddKind::Glob);
        assert_eq!(classify("*.t?z", None), AddKind::Glob);
        assert_eq!(classify("$SRC/x", None), AddKind::Variable);
        assert_eq!(unquote_word("\"http://a b\""), "http://a b");
        assert_eq!(unquote_word("'a'\\ b"), "a b");
    }

    #[test]
    fn sniffs_tar_content_whatever_the_name() {
        let dir = std::env::temp_dir().join(format!("pare-add-sniff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("bundle"), [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
        std::fs::write(dir.join("plain"), b"hello").unwrap();
        assert_eq!(classify("bundle", Some(&dir)), AddKind::Archive);
        assert_eq!(classify("plain", Some(&dir)), AddKind::Local);
        assert_eq!(classify("missing", Some(&dir)), AddKind::Local);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
