//! The engine: keyword pre-filter, rules, allow-list, redaction — and the
//! [`Scanner`] that runs it inside the index pass.

use crate::redact::{mask_random, redact, MASK};
use crate::rules::{self, Rule};
use crate::{allow, FileHit, FileHits};
use aho_corasick::AhoCorasick;
use std::io::Read;
use std::ops::Range;
use std::sync::LazyLock;

/// The name of the [`Scanner`]'s results in the index
/// ([`pare_fsindex::FsIndex::visits`]).
pub const VISITOR: &str = "secrets";

/// How much of a file is checked for NUL bytes (binary files are skipped).
const SNIFF: usize = 8192;

/// File name endings of formats that are binary or compressed even when
/// their first bytes are not (so the head check cannot tell).
const BINARY_EXT: &[&str] = &[
    ".gz", ".tgz", ".xz", ".bz2", ".zst", ".lz4", ".zip", ".jar", ".war", ".whl", ".egg", ".png",
    ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".svgz", ".pdf", ".ttf", ".otf", ".woff", ".woff2",
    ".pyc", ".mo", ".so", ".a", ".o", ".deb", ".rpm", ".db", ".sqlite", ".wasm",
];

pub(crate) struct Engine {
    keywords: AhoCorasick,
    /// Keyword index → rule indices.
    by_keyword: Vec<Vec<usize>>,
}

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::new);

/// The one engine (its automaton is built once per process).
pub(crate) fn engine() -> &'static Engine {
    &ENGINE
}

struct Hit {
    rule: usize,
    span: Range<usize>,
}

impl Engine {
    fn new() -> Self {
        let mut words: Vec<String> = Vec::new();
        let mut by_keyword: Vec<Vec<usize>> = Vec::new();
        for (ri, r) in rules::ALL.iter().enumerate() {
            for k in r.keywords {
                if let Some(i) = words.iter().position(|w| w == k) {
                    by_keyword[i].push(ri);
                } else {
                    words.push((*k).to_string());
                    by_keyword.push(vec![ri]);
                }
            }
        }
        // Leftmost-first: the SIMD (Teddy) prefilter only serves leftmost
        // semantics, and it is most of the speed (perf: the plain automaton
        // loop was 9 % of `inspect`'s CPU on `fat`).
        let keywords = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&words)
            .expect("keywords compile");
        Self {
            keywords,
            by_keyword,
        }
    }

    /// Every secret span in `data` with its rule (no allow-list, no path
    /// rules): for redacting config strings.
    pub(crate) fn find_all(&self, data: &[u8]) -> Vec<(Range<usize>, usize)> {
        self.hits("", data)
            .into_iter()
            .map(|h| {
                let reveal = (rules::ALL[h.rule].reveal)(&data[h.span.clone()]);
                (h.span, reveal)
            })
            .collect()
    }

    /// The codes of the rules that find something in `text` (config
    /// values), after the allow-list.
    pub(crate) fn rules_in(&self, text: &str) -> Vec<(&'static Rule, Range<usize>)> {
        let data = text.as_bytes();
        self.hits("", data)
            .into_iter()
            .filter(|h| {
                allow::allowed(rules::ALL[h.rule].meta.code, "", &data[h.span.clone()]).is_none()
            })
            .map(|h| (rules::ALL[h.rule], h.span))
            .collect()
    }

    fn hits(&self, path: &str, data: &[u8]) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        let mut push = |rule: usize, span: Range<usize>| {
            if span.is_empty()
                || hits
                    .iter()
                    .any(|h| h.span.start < span.end && span.start < h.span.end)
            {
                return;
            }
            hits.push(Hit { rule, span });
        };
        // Rules near their keywords. A (rule, window) pair runs once.
        let mut done: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        let mut found: Vec<(usize, Range<usize>)> = Vec::new();
        for m in self.keywords.find_iter(data) {
            for &ri in &self.by_keyword[m.pattern().as_usize()] {
                let r = rules::ALL[ri];
                // The private key rule anchors at its keyword; the others
                // read the window (line) around it.
                let at = if r.meta.code == "SEC001" {
                    m.start()
                } else {
                    rules::window(data, m.start()).start
                };
                if !done.insert((ri, at)) {
                    continue;
                }
                for s in (r.find)(
                    data,
                    if r.meta.code == "SEC001" {
                        at
                    } else {
                        m.start()
                    },
                ) {
                    found.push((ri, s));
                }
            }
        }
        // File-format rules read every line of their files.
        if !path.is_empty() {
            for (ri, r) in rules::ALL.iter().enumerate() {
                if r.files.is_some_and(|f| f(path)) {
                    let mut at = 0;
                    while at < data.len() {
                        for s in (r.find)(data, at) {
                            found.push((ri, s));
                        }
                        at = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
                    }
                }
            }
        }
        // Rule order decides overlaps: earlier (more specific) rules win.
        found.sort_by_key(|(ri, s)| (*ri, s.start));
        found.dedup();
        for (ri, s) in found {
            push(ri, s);
        }
        hits
    }

    /// Scan one file's bytes: redacted hits, and the allow-list's reasons.
    pub(crate) fn scan_file(&self, path: &str, data: &[u8]) -> FileHits {
        self.scan_window(path, data, 0..data.len(), 0)
    }

    /// The hits of `data` (a window of a file whose first byte follows
    /// `line_base` newlines) that start in `owned`.
    fn scan_window(
        &self,
        path: &str,
        data: &[u8],
        owned: Range<usize>,
        line_base: usize,
    ) -> FileHits {
        let mut hits = self.hits(path, data);
        let mut allowed = Vec::new();
        hits.retain(|h| {
            let code = rules::ALL[h.rule].meta.code;
            match allow::allowed(code, path, &data[h.span.clone()]) {
                Some(reason) => {
                    if owned.contains(&h.span.start) {
                        allowed.push(format!("{code}: {reason}"));
                    }
                    false
                }
                None => true,
            }
        });
        // A key file's name only matters when its contents were not
        // recognised.
        if hits.len() > 1 {
            hits.retain(|h| rules::ALL[h.rule].meta.code != "SEC016");
        }
        hits.sort_by_key(|h| h.span.start);
        // Every secret of the window is cut out of the excerpts, also one
        // the next window reports: an excerpt never shows a neighbour.
        let spans: Vec<Range<usize>> = hits.iter().map(|h| h.span.clone()).collect();
        let hits = hits
            .iter()
            .filter(|h| owned.contains(&h.span.start))
            .map(|h| {
                let (line, excerpt) = excerpt(data, &h.span, &spans, rules::ALL[h.rule]);
                FileHit {
                    code: rules::ALL[h.rule].meta.code.to_string(),
                    line: line_base + line,
                    excerpt,
                }
            })
            .collect();
        FileHits { hits, allowed }
    }

    /// Scan a file too large to hold, read from `data` in windows
    /// ([`Windows::LARGE`]): memory stays flat whatever its size. `None`
    /// for a binary file (a NUL in its first 8 KiB).
    pub(crate) fn scan_stream(
        &self,
        path: &str,
        data: &mut dyn Read,
    ) -> std::io::Result<Option<FileHits>> {
        self.scan_windows(path, data, Windows::LARGE)
    }

    /// [`Engine::scan_stream`] with windows `w`. Each window reports the
    /// hits that start in the part it owns: from `margin` past the start
    /// of the bytes it shares with the window before, to as far into the
    /// bytes it shares with the next; so every hit is reported once, by a
    /// window that holds it whole with its context.
    fn scan_windows(
        &self,
        path: &str,
        data: &mut dyn Read,
        w: Windows,
    ) -> std::io::Result<Option<FileHits>> {
        let mut buf = vec![0u8; w.size];
        let (mut filled, mut line_base, mut first) = (0, 0, true);
        let mut out = FileHits::default();
        loop {
            while filled < w.size {
                match data.read(&mut buf[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            let eof = filled < w.size;
            if first && buf[..filled.min(SNIFF)].contains(&0) {
                return Ok(None);
            }
            let lo = if first { 0 } else { w.margin };
            let hi = if eof {
                filled
            } else {
                w.size - w.overlap + w.margin
            };
            let found = self.scan_window(path, &buf[..filled], lo..hi, line_base);
            out.hits.extend(found.hits);
            out.allowed.extend(found.allowed);
            if eof {
                break;
            }
            let next = w.size - w.overlap;
            line_base += memchr::memchr_iter(b'\n', &buf[..next]).count();
            buf.copy_within(next.., 0);
            filled = w.overlap;
            first = false;
        }
        out.key_file_name_last();
        Ok(Some(out))
    }
}

/// How a large file is cut into windows ([`Engine::scan_windows`]).
#[derive(Debug, Clone, Copy)]
struct Windows {
    /// Bytes per window.
    size: usize,
    /// How much of a window the next one repeats: more than a hit and its
    /// context can span.
    overlap: usize,
    /// Where, inside the repeated part, the next window's own hits begin:
    /// past any context a hit there needs from before it, and past the end
    /// of any hit that starts before it.
    margin: usize,
}

impl Windows {
    /// 8 MiB windows repeating 64 KiB; a window's own hits start 20 KiB
    /// into the repeated part. Both are more than a hit spans (a private
    /// key's body is read up to 16 KiB, its armour lines besides) plus a
    /// rule's reach around its keyword (256 bytes before, 1 KiB after:
    /// [`rules::window`]) and an excerpt's (240 bytes before): a key that
    /// starts before a window is whole in the window before, and hides what
    /// lies inside it there, as it does in the whole file.
    const LARGE: Windows = Windows {
        size: 8 << 20,
        overlap: 64 << 10,
        margin: 20 << 10,
    };
}

impl FileHits {
    /// As [`Engine::scan_window`] does per window, over a whole stream.
    fn key_file_name_last(&mut self) {
        if self.hits.len() > 1 {
            self.hits.retain(|h| h.code != "SEC016");
        }
    }
}

fn line_start(data: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1)
}

fn line_end(data: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i)
}

/// The 1-based line of a secret and its excerpt: the text before it on its
/// line (the previous line for a multi-line secret that starts a line, as
/// a PEM body under its `BEGIN`), the redaction, and the rest of its line;
/// every other secret on it redacted and random-looking tokens masked;
/// at most 60 characters either side.
fn excerpt(data: &[u8], span: &Range<usize>, all: &[Range<usize>], rule: &Rule) -> (usize, String) {
    let multi = data[span.clone()].contains(&b'\n');
    let mut start = line_start(data, span.start);
    if multi && start == span.start && start > 0 {
        start = line_start(data, start - 1);
    }
    let end = if multi {
        span.end
    } else {
        line_end(data, span.end)
    };
    let line = 1 + memchr::memchr_iter(b'\n', &data[..start]).count();
    let piece = |r: Range<usize>| -> String {
        // other secrets inside the context are cut out too
        let mut out = String::new();
        let mut at = r.start;
        for o in all.iter().filter(|o| o.start < r.end && r.start < o.end) {
            let s = o.start.max(r.start);
            if s > at {
                out.push_str(&mask_random(&data[at..s]));
            }
            out.push_str(MASK);
            at = o.end.min(r.end).max(at);
        }
        if at < r.end {
            out.push_str(&mask_random(&data[at..r.end]));
        }
        out.replace(['\r', '\n', '\t'], " ")
    };
    let before = piece(start.max(span.start.saturating_sub(240))..span.start);
    let after = if multi {
        String::new()
    } else {
        piece(span.end..end.min(span.end + 240))
    };
    let before: String = {
        let t = before.trim_start();
        let n = t.chars().count();
        t.chars().skip(n.saturating_sub(60)).collect()
    };
    let after: String = after.trim_end().chars().take(60).collect();
    let secret = &data[span.clone()];
    (
        line,
        format!("{before}{}{after}", redact(secret, (rule.reveal)(secret))),
    )
}

/// The secrets analysis as a [`pare_fsindex::Visitor`]: it reads the text
/// files of every layer during the index pass and keeps, per file, only
/// redacted findings.
#[derive(Debug, Default)]
pub struct Scanner;

impl Scanner {
    /// A scanner (the rules are compiled once per process).
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

impl pare_fsindex::Visitor for Scanner {
    fn name(&self) -> &'static str {
        VISITOR
    }

    fn wants(&self, path: &str, size: u64, head: &[u8]) -> bool {
        size > 0
            && !head.contains(&0)
            && !head.starts_with(b"\x7fELF")
            && !BINARY_EXT.iter().any(|e| path.ends_with(e))
    }

    /// Text files over the index's per-file cap are read as a stream, in
    /// windows ([`Engine::scan_stream`]): a 40 MB SQL dump or source map
    /// is scanned like any other file, not left as a gap that makes the
    /// scan incomplete.
    fn streams(&self) -> bool {
        true
    }

    fn visit_stream(
        &self,
        _layer: usize,
        path: &str,
        _size: u64,
        data: &mut dyn Read,
    ) -> std::io::Result<Option<Vec<u8>>> {
        let Some(hits) = engine().scan_stream(path, data)? else {
            return Ok(None);
        };
        if hits.hits.is_empty() && hits.allowed.is_empty() {
            return Ok(None);
        }
        Ok(serde_json::to_vec(&hits).ok())
    }

    fn visit(&self, _layer: usize, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        if data[..data.len().min(SNIFF)].contains(&0) {
            return None;
        }
        let hits = engine().scan_file(path, data);
        if hits.hits.is_empty() && hits.allowed.is_empty() {
            return None;
        }
        serde_json::to_vec(&hits).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `n` bytes per read, as a tar entry may.
    struct Chunky<'a>(&'a [u8], usize);

    impl Read for Chunky<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDx3V9PareFleetGeneratedNotARealKey0000000000000000000000000A\n-----END OPENSSH PRIVATE KEY-----\n";

    /// A 6.5 KB private key whose body holds an AWS key ID line.
    fn long_key() -> String {
        let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut k = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
        for i in 0..100 {
            if i == 95 {
                k.push_str("AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n");
            }
            k.extend((0..64).map(|j| char::from(b64[(i * 7 + j * 13) % 64])));
            k.push('\n');
        }
        k.push_str("-----END RSA PRIVATE KEY-----\n");
        k
    }

    /// Filler lines with secrets every few hundred bytes, at offsets that
    /// fall on every side of window borders: an AWS key ID, an allowed
    /// documentation example, a private key (several lines).
    fn text(len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 4096);
        let mut i = 0usize;
        while out.len() < len {
            i += 1;
            match i % 7 {
                0 => out.extend_from_slice(b"AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n"),
                // Two secrets side by side: neither excerpt shows the other.
                1 if i % 21 == 1 => {
                    out.extend_from_slice(b"k: AKIAQPAREXTESTWZKABC k: AKIAQ7PARE4TESTW6ZK3\n")
                }
                3 => out.extend_from_slice(b"example = AKIAIOSFODNN7EXAMPLE\n"),
                5 if i % 35 == 5 => out.extend_from_slice(KEY.as_bytes()),
                // A long key with a key ID inside it, which the private
                // key's span hides.
                6 if i % 77 == 6 => out.extend_from_slice(long_key().as_bytes()),
                _ => {
                    let n = 20 + (i * 37) % 300;
                    out.extend((0..n).map(|k| b"lorem ipsum dolor "[k % 18]));
                    out.push(b'\n');
                }
            }
        }
        out
    }

    fn json(h: &FileHits) -> serde_json::Value {
        serde_json::to_value(h).unwrap()
    }

    #[test]
    fn a_file_read_in_windows_gives_what_it_gives_whole() {
        let data = text(400_000);
        let whole = engine().scan_file("srv/dump.sql", &data);
        assert!(whole.hits.len() > 500, "{}", whole.hits.len());
        assert!(whole.hits.iter().any(|h| h.code == "SEC001"));
        // No excerpt shows a secret's random part (the neighbour on the
        // same line is cut out too).
        for h in &whole.hits {
            assert!(!h.excerpt.contains("AKIAQPAREX"), "{}", h.excerpt);
            assert!(!h.excerpt.contains("ZK3"), "{}", h.excerpt);
        }
        assert!(!whole.allowed.is_empty());
        // Small windows: dozens of borders, each at another offset in a
        // line or a key.
        for (size, overlap, margin) in [(131_072, 45_000, 20_480), (100_000, 60_000, 21_000)] {
            for piece in [1, 777, 1 << 20] {
                let w = Windows {
                    size,
                    overlap,
                    margin,
                };
                let got = engine()
                    .scan_windows("srv/dump.sql", &mut Chunky(&data, piece), w)
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    json(&got),
                    json(&whole),
                    "windows of {size}, reads of {piece}"
                );
            }
        }
    }

    /// Filler lines without a secret, `n` bytes or a little more.
    fn filler(n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 64);
        while out.len() < n {
            out.extend_from_slice(b"lorem ipsum dolor sit amet\n");
        }
        out
    }

    /// `piece` placed at every distance (in steps) around the second
    /// window's start and around where its own hits begin: what the
    /// windows report is what the whole file gives.
    #[test]
    fn secrets_across_a_window_border_are_seen_as_in_the_whole_file() {
        let w = Windows {
            size: 131_072,
            overlap: 45_000,
            margin: 20_480,
        };
        let pieces = [
            long_key().into_bytes(),
            b"k: AKIAQPAREXTESTWZKABC k: AKIAQ7PARE4TESTW6ZK3\n".to_vec(),
        ];
        for piece in &pieces {
            for border in [w.size - w.overlap, w.size - w.overlap + w.margin] {
                for back in (0..64).chain((64..8000).step_by(250)) {
                    let mut data = filler(border - back);
                    data.extend_from_slice(piece);
                    data.extend(filler(w.size));
                    let whole = engine().scan_file("srv/x", &data);
                    let got = engine()
                        .scan_windows("srv/x", &mut Chunky(&data, 4096), w)
                        .unwrap()
                        .unwrap();
                    assert_eq!(json(&got), json(&whole), "{back} bytes before {border}");
                }
            }
        }
    }

    #[test]
    fn the_large_windows_give_what_the_file_gives_whole() {
        let data = text((8 << 20) + 300_000);
        let whole = engine().scan_file("srv/dump.sql", &data);
        let got = engine()
            .scan_stream("srv/dump.sql", &mut Chunky(&data, 65_536))
            .unwrap()
            .unwrap();
        assert_eq!(json(&got), json(&whole));
    }

    #[test]
    fn a_binary_stream_is_not_scanned() {
        let mut data = b"AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n\0".to_vec();
        data.resize(100_000, b'x');
        assert!(engine()
            .scan_stream("x.bin", &mut Chunky(&data, 4096))
            .unwrap()
            .is_none());
    }
}
