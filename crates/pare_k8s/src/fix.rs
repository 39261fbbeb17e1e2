//! Fixes as byte-range edits over block- and flow-style YAML.
//!
//! A [`Planner`] collects what a fix wants ("this mapping should have
//! `securityContext.runAsNonRoot: true`") against the parsed tree, then
//! renders the smallest edits that get there: a scalar replaced in place, or
//! new keys/items inserted with the file's own indentation and line endings.
//! Nothing outside the edited ranges changes, so comments, key order and
//! quoting survive. Where an edit cannot be made safely (aliases, block
//! scalars, odd indentation, `key:` with a null value) the planner gives up
//! and the rule offers no fix rather than risk corrupting the file.
//!
//! Edits that *create* a key (a new `securityContext:` block) or add a pod
//! volume replace one existing byte instead of inserting at an empty range,
//! so two fixes that would both create the same key clash in
//! [`pare_findings::apply_edits`]: the second waits for the next `pare fix`
//! round instead of writing a duplicate key.

use crate::yaml::{Node, Style, Value};
use pare_findings::{Edit, Span};

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Bool(bool),
    Int(i64),
    Str(&'static str),
    /// A string made at run time (a path, a name derived from it).
    Text(String),
    Seq(Vec<V>),
    Map(Vec<(&'static str, V)>),
}

/// Indentation and line-ending habits of one file.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Layout {
    nl: &'static str,
    /// Flow edits quote keys (JSON).
    quote_keys: bool,
    /// Flow edits quote strings (JSON, KYAML).
    quote_strings: bool,
    step: usize,
    seq_indent: usize,
}

impl Layout {
    /// Learn the habits of `src` from one document's nested blocks;
    /// `crlf` says whether the file uses CRLF line endings.
    pub(crate) fn detect(src: &str, root: &Node, crlf: bool) -> Self {
        let mut layout = Layout {
            nl: if crlf { "\r\n" } else { "\n" },
            quote_keys: false,
            quote_strings: false,
            step: 0,
            seq_indent: usize::MAX,
        };
        // A flow-style document (JSON, KYAML) gets edits in its quoting.
        if let (true, Some(entries)) = (root.flow, root.entries()) {
            let quoted = |n: &Node| matches!(n.value, Value::Scalar(_, Style::Quoted));
            layout.quote_keys = entries.first().is_some_and(|(k, _)| quoted(k));
            layout.quote_strings = layout.quote_keys || entries.iter().any(|(_, v)| quoted(v));
        }
        learn(src, root, &mut layout, 0);
        if layout.step == 0 {
            layout.step = 2;
        }
        if layout.seq_indent == usize::MAX {
            layout.seq_indent = layout.step;
        }
        layout
    }
}

fn learn(src: &str, node: &Node, l: &mut Layout, depth: usize) {
    if depth > 40 || (l.step != 0 && l.seq_indent != usize::MAX) {
        return;
    }
    match &node.value {
        Value::Mapping(entries) if !node.flow => {
            for (k, v) in entries {
                let kc = col(src, k.span.start);
                if !v.flow {
                    match &v.value {
                        Value::Mapping(ce) if l.step == 0 => {
                            if let Some((ck, _)) = ce.first() {
                                let d = col(src, ck.span.start).saturating_sub(kc);
                                if (1..=8).contains(&d) {
                                    l.step = d;
                                }
                            }
                        }
                        Value::Sequence(items) if l.seq_indent == usize::MAX => {
                            if let Some(dc) =
                                items.first().and_then(|i| dash_col(src, i.span.start))
                            {
                                if dc >= kc && dc - kc <= 8 {
                                    l.seq_indent = dc - kc;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                learn(src, v, l, depth + 1);
            }
        }
        Value::Sequence(items) if !node.flow => {
            for i in items {
                learn(src, i, l, depth + 1);
            }
        }
        _ => {}
    }
}

fn line_start(src: &str, offset: usize) -> usize {
    src[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn col(src: &str, offset: usize) -> usize {
    offset - line_start(src, offset)
}

/// Column of the `-` of the block sequence item starting at `item_start`,
/// when the line holds only indentation and dashes before it.
fn dash_col(src: &str, item_start: usize) -> Option<usize> {
    let ls = line_start(src, item_start);
    let prefix = &src[ls..item_start];
    let lead = prefix.len() - prefix.trim_start_matches(' ').len();
    let rest = &prefix[lead..];
    (rest.starts_with('-') && rest.chars().all(|c| c == '-' || c == ' ')).then_some(lead)
}

/// Indentation of the keys of block mapping `m`: the column of its first
/// key, when only spaces and sequence dashes precede it on its line.
fn key_indent(src: &str, m: &Node) -> Option<usize> {
    let (k, _) = m.entries()?.first()?;
    let ls = line_start(src, k.span.start);
    src[ls..k.span.start]
        .chars()
        .all(|c| c == ' ' || c == '-')
        .then(|| k.span.start - ls)
}

fn line_end(src: &str, offset: usize) -> usize {
    let e = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    if e > 0 && src.as_bytes()[e - 1] == b'\r' {
        e - 1
    } else {
        e
    }
}

impl V {
    /// The string of a `Str` or `Text`.
    fn text(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Text(s) => Some(s),
            _ => None,
        }
    }
}

fn scalar(v: &V) -> String {
    match v {
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Str(_) | V::Text(_) => {
            let s = v.text().unwrap_or_default();
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
                )
                && s.parse::<f64>().is_err()
            {
                (*s).to_string()
            } else {
                format!("{s:?}")
            }
        }
        V::Seq(_) | V::Map(_) => Layout::default().flow(v),
    }
}

impl Layout {
    /// `v` in flow style, quoted as the document quotes.
    fn flow(&self, v: &V) -> String {
        match v {
            V::Seq(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.flow(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            V::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| self.flow_entry(k, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            V::Str(_) | V::Text(_) if self.quote_strings => {
                format!("{:?}", v.text().unwrap_or_default())
            }
            _ => scalar(v),
        }
    }

    fn flow_entry(&self, k: &str, v: &V) -> String {
        if self.quote_keys {
            format!("{k:?}: {}", self.flow(v))
        } else {
            format!("{k}: {}", self.flow(v))
        }
    }
}

impl Layout {
    /// `key: value` at column `indent`, nested lines indented from there
    /// (no leading indentation, no trailing newline).
    fn entry(&self, key: &str, v: &V, indent: usize) -> String {
        match v {
            V::Map(entries) if !entries.is_empty() => {
                let mut s = format!("{key}:");
                for (k, cv) in entries {
                    let ci = indent + self.step;
                    s.push_str(self.nl);
                    s.push_str(&" ".repeat(ci));
                    s.push_str(&self.entry(k, cv, ci));
                }
                s
            }
            V::Seq(items) if !items.is_empty() => {
                let mut s = format!("{key}:");
                for item in items {
                    let dc = indent + self.seq_indent;
                    s.push_str(self.nl);
                    s.push_str(&" ".repeat(dc));
                    s.push_str("- ");
                    s.push_str(&self.item(item, dc + 2));
                }
                s
            }
            _ => format!("{key}: {}", scalar(v)),
        }
    }

    /// A sequence item's text after `- `, its mapping keys at `col`.
    fn item(&self, v: &V, col: usize) -> String {
        match v {
            V::Map(entries) if !entries.is_empty() => entries
                .iter()
                .map(|(k, cv)| self.entry(k, cv, col))
                .collect::<Vec<_>>()
                .join(&format!("{}{}", self.nl, " ".repeat(col))),
            _ => scalar(v),
        }
    }
}

enum Op<'a> {
    Add(&'a Node, Vec<(&'static str, V)>),
    /// Items appended to one sequence, in order.
    Push(&'a Node, Vec<V>),
    Replace(&'a Node, V),
}

/// Collects the changes of one fix, then renders them as edits.
pub(crate) struct Planner<'a> {
    src: &'a str,
    layout: Layout,
    ops: Vec<Op<'a>>,
    failed: bool,
}

impl<'a> Planner<'a> {
    pub(crate) fn new(src: &'a str, layout: Layout) -> Self {
        Self {
            src,
            layout,
            ops: Vec::new(),
            failed: false,
        }
    }

    /// Make `map.path` equal `v`, creating missing mappings on the way.
    pub(crate) fn ensure(&mut self, map: &'a Node, path: &[&'static str], v: V) {
        let Some((first, rest)) = path.split_first() else {
            self.failed = true;
            return;
        };
        if map.entries().is_none() || map.alias {
            self.failed = true;
            return;
        }
        match map.get(first) {
            None => {
                let nested = rest.iter().rev().fold(v, |acc, k| V::Map(vec![(*k, acc)]));
                self.add(map, first, nested);
            }
            Some(existing) if rest.is_empty() => {
                if existing.as_str().is_some() && !existing.is_null() {
                    self.ops.push(Op::Replace(existing, v));
                } else {
                    self.failed = true;
                }
            }
            Some(existing) => self.ensure(existing, rest, v),
        }
    }

    /// Append `item` to the sequence `map.key`, creating it when missing.
    pub(crate) fn push(&mut self, map: &'a Node, key: &'static str, item: V) {
        if map.entries().is_none() || map.alias {
            self.failed = true;
            return;
        }
        match map.get(key) {
            None => self.add(map, key, V::Seq(vec![item])),
            Some(seq) if seq.items().is_some() && !seq.alias => {
                // Several items for one sequence are one edit: two edits at
                // the same place would clash.
                for op in &mut self.ops {
                    if let Op::Push(s, items) = op {
                        if std::ptr::eq(*s, seq) {
                            items.push(item);
                            return;
                        }
                    }
                }
                self.ops.push(Op::Push(seq, vec![item]));
            }
            Some(_) => self.failed = true,
        }
    }

    fn add(&mut self, map: &'a Node, key: &'static str, v: V) {
        for op in &mut self.ops {
            if let Op::Add(m, entries) = op {
                if std::ptr::eq(*m, map) {
                    match (entries.iter_mut().find(|(k, _)| *k == key), v) {
                        (Some((_, V::Map(existing))), V::Map(more)) => {
                            existing.extend(more);
                            return;
                        }
                        (Some((_, V::Seq(existing))), V::Seq(more)) => {
                            existing.extend(more);
                            return;
                        }
                        (_, v) => {
                            entries.push((key, v));
                            return;
                        }
                    }
                }
            }
        }
        self.ops.push(Op::Add(map, vec![(key, v)]));
    }

    /// The edits, or `None` when any change cannot be made safely.
    pub(crate) fn finish(self) -> Option<Vec<Edit>> {
        if self.failed || self.ops.is_empty() {
            return None;
        }
        let mut edits = Vec::new();
        for op in &self.ops {
            edits.push(match op {
                Op::Replace(node, v) => {
                    if node.alias
                        || !matches!(node.value, Value::Scalar(_, Style::Plain | Style::Quoted))
                    {
                        return None;
                    }
                    let quoted = matches!(node.value, Value::Scalar(_, Style::Quoted));
                    Edit::replace(
                        node.span,
                        match v {
                            V::Str(_) | V::Text(_) if quoted => {
                                format!("{:?}", v.text().unwrap_or_default())
                            }
                            _ => scalar(v),
                        },
                    )
                }
                Op::Add(map, entries) => self.add_edit(map, entries)?,
                Op::Push(seq, items) => self.push_edit(seq, items)?,
            });
        }
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        if edits
            .windows(2)
            .any(|w| w[0].span.end > w[1].span.start || w[0].span == w[1].span)
        {
            return None;
        }
        Some(edits)
    }

    fn add_edit(&self, map: &Node, entries: &[(&'static str, V)]) -> Option<Edit> {
        let src = self.src;
        let creates = entries
            .iter()
            .any(|(_, v)| matches!(v, V::Map(_) | V::Seq(_)));
        if map.flow {
            let close = map.span.end.checked_sub(1)?;
            if src.as_bytes().get(close) != Some(&b'}')
                || src.as_bytes().get(map.span.start) != Some(&b'{')
            {
                return None;
            }
            let text = entries
                .iter()
                .map(|(k, v)| self.layout.flow_entry(k, v))
                .collect::<Vec<_>>()
                .join(", ");
            let Some((_, last)) = map.entries()?.last() else {
                return Some(Edit::replace(map.span, format!("{{{text}}}")));
            };
            let between = src.get(last.span.end..close)?;
            if between.contains('#') {
                return None;
            }
            return Some(if between.contains(',') {
                if creates {
                    Edit::replace(Span::new(close, close + 1), format!("{text}, }}"))
                } else {
                    Edit::insert(close, format!("{text}, "))
                }
            } else if creates {
                Edit::replace(Span::new(close, close + 1), format!(", {text}}}"))
            } else {
                Edit::insert(last.span.end, format!(", {text}"))
            });
        }
        let indent = key_indent(src, map)?;
        let pairs = map.entries()?;
        // Preferred: after the last entry whose value ends its line.
        let after = pairs.iter().rev().find(|(_, v)| {
            !v.span.is_empty()
                && (v.flow || matches!(v.value, Value::Scalar(_, Style::Plain | Style::Quoted)))
                && {
                    let e = line_end(src, v.span.end);
                    let rest = src[v.span.end..e].trim();
                    rest.is_empty() || rest.starts_with('#')
                }
        });
        let render = |(k, v): &(&'static str, V)| self.layout.entry(k, v, indent);
        if let Some((_, v)) = after {
            let e = line_end(src, v.span.end);
            let mut text = String::new();
            for entry in entries {
                text.push_str(self.layout.nl);
                text.push_str(&" ".repeat(indent));
                text.push_str(&render(entry));
            }
            if creates {
                let last = src[..e].chars().next_back()?;
                let s = e - last.len_utf8();
                return Some(Edit::replace(Span::new(s, e), format!("{last}{text}")));
            }
            return Some(Edit::insert(e, text));
        }
        // Else: before the first key that starts its own line (and the
        // comments at its indentation just above it).
        let (k, _) = pairs.iter().find(|(k, _)| {
            let ls = line_start(src, k.span.start);
            src[ls..k.span.start].chars().all(|c| c == ' ')
        })?;
        let mut p = line_start(src, k.span.start);
        while p > 0 {
            let prev = line_start(src, p - 1);
            let line = &src[prev..p];
            let lead = line.len() - line.trim_start_matches(' ').len();
            if lead == indent && line[lead..].starts_with('#') {
                p = prev;
            } else {
                break;
            }
        }
        let mut text = String::new();
        for entry in entries {
            text.push_str(&" ".repeat(indent));
            text.push_str(&render(entry));
            text.push_str(self.layout.nl);
        }
        if creates && indent > 0 {
            text.push_str(&" ".repeat(indent));
            return Some(Edit::replace(Span::new(p, p + indent), text));
        }
        Some(Edit::insert(p, text))
    }

    /// Sequence items are always added exclusively: the one caller adds a
    /// pod volume, which two containers' fixes may both want.
    /// `items` put at the head of `seq` (one edit).
    fn push_edit(&self, seq: &Node, items: &[V]) -> Option<Edit> {
        let src = self.src;
        let flow = items
            .iter()
            .map(|i| self.layout.flow(i))
            .collect::<Vec<_>>()
            .join(", ");
        if seq.flow {
            if src.as_bytes().get(seq.span.start) != Some(&b'[') {
                return None;
            }
            return Some(if seq.items()?.is_empty() {
                Edit::replace(seq.span, format!("[{flow}]"))
            } else {
                Edit::replace(
                    Span::new(seq.span.start, seq.span.start + 1),
                    format!("[{flow}, "),
                )
            });
        }
        let first = seq.items()?.first()?;
        let dc = dash_col(src, first.span.start)?;
        let ls = line_start(src, first.span.start);
        let text: String = items
            .iter()
            .map(|item| {
                format!(
                    "{}- {}{}",
                    " ".repeat(dc),
                    self.layout.item(item, dc + 2),
                    self.layout.nl
                )
            })
            .collect();
        Some(Edit::replace(
            Span::new(ls, ls + dc + 1),
            format!("{text}{}-", " ".repeat(dc)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;
    use pare_findings::{apply_edits, Fix};

    fn apply(src: &str, f: impl for<'a> Fn(&mut Planner<'a>, &'a Node)) -> String {
        let docs = parse(src).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let mut p = Planner::new(src, Layout::detect(src, root, src.contains('\r')));
        f(&mut p, root);
        let edits = p.finish().expect("fixable");
        apply_edits(src, &[&Fix::safe("t", edits)]).text
    }

    #[test]
    fn block_insert_after_last_scalar_keeps_comments() {
        let src =
            "spec:\n  containers: # c\n  - name: a\n    image: x # pinned\n    ports:\n    - 80\n";
        let out = apply(src, |p, root| {
            let c = &root
                .get("spec")
                .unwrap()
                .get("containers")
                .unwrap()
                .items()
                .unwrap()[0];
            p.ensure(c, &["securityContext", "runAsNonRoot"], V::Bool(true));
        });
        assert_eq!(
            out,
            "spec:\n  containers: # c\n  - name: a\n    image: x # pinned\n    securityContext:\n      runAsNonRoot: true\n    ports:\n    - 80\n"
        );
    }

    #[test]
    fn block_insert_before_first_key_when_no_scalar() {
        let src = "spec:\n  # the list\n  containers:\n    - name: a\n";
        let out = apply(src, |p, root| {
            p.ensure(
                root.get("spec").unwrap(),
                &["securityContext", "runAsUser"],
                V::Int(65532),
            );
        });
        assert_eq!(
            out,
            "spec:\n  securityContext:\n    runAsUser: 65532\n  # the list\n  containers:\n    - name: a\n"
        );
    }

    #[test]
    fn flow_mappings_get_flow_edits() {
        let src = "{spec: {securityContext: {}, x: [1]}}";
        let out = apply(src, |p, root| {
            p.ensure(
                root.get("spec").unwrap(),
                &["securityContext", "runAsNonRoot"],
                V::Bool(true),
            );
        });
        assert_eq!(
            out,
            "{spec: {securityContext: {runAsNonRoot: true}, x: [1]}}"
        );
        let src = "{\n  a: 1,\n  b: {c: 2},\n}\n";
        let out = apply(src, |p, root| {
            p.ensure(root.get("b").unwrap(), &["d"], V::Str("ALL"))
        });
        assert_eq!(out, "{\n  a: 1,\n  b: {c: 2, d: ALL},\n}\n");
        let out = apply(src, |p, root| p.ensure(root, &["e"], V::Bool(false)));
        assert_eq!(out, "{\n  a: 1,\n  b: {c: 2},\ne: false, }\n");
    }

    #[test]
    fn json_documents_get_json_edits() {
        let src = "{\"spec\": {\"securityContext\": {\"seccompProfile\": {\"type\": \"Unconfined\"}}, \"volumes\": []}}";
        let out = apply(src, |p, root| {
            let spec = root.get("spec").unwrap();
            p.ensure(
                spec,
                &["securityContext", "seccompProfile", "type"],
                V::Str("RuntimeDefault"),
            );
            p.ensure(spec, &["automountServiceAccountToken"], V::Bool(false));
            p.push(
                spec,
                "volumes",
                V::Map(vec![("name", V::Str("tmp")), ("emptyDir", V::Map(vec![]))]),
            );
        });
        assert_eq!(
            out,
            "{\"spec\": {\"securityContext\": {\"seccompProfile\": {\"type\": \"RuntimeDefault\"}}, \"volumes\": [{\"name\": \"tmp\", \"emptyDir\": {}}], \"automountServiceAccountToken\": false}}"
        );
    }

    #[test]
    fn replaces_scalars_and_pushes_items() {
        let src = "a:\n  runAsUser: 0\n  drop:\n  - NET_RAW\n  f: [x]\n";
        let out = apply(src, |p, root| {
            let a = root.get("a").unwrap();
            p.ensure(a, &["runAsUser"], V::Int(65532));
            p.push(a, "drop", V::Str("ALL"));
            p.push(a, "f", V::Str("ALL"));
        });
        assert_eq!(
            out,
            "a:\n  runAsUser: 65532\n  drop:\n  - ALL\n  - NET_RAW\n  f: [ALL, x]\n"
        );
    }

    #[test]
    fn crlf_and_indent_style_are_kept() {
        let src = "spec:\r\n    containers:\r\n    -   name: a\r\n";
        let out = apply(src, |p, root| {
            let c = &root
                .get("spec")
                .unwrap()
                .get("containers")
                .unwrap()
                .items()
                .unwrap()[0];
            p.ensure(
                c,
                &["securityContext", "capabilities", "drop"],
                V::Seq(vec![V::Str("ALL")]),
            );
        });
        assert_eq!(
            out,
            "spec:\r\n    containers:\r\n    -   name: a\r\n        securityContext:\r\n            capabilities:\r\n                drop:\r\n                - ALL\r\n"
        );
    }

    #[test]
    fn aliases_and_null_values_are_not_fixed() {
        let src = "a: &x {b: 1}\nc: *x\nd:\n";
        let docs = parse(src).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let mut p = Planner::new(src, Layout::detect(src, root, src.contains('\r')));
        p.ensure(root.get("c").unwrap(), &["e"], V::Bool(true));
        assert!(p.finish().is_none());
        let mut p = Planner::new(src, Layout::detect(src, root, src.contains('\r')));
        p.ensure(root, &["d", "e"], V::Bool(true));
        assert!(p.finish().is_none());
    }
}
