//! The module names a Python source imports, read from its bytes during
//! the pass.

use super::MAX_IMPORTS;

/// The module names a Python source imports (relative ones keep their
/// leading dots). Never panics; strings and comments are skipped.
#[must_use]
pub fn imports(src: &str) -> Vec<String> {
    imports_bytes(src.as_bytes())
}

/// [`imports`] over raw bytes: only statements that mention `import` are
/// decoded (lossily), so a file is not validated as UTF-8 as a whole.
#[must_use]
pub fn imports_bytes(src: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, s: &str| {
        let s = s.trim();
        let body = s.trim_start_matches('.');
        let valid = !body.is_empty()
            && body
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if valid && out.len() < MAX_IMPORTS && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    logical_statements(src, &mut |stmt: &str| {
        let stmt = stmt.trim();
        let stmt = if stmt.starts_with("import ") || stmt.starts_with("from ") {
            stmt
        } else if let Some(p) = stmt.find(": import ").or_else(|| stmt.find(": from ")) {
            stmt[p + 1..].trim()
        } else {
            return;
        };
        if let Some(rest) = stmt.strip_prefix("import ") {
            for part in rest.split(',') {
                let name = part.split_whitespace().next().unwrap_or("");
                push(&mut out, name);
            }
        } else if let Some(rest) = stmt.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else {
                return;
            };
            let module = module.trim();
            if module == "__future__" {
                return;
            }
            let dots_only = module.chars().all(|c| c == '.');
            if !dots_only {
                push(&mut out, module);
            }
            let names = names.trim().trim_start_matches('(').trim_end_matches(')');
            for n in names.split(',') {
                let n = n.split_whitespace().next().unwrap_or("");
                if n.is_empty() || n == "*" || !n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let full = if dots_only {
                    format!("{module}{n}")
                } else {
                    format!("{module}.{n}")
                };
                push(&mut out, &full);
            }
        }
    });
    // importlib.import_module("x") and __import__("x") with a literal.
    for pat in ["import_module(", "__import__("] {
        for pos in memchr::memmem::find_iter(src, pat.as_bytes()) {
            let rest = src[pos + pat.len()..].trim_ascii_start();
            let Some(&q) = rest.first().filter(|c| **c == b'"' || **c == b'\'') else {
                continue;
            };
            if let Some(end) = memchr::memchr(q, &rest[1..]) {
                let name = String::from_utf8_lossy(&rest[1..=end]);
                if !name.starts_with('.') {
                    push(&mut out, &name);
                }
            }
        }
    }
    out
}

/// Longest logical statement read (a hostile file cannot make one huge).
const MAX_STATEMENT: usize = 64 << 10;

/// Call `f` with each `;`-separated part of every logical statement that
/// holds the word `import` outside triple-quoted strings, with comments
/// and string contents removed and bracketed or backslash-continued lines
/// joined.
///
/// Fast because it does not walk every byte: `import` is searched for with
/// `memchr`'s SIMD finder, and only the logical lines around its
/// occurrences are read. Triple-quote state is tracked between occurrences
/// the same way, so docstrings are skipped; a triple quote inside a
/// one-line string or a comment can confuse it (an over-approximation at
/// worst: a docstring line is read as an import).
fn logical_statements(src: &[u8], f: &mut dyn FnMut(&str)) {
    use memchr::memmem::Finder;
    let import = Finder::new(b"import");
    let triples = [Finder::new(b"\"\"\""), Finder::new(b"'''")];
    let mut in_triple: Option<usize> = None; // index into `triples`
    let mut triple_pos = 0;
    let mut done = 0; // bytes already read as part of a statement
    let mut search = 0;
    let mut cur: Vec<u8> = Vec::new();
    while let Some(off) = import.find(&src[search..]) {
        let pos = search + off;
        search = pos + 6;
        if pos < done {
            continue;
        }
        let line_start = memchr::memrchr(b'\n', &src[..pos]).map_or(0, |i| i + 1);
        // Triple-quote state at the start of this line.
        while triple_pos < line_start {
            let window = &src[triple_pos..line_start];
            let next = match in_triple {
                Some(t) => triples[t].find(window).map(|o| (o, t)),
                None => triples
                    .iter()
                    .enumerate()
                    .filter_map(|(t, fd)| fd.find(window).map(|o| (o, t)))
                    .min(),
            };
            let Some((o, t)) = next else {
                triple_pos = line_start;
                break;
            };
            in_triple = if in_triple.is_some() { None } else { Some(t) };
            triple_pos += o + 3;
        }
        if in_triple.is_some() {
            continue;
        }
        // Read the logical line.
        cur.clear();
        let mut depth = 0usize;
        let mut i = line_start;
        while i < src.len() && cur.len() < MAX_STATEMENT {
            let c = src[i];
            match c {
                b'#' => {
                    i += memchr::memchr(b'\n', &src[i..]).unwrap_or(src.len() - i);
                    continue;
                }
                b'\'' | b'"' => {
                    if src.get(i + 1) == Some(&c) && src.get(i + 2) == Some(&c) {
                        break; // a triple-quoted string: not an import line
                    }
                    i += 1;
                    while i < src.len() && src[i] != c && src[i] != b'\n' {
                        i += if src[i] == b'\\' { 2 } else { 1 };
                    }
                    cur.extend_from_slice(b"\"\"");
                }
                b'\\' if src.get(i + 1) == Some(&b'\n') => {
                    cur.push(b' ');
                    i += 1;
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    cur.push(c);
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    cur.push(c);
                }
                b'\n' if depth > 0 => cur.push(b' '),
                b'\n' => break,
                _ => cur.push(c),
            }
            i += 1;
        }
        done = i;
        triple_pos = triple_pos.max(i.min(src.len()));
        for part in cur.split(|b| *b == b';') {
            if memchr::memmem::find(part, b"import").is_some() {
                f(&String::from_utf8_lossy(part));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_imports() {
        let src = r#"
"""Docstring: import notthis
"""
import os, sys as system
import a.b.c as d  # import notacomment
from x.y import (z,
    w as ww)
from . import sibling
from ..parent import thing
from __future__ import annotations
try: import optional
except ImportError: pass
s = "import fake"
def f():
    from lazy import mod; import other
mod = importlib.import_module("dyn.mod")
"#;
        assert_eq!(
            imports(src),
            [
                "os",
                "sys",
                "a.b.c",
                "x.y",
                "x.y.z",
                "x.y.w",
                ".sibling",
                "..parent",
                "..parent.thing",
                "optional",
                "lazy",
                "lazy.mod",
                "other",
                "dyn.mod"
            ]
        );
    }

    #[test]
    fn hostile_sources_do_not_panic() {
        for s in [
            "'''",
            "\"",
            "from",
            "import",
            "from . import",
            "(((",
            "\\",
            "é'",
            "import .",
        ] {
            let _ = imports(s);
        }
    }
}
