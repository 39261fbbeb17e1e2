//! A YAML tree with byte spans, built from `saphyr-parser` events.
//!
//! The parser reports positions in characters; every span here is converted
//! to a byte offset into the source, so edits can slice the text directly.
//! Aliases are expanded by copying the anchored node (marked `alias`, so
//! fixes never edit through them) under a node budget, and nesting depth is
//! capped, so hostile input cannot exhaust memory or the stack.

use pare_findings::Span;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting accepted (real manifests stay under 20).
const MAX_DEPTH: usize = 200;
/// Nodes that alias expansion may create beyond the source's own.
const MAX_ALIAS_NODES: usize = 100_000;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// Single- or double-quoted.
    Quoted,
    /// Literal `|` or folded `>` block.
    Block,
}

/// The content of a node.
#[derive(Debug, Clone)]
pub enum Value {
    /// A scalar and its style.
    Scalar(String, Style),
    /// Key/value pairs in source order (duplicates kept; lookups take the last).
    Mapping(Vec<(Node, Node)>),
    /// Items in source order.
    Sequence(Vec<Node>),
}

/// One YAML node with its byte span.
#[derive(Debug, Clone)]
pub struct Node {
    /// Content.
    pub value: Value,
    /// Bytes of the node (for block collections: first to last child byte).
    pub span: Span,
    /// Written in flow style (`{}` / `[]`).
    pub flow: bool,
    /// A copy made by expanding an alias: never edit it.
    pub alias: bool,
}

impl Node {
    /// The scalar text, if this is a scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    #[must_use]
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Mapping(e) => Some(e),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    #[must_use]
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(i) => Some(i),
            _ => None,
        }
    }

    /// The last entry whose key is `key` (lenient decoders keep the last).
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
    }

    /// The value under `key`, when this is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The value under `key`, ignoring YAML nulls.
    #[must_use]
    pub fn get_set(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|v| !v.is_null())
    }

    /// The scalar under `key`.
    #[must_use]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// True for `~`, `null`, and an empty plain scalar.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, Style::Plain)
            if s.is_empty() || s == "~" || s.eq_ignore_ascii_case("null"))
    }

    /// The boolean this scalar denotes (YAML 1.1 spellings, as Kubernetes'
    /// decoder accepts them).
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s, Style::Plain) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => Some(true),
                "false" | "no" | "off" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The integer this plain scalar denotes.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s, Style::Plain) => s.trim_start_matches('+').parse().ok(),
            _ => None,
        }
    }
}

impl Node {
    /// Move every span `by` bytes later (for a document parsed on its own
    /// out of a larger file).
    pub fn shift(&mut self, by: usize) {
        self.span = Span::new(self.span.start + by, self.span.end + by);
        match &mut self.value {
            Value::Scalar(..) => {}
            Value::Mapping(e) => {
                for (k, v) in e {
                    k.shift(by);
                    v.shift(by);
                }
            }
            Value::Sequence(items) => items.iter_mut().for_each(|i| i.shift(by)),
        }
    }
}

/// Split a stream into documents at `---` / `...` marker lines, as
/// `(byte offset, text)`. A marker at column 0 always ends a document in
/// YAML, so each piece parses on its own exactly as it would in the stream.
#[must_use]
pub fn split_documents(src: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in src.split_inclusive('\n') {
        let is_marker = (line.starts_with("---") || line.starts_with("..."))
            && line[3..].chars().next().is_none_or(char::is_whitespace);
        if is_marker && pos > start {
            out.push((start, &src[start..pos]));
            start = pos;
        }
        pos += line.len();
    }
    if pos > start || out.is_empty() {
        out.push((start, &src[start..]));
    }
    out
}

/// The top-level `kind:` of one document, when written plainly at column 0
/// (`kind: Service`, `kind: "Service"`).
#[must_use]
pub fn top_level_kind(doc: &str) -> Option<&str> {
    doc.lines().find_map(|l| {
        let v = l.strip_prefix("kind:")?;
        let v = v
            .split(" #")
            .next()?
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric())).then_some(v)
    })
}

/// One document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root node (`None` for an empty document).
    pub root: Option<Node>,
}

/// A YAML syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// The cause, one line.
    pub message: String,
}

/// Converts the parser's character indices to byte offsets.
struct CharToByte {
    /// `(char index, extra bytes of all multi-byte chars up to and including it)`.
    wide: Vec<(usize, usize)>,
    len: usize,
}

impl CharToByte {
    fn new(src: &str) -> Self {
        let mut wide = Vec::new();
        if !src.is_ascii() {
            let mut extra = 0;
            for (i, c) in src.chars().enumerate() {
                if c.len_utf8() > 1 {
                    extra += c.len_utf8() - 1;
                    wide.push((i, extra));
                }
            }
        }
        Self {
            wide,
            len: src.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let k = self.wide.partition_point(|&(i, _)| i < char_index);
        let extra = if k == 0 { 0 } else { self.wide[k - 1].1 };
        (char_index + extra).min(self.len)
    }
}

enum Frame {
    Map {
        start: usize,
        end: usize,
        flow: bool,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        start: usize,
        end: usize,
        flow: bool,
        anchor: usize,
        items: Vec<Node>,
    },
}

fn mark_alias(node: &mut Node) {
    node.alias = true;
    match &mut node.value {
        Value::Scalar(..) => {}
        Value::Mapping(e) => {
            for (k, v) in e {
                mark_alias(k);
                mark_alias(v);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(mark_alias),
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar(..) => 0,
        Value::Mapping(e) => e.iter().map(|(k, v)| count(k) + count(v)).sum(),
        Value::Sequence(items) => items.iter().map(count).sum(),
    }
}

/// One past the closing bracket of a flow collection that opens at `start`
/// and whose last child ends at `last`: the parser's own end marker points
/// at a trailing comma when there is one (`{a: 1,}`).
fn flow_end(src: &str, start: usize, last: usize, close: u8, reported: usize) -> usize {
    let bytes = src.as_bytes();
    let mut i = last.max(start + 1);
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
            b'#' => {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            }
            b if b == close => return i + 1,
            _ => break,
        }
    }
    reported
}

/// Parse every document of `src`.
///
/// # Errors
/// The first syntax error, or a nesting/alias limit being exceeded.
pub fn parse(src: &str) -> Result<Vec<Document>, YamlError> {
    let conv = CharToByte::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = MAX_ALIAS_NODES;

    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            offset: conv.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        let start = conv.byte(span.start.index());
        let end = conv.byte(span.end.index());
        let complete: Option<(Node, usize)> = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                docs.push(Document { root: root.take() });
                None
            }
            Event::Scalar(text, style, anchor, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                Some((
                    Node {
                        value: Value::Scalar(text.into_owned(), style),
                        span: Span::new(start, end),
                        flow: false,
                        alias: false,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError {
                        offset: start,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                let n = count(target);
                if n > alias_budget {
                    return Err(YamlError {
                        offset: start,
                        message: "too many nodes created by aliases".into(),
                    });
                }
                alias_budget -= n;
                let mut copy = target.clone();
                mark_alias(&mut copy);
                Some((copy, 0))
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        offset: start,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                let flow = end > start;
                stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map {
                        start,
                        end: start,
                        flow,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    }
                } else {
                    Frame::Seq {
                        start,
                        end: start,
                        flow,
                        anchor,
                        items: Vec::new(),
                    }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Frame::Map {
                    start: s,
                    end: e,
                    flow,
                    anchor,
                    entries,
                    ..
                }) => Some((
                    Node {
                        value: Value::Mapping(entries),
                        span: Span::new(
                            s,
                            if flow {
                                flow_end(src, s, e, b'}', end)
                            } else {
                                e
                            },
                        ),
                        flow,
                        alias: false,
                    },
                    anchor,
                )),
                Some(Frame::Seq {
                    start: s,
                    end: e,
                    flow,
                    anchor,
                    items,
                }) => Some((
                    Node {
                        value: Value::Sequence(items),
                        span: Span::new(
                            s,
                            if flow {
                                flow_end(src, s, e, b']', end)
                            } else {
                                e
                            },
                        ),
                        flow,
                        alias: false,
                    },
                    anchor,
                )),
                None => None,
            },
        };
        if let Some((node, anchor)) = complete {
            if anchor > 0 {
                anchors.insert(anchor, node.clone());
            }
            let node_end = node.span.end;
            match stack.last_mut() {
                Some(Frame::Map {
                    entries, key, end, ..
                }) => {
                    *end = (*end).max(node_end);
                    match key.take() {
                        None => *key = Some(node),
                        Some(k) => entries.push((k, node)),
                    }
                }
                Some(Frame::Seq { items, end, .. }) => {
                    *end = (*end).max(node_end);
                    items.push(node);
                }
                None => root = Some(node),
            }
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let src = "a: \"é\"\nb:\n  c: [1, x]\n";
        let docs = parse(src).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let b = root.get("b").unwrap();
        let c = b.get("c").unwrap();
        assert_eq!(&src[c.span.start..c.span.end], "[1, x]");
        assert!(c.flow);
        let x = &c.items().unwrap()[1];
        assert_eq!(&src[x.span.start..x.span.end], "x");
        assert_eq!(&src[b.span.start..b.span.end], "c: [1, x]");
    }

    #[test]
    fn multi_documents_duplicates_and_aliases() {
        let src = "a: 1\na: 2\n---\nx: &m {k: v}\ny: *m\n---\n";
        let docs = parse(src).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].root.as_ref().unwrap().get_str("a"), Some("2"));
        let y = docs[1].root.as_ref().unwrap().get("y").unwrap();
        assert!(y.alias);
        assert_eq!(y.get_str("k"), Some("v"));
        assert!(docs[2].root.as_ref().is_none_or(Node::is_null));
    }

    #[test]
    fn documents_split_at_markers_only() {
        let src = "a: 1\n---\nkind: Service\nb: |\n  ---x\n--- # c\nkind: \"Pod\"\n...\n";
        let docs = split_documents(src);
        let texts: Vec<&str> = docs.iter().map(|(_, t)| *t).collect();
        assert_eq!(
            texts,
            [
                "a: 1\n",
                "---\nkind: Service\nb: |\n  ---x\n",
                "--- # c\nkind: \"Pod\"\n",
                "...\n"
            ]
        );
        assert_eq!(docs[1].0, 5);
        assert_eq!(top_level_kind(texts[1]), Some("Service"));
        assert_eq!(top_level_kind(texts[2]), Some("Pod"));
        assert_eq!(top_level_kind("spec:\n  kind: x\n"), None);
    }

    #[test]
    fn errors_carry_byte_offsets() {
        let src = "é: x\nb: [\n";
        let err = parse(src).unwrap_err();
        assert!(err.offset <= src.len());
        assert!(!err.message.is_empty());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            laughs.push_str(&format!("{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&laughs).is_err());
    }
}
