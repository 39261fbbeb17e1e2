//! The engine: keyword pre-filter, rules, allow-list, redaction — and the
//! [`Scanner`] that runs it inside the index pass.

use crate::redact::{mask_random, redact, MASK};
use crate::rules::{self, Rule};
use crate::{allow, FileHit, FileHits};
use aho_corasick::AhoCorasick;
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
        let mut hits = self.hits(path, data);
        let mut allowed = Vec::new();
        hits.retain(|h| {
            let code = rules::ALL[h.rule].meta.code;
            match allow::allowed(code, path, &data[h.span.clone()]) {
                Some(reason) => {
                    allowed.push(format!("{code}: {reason}"));
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
        let spans: Vec<Range<usize>> = hits.iter().map(|h| h.span.clone()).collect();
        let hits = hits
            .iter()
            .map(|h| {
                let (line, excerpt) = excerpt(data, &h.span, &spans, rules::ALL[h.rule]);
                FileHit {
                    code: rules::ALL[h.rule].meta.code.to_string(),
                    line,
                    excerpt,
                }
            })
            .collect();
        FileHits { hits, allowed }
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
