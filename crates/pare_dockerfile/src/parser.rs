//! Dockerfile text -> [`Dockerfile`], every node with its byte span.
//!
//! Handles parser directives (`# syntax=`, `# escape=`, `# check=`), line
//! continuations with either escape character, comment and blank lines
//! inside continuations, heredocs (`<<EOF`, `<<-EOF`, quoted delimiters,
//! several per instruction), exec and shell forms, `ARG` before `FROM`
//! with variable substitution, multi-stage builds and `ONBUILD`.
//!
//! Continuations are removed to build each instruction's *logical* text,
//! which keeps a map back to source bytes ([`Logical::to_src`]) so rules can
//! point at, and fixes can edit, the original bytes.
//!
//! One file (about 950 lines of code): the grammar is one recursive-descent
//! reader whose pieces share the escape character, the continuation map and
//! the variable scope; split, each would need all three passed around.

use crate::image::{expand, ImageRef};
use pare_findings::{LineIndex, ParseError, Span};

/// Instruction keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Keyword {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
}

impl Keyword {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_uppercase().as_str() {
            "FROM" => Self::From,
            "RUN" => Self::Run,
            "CMD" => Self::Cmd,
            "LABEL" => Self::Label,
            "MAINTAINER" => Self::Maintainer,
            "EXPOSE" => Self::Expose,
            "ENV" => Self::Env,
            "ADD" => Self::Add,
            "COPY" => Self::Copy,
            "ENTRYPOINT" => Self::Entrypoint,
            "VOLUME" => Self::Volume,
            "USER" => Self::User,
            "WORKDIR" => Self::Workdir,
            "ARG" => Self::Arg,
            "ONBUILD" => Self::Onbuild,
            "STOPSIGNAL" => Self::Stopsignal,
            "HEALTHCHECK" => Self::Healthcheck,
            "SHELL" => Self::Shell,
            _ => return None,
        })
    }

    /// Upper-case spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::From => "FROM",
            Self::Run => "RUN",
            Self::Cmd => "CMD",
            Self::Label => "LABEL",
            Self::Maintainer => "MAINTAINER",
            Self::Expose => "EXPOSE",
            Self::Env => "ENV",
            Self::Add => "ADD",
            Self::Copy => "COPY",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Volume => "VOLUME",
            Self::User => "USER",
            Self::Workdir => "WORKDIR",
            Self::Arg => "ARG",
            Self::Onbuild => "ONBUILD",
            Self::Stopsignal => "STOPSIGNAL",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Shell => "SHELL",
        }
    }

    fn takes_flags(self) -> bool {
        matches!(
            self,
            Self::From | Self::Run | Self::Add | Self::Copy | Self::Healthcheck
        )
    }

    fn allows_heredoc(self) -> bool {
        matches!(self, Self::Run | Self::Add | Self::Copy)
    }
}

/// Text with line continuations removed, mapped back to source bytes.
#[derive(Debug, Clone, Default)]
pub struct Logical {
    /// The joined text.
    pub text: String,
    /// `(logical offset, source offset, length)` runs, in order.
    segs: Vec<(usize, usize, usize)>,
}

impl Logical {
    fn push(&mut self, src: &str, start: usize, end: usize) {
        if end > start {
            self.segs.push((self.text.len(), start, end - start));
            self.text.push_str(&src[start..end]);
        }
    }

    /// Source offset of logical offset `off`, for the *start* of a range.
    #[must_use]
    pub fn to_src(&self, off: usize) -> usize {
        for &(l, s, n) in &self.segs {
            if off < l + n {
                return s + off.saturating_sub(l);
            }
        }
        self.segs.last().map_or(0, |&(_, s, n)| s + n)
    }

    /// Source offset of logical offset `off`, for the *end* of a range
    /// (stays on the line of the preceding byte).
    #[must_use]
    pub fn to_src_end(&self, off: usize) -> usize {
        if off == 0 {
            return self.to_src(0);
        }
        self.to_src(off - 1) + 1
    }

    /// Source span of logical range `[a, b)`.
    #[must_use]
    pub fn span(&self, a: usize, b: usize) -> Span {
        if b <= a {
            let s = self.to_src(a);
            return Span::new(s, s);
        }
        Span::new(self.to_src(a), self.to_src_end(b))
    }

    /// The part from logical offset `from` on.
    #[must_use]
    pub fn slice_from(&self, from: usize) -> Logical {
        let mut out = Logical::default();
        for &(l, s, n) in &self.segs {
            if l + n <= from {
                continue;
            }
            let skip = from.saturating_sub(l);
            out.segs.push((out.text.len(), s + skip, n - skip));
            out.text.push_str(&self.text[l + skip..l + n]);
        }
        out
    }

    /// Whether the text spans several source lines.
    #[must_use]
    pub fn is_multiline(&self) -> bool {
        self.segs.len() > 1
    }
}

/// A whitespace-separated word of an instruction's logical text.
#[derive(Debug, Clone)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Logical range.
    pub start: usize,
    /// Logical end.
    pub end: usize,
}

/// Split logical text on whitespace.
#[must_use]
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: text[s..i].to_string(),
                    start: s,
                    end: i,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: text[s..].to_string(),
            start: s,
            end: text.len(),
        });
    }
    out
}

/// `--name=value` flag of `FROM`, `RUN`, `COPY`, `ADD`, `HEALTHCHECK`.
#[derive(Debug, Clone)]
pub struct Flag {
    /// Name without dashes.
    pub name: String,
    /// Value after `=`, if any.
    pub value: Option<String>,
    /// Source span of the whole flag.
    pub span: Span,
}

/// A heredoc body.
#[derive(Debug, Clone)]
pub struct Heredoc {
    /// Delimiter word (`EOF`).
    pub delimiter: String,
    /// Whether leading tabs are stripped (`<<-`).
    pub strip_tabs: bool,
    /// Whether the delimiter was quoted (no expansion).
    pub quoted: bool,
    /// The body (without the terminator line).
    pub body: String,
    /// Source span of the body.
    pub body_span: Span,
}

/// Shell or exec (JSON array) form of `RUN`, `CMD`, `ENTRYPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `["prog", "arg"]`.
    Exec(Vec<String>),
    /// `prog arg`, run by the stage's shell.
    Shell,
}

/// One instruction.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// Source span of the keyword.
    pub keyword_span: Span,
    /// From the keyword to the end of its last line (heredoc bodies excluded).
    pub span: Span,
    /// Flags before the arguments.
    pub flags: Vec<Flag>,
    /// Arguments after the flags, continuations removed.
    pub args: Logical,
    /// Heredoc bodies, in order.
    pub heredocs: Vec<Heredoc>,
    /// The wrapped instruction of `ONBUILD`.
    pub onbuild: Option<Box<Instruction>>,
    /// 0-based line of the keyword.
    pub line: usize,
    /// Stage index, `None` before the first `FROM`.
    pub stage: Option<usize>,
}

impl Instruction {
    /// Exec or shell form.
    #[must_use]
    pub fn form(&self) -> Form {
        parse_json_array(self.args.text.trim()).map_or(Form::Shell, Form::Exec)
    }

    /// A flag by name.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Whitespace words of the arguments.
    #[must_use]
    pub fn words(&self) -> Vec<Word> {
        words(&self.args.text)
    }

    /// Source span of the arguments.
    #[must_use]
    pub fn args_span(&self) -> Span {
        self.args.span(0, self.args.text.len())
    }
}

/// A comment line outside instructions.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// Source span of the line.
    pub span: Span,
    /// 0-based line.
    pub line: usize,
}

/// A parser directive.
#[derive(Debug, Clone)]
pub struct Directive {
    /// Lower-case name (`syntax`, `escape`, `check`).
    pub name: String,
    /// Value.
    pub value: String,
    /// Source span of the line.
    pub span: Span,
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// An external image.
    Image(ImageRef),
    /// The image name depends on a variable without default.
    Unresolved,
}

/// One build stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// 0-based index.
    pub index: usize,
    /// Index of its `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// Lower-cased `AS` name.
    pub name: Option<String>,
    /// The image text as written.
    pub image_raw: String,
    /// The image text after `ARG` substitution.
    pub image: String,
    /// Source span of the image word.
    pub image_span: Span,
    /// What the stage is built on.
    pub base: Base,
    /// Instruction indices of the stage (after its `FROM`).
    pub body: std::ops::Range<usize>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// Escape character (`\` or `` ` ``).
    pub escape: char,
    /// Parser directives.
    pub directives: Vec<Directive>,
    /// Instructions in order.
    pub instructions: Vec<Instruction>,
    /// Comment lines (not directives, not inside continuations).
    pub comments: Vec<Comment>,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// `ARG`s declared before the first `FROM`, with defaults.
    pub global_args: Vec<(String, Option<String>)>,
    /// Source length.
    pub len: usize,
}

impl Dockerfile {
    /// The final stage.
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Instructions of a stage (after its `FROM`).
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        &self.instructions[stage.body.clone()]
    }

    /// The external image a stage ultimately builds on (following stage
    /// references), or `None` for scratch/unresolved.
    #[must_use]
    pub fn root_image<'a>(&'a self, stage: &'a Stage) -> Option<&'a ImageRef> {
        let mut s = stage;
        for _ in 0..=self.stages.len() {
            match &s.base {
                Base::Image(r) => return Some(r),
                Base::Stage(i) if *i < s.index => s = &self.stages[*i],
                _ => return None,
            }
        }
        None
    }

    /// What the final image is built on, for base/app layer attribution:
    /// the final stage's chain of stages back to its external image (or
    /// `scratch`), and how many layers that chain's `RUN`, `COPY` and `ADD`
    /// instructions made. Returns the root stage (whose `image` is the base
    /// as written after `ARG` substitution) and the count.
    #[must_use]
    pub fn final_layers(&self) -> Option<(&Stage, usize)> {
        let mut s = self.final_stage()?;
        let mut count = 0;
        for _ in 0..=self.stages.len() {
            count += self
                .stage_instructions(s)
                .iter()
                .filter(|i| matches!(i.keyword, Keyword::Run | Keyword::Copy | Keyword::Add))
                .count();
            match &s.base {
                Base::Stage(i) if *i < s.index => s = &self.stages[*i],
                _ => return Some((s, count)),
            }
        }
        None
    }

    /// Whether a stage ultimately builds on `scratch`.
    #[must_use]
    pub fn root_is_scratch<'a>(&'a self, stage: &'a Stage) -> bool {
        let mut s = stage;
        for _ in 0..=self.stages.len() {
            match &s.base {
                Base::Scratch => return true,
                Base::Stage(i) if *i < s.index => s = &self.stages[*i],
                _ => return false,
            }
        }
        false
    }

    /// Stage referred to by `--from=` value or `FROM` name: alias or index.
    #[must_use]
    pub fn stage_by_ref(&self, name: &str, before: usize) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        if let Ok(i) = lower.parse::<usize>() {
            return self.stages.get(i).filter(|s| s.index < before);
        }
        self.stages[..before.min(self.stages.len())]
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
    }
}

/// Largest file the parser accepts (real Dockerfiles are a few KiB).
pub const MAX_LEN: usize = 16 << 20;

struct Lines<'a> {
    src: &'a str,
    /// (start, end excluding `\r\n`) of each line.
    lines: Vec<(usize, usize)>,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                let end = if i > start && src.as_bytes()[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                lines.push((start, end));
                start = i + 1;
            }
        }
        if start < src.len() {
            lines.push((start, src.len()));
        }
        Self { src, lines }
    }

    fn text(&self, i: usize) -> &'a str {
        let (s, e) = self.lines[i];
        &self.src[s..e]
    }
}

/// Parse a Dockerfile.
///
/// # Errors
/// A [`ParseError`] with the line and column of the first problem.
pub fn parse(path: &str, src: &str) -> Result<Dockerfile, ParseError> {
    let index = LineIndex::new(src);
    let err = |off: usize, msg: String| {
        let lc = index.line_col(src, off);
        ParseError {
            path: path.to_string(),
            line: lc.line,
            col: lc.col,
            message: msg,
        }
    };
    if src.len() > MAX_LEN {
        return Err(err(0, format!("file is larger than {} MiB", MAX_LEN >> 20)));
    }
    if let Some(pos) = src.find('\0') {
        return Err(err(pos, "NUL byte: not a text file".to_string()));
    }
    let src_lines = Lines::new(src);
    let mut df = Dockerfile {
        escape: '\\',
        directives: Vec::new(),
        instructions: Vec::new(),
        comments: Vec::new(),
        stages: Vec::new(),
        global_args: Vec::new(),
        len: src.len(),
    };

    // Parser directives: `# name=value` lines at the very top.
    let mut i = 0;
    while i < src_lines.lines.len() {
        let text = src_lines.text(i);
        let Some(d) = parse_directive(text) else {
            break;
        };
        let (s, e) = src_lines.lines[i];
        if df.directives.iter().any(|x| x.name == d.0) {
            return Err(err(s, format!("parser directive `{}` given twice", d.0)));
        }
        if d.0 == "escape" {
            df.escape = match d.1.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(err(
                        s,
                        format!("invalid escape directive `{other}` (expected `\\` or `` ` ``)"),
                    ))
                }
            };
        }
        df.directives.push(Directive {
            name: d.0,
            value: d.1,
            span: Span::new(s, e),
        });
        i += 1;
    }

    while i < src_lines.lines.len() {
        let (ls, _) = src_lines.lines[i];
        let text = src_lines.text(i);
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            df.comments.push(Comment {
                text: c.trim().to_string(),
                span: Span::new(ls, ls + text.len()),
                line: i,
            });
            i += 1;
            continue;
        }
        let start = ls + (text.len() - trimmed.len());
        let (ins, next) = parse_instruction(&src_lines, i, start, df.escape, &err)?;
        df.instructions.push(ins);
        i = next;
    }
    build_stages(&mut df, src, &err)?;
    Ok(df)
}

fn parse_directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (k, v) = rest.split_once('=')?;
    let k = k.trim().to_ascii_lowercase();
    if !matches!(k.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((k, v.trim().to_string()))
}

type ErrFn<'e> = dyn Fn(usize, String) -> ParseError + 'e;

/// Parse the instruction whose keyword starts at `start` on line `i`;
/// returns it and the index of the next unconsumed line.
fn parse_instruction(
    lines: &Lines<'_>,
    i: usize,
    start: usize,
    escape: char,
    err: &ErrFn<'_>,
) -> Result<(Instruction, usize), ParseError> {
    let src = lines.src;
    let (_, line_end) = lines.lines[i];
    let kw_len = src[start..line_end]
        .find(|c: char| c.is_whitespace())
        .unwrap_or(line_end - start);
    let kw_text = &src[start..start + kw_len];
    let Some(keyword) = Keyword::parse(kw_text) else {
        let shown: String = kw_text.chars().take(40).collect();
        return Err(err(start, format!("unknown instruction `{shown}`")));
    };
    // Gather the logical line.
    let mut logical = Logical::default();
    let mut seg_start = start + kw_len;
    let mut li = i;
    let mut last_end;
    loop {
        let (_, e) = lines.lines[li];
        let seg = &src[seg_start..e];
        let t = seg.trim_end_matches([' ', '\t', '\r']);
        last_end = seg_start + t.len();
        if t.ends_with(escape) {
            let cut = seg_start + t.len() - escape.len_utf8();
            logical.push(src, seg_start, cut);
            // Skip blank and comment lines inside the continuation.
            li += 1;
            while li < lines.lines.len() {
                let tt = lines.text(li).trim_start();
                if tt.is_empty() || tt.starts_with('#') {
                    li += 1;
                } else {
                    break;
                }
            }
            if li >= lines.lines.len() {
                break;
            }
            seg_start = lines.lines[li].0;
        } else {
            logical.push(src, seg_start, last_end);
            break;
        }
    }
    let mut next = li + 1;
    let span = Span::new(start, last_end.max(start + kw_len));

    // Leading whitespace, then flags.
    let lead = logical.text.len() - logical.text.trim_start().len();
    let mut args = logical.slice_from(lead);
    let mut flags = Vec::new();
    if keyword.takes_flags() {
        loop {
            if !args.text.starts_with("--") {
                break;
            }
            let end = args
                .text
                .find(char::is_whitespace)
                .unwrap_or(args.text.len());
            let body = &args.text[2..end];
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            if name.is_empty() {
                break;
            }
            flags.push(Flag {
                name,
                value,
                span: args.span(0, end),
            });
            let rest = &args.text[end..];
            let skip = end + (rest.len() - rest.trim_start().len());
            args = args.slice_from(skip);
        }
    }

    let mut onbuild = None;
    if keyword == Keyword::Onbuild {
        let inner_start = args.to_src(0);
        if args.text.trim().is_empty() {
            return Err(err(start, "`ONBUILD` requires an instruction".to_string()));
        }
        // Re-parse the wrapped instruction from its source position; its
        // continuations are the same lines.
        let (inner, inner_next) =
            parse_instruction(lines, i_of(lines, inner_start), inner_start, escape, err)?;
        if matches!(
            inner.keyword,
            Keyword::Onbuild | Keyword::From | Keyword::Maintainer
        ) {
            return Err(err(
                inner_start,
                format!("`ONBUILD {}` is not allowed", inner.keyword.as_str()),
            ));
        }
        next = next.max(inner_next);
        onbuild = Some(Box::new(inner));
    }

    let mut heredocs = Vec::new();
    if keyword.allows_heredoc() {
        for w in words(&args.text) {
            let Some((delim, strip, quoted)) = heredoc_marker(&w.text) else {
                continue;
            };
            // Body: lines from `next` until the terminator.
            let body_start_line = next;
            let mut j = next;
            let mut found = false;
            while j < lines.lines.len() {
                let t = lines.text(j);
                let t = if strip { t.trim_start_matches('\t') } else { t };
                if t == delim {
                    found = true;
                    break;
                }
                j += 1;
            }
            if !found {
                return Err(err(
                    args.to_src(w.start),
                    format!("unterminated heredoc: no line `{delim}` closes it"),
                ));
            }
            let bs = lines.lines.get(body_start_line).map_or(src.len(), |l| l.0);
            let be = lines.lines[j].0;
            heredocs.push(Heredoc {
                delimiter: delim,
                strip_tabs: strip,
                quoted,
                body: src[bs..be].to_string(),
                body_span: Span::new(bs, be),
            });
            next = j + 1;
        }
    }

    if args.text.trim().is_empty() && keyword != Keyword::Onbuild {
        return Err(err(
            start,
            format!("`{}` requires arguments", keyword.as_str()),
        ));
    }
    Ok((
        Instruction {
            keyword,
            keyword_span: Span::new(start, start + kw_len),
            span,
            flags,
            args,
            heredocs,
            onbuild,
            line: i,
            stage: None,
        },
        next,
    ))
}

fn i_of(lines: &Lines<'_>, off: usize) -> usize {
    match lines.lines.binary_search_by(|&(s, _)| s.cmp(&off)) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (optionally fd-prefixed).
fn heredoc_marker(word: &str) -> Option<(String, bool, bool)> {
    let w = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let w = w.strip_prefix("<<")?;
    let (strip, w) = match w.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, w),
    };
    let (quoted, name) = if (w.starts_with('"') && w.ends_with('"') && w.len() >= 2)
        || (w.starts_with('\'') && w.ends_with('\'') && w.len() >= 2)
    {
        (true, &w[1..w.len() - 1])
    } else {
        (false, w)
    };
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| (name.to_string(), strip, quoted))
}

/// Parse a JSON array of strings (exec form); `None` if it is not one.
#[must_use]
pub fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let mut chars = s.chars().peekable();
    let mut out = Vec::new();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
    };
    if chars.next()? != '[' {
        return None;
    }
    skip_ws(&mut chars);
    if chars.peek() == Some(&']') {
        chars.next();
        skip_ws(&mut chars);
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        if chars.next()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)?;
                        s.push(c);
                    }
                    c @ ('"' | '\\' | '/') => s.push(c),
                    _ => return None,
                },
                c => s.push(c),
            }
        }
        out.push(s);
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => {}
            ']' => break,
            _ => return None,
        }
    }
    skip_ws(&mut chars);
    chars.next().is_none().then_some(out)
}

/// Parse `ARG a=1 b="2"` into names and defaults.
#[must_use]
pub fn arg_pairs(text: &str) -> Vec<(String, Option<String>)> {
    words(text)
        .into_iter()
        .map(|w| match w.text.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(unquote(v))),
            None => (w.text, None),
        })
        .collect()
}

/// Strip one level of matching quotes.
#[must_use]
pub fn unquote(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

fn build_stages(df: &mut Dockerfile, src: &str, err: &ErrFn<'_>) -> Result<(), ParseError> {
    let _ = src;
    let n = df.instructions.len();
    for idx in 0..n {
        let ins = &df.instructions[idx];
        match ins.keyword {
            Keyword::Arg if df.stages.is_empty() => {
                let pairs = arg_pairs(&ins.args.text);
                df.global_args.extend(pairs);
            }
            Keyword::From => {
                let ws = ins.words();
                if ws.len() != 1 && !(ws.len() == 3 && ws[1].text.eq_ignore_ascii_case("as")) {
                    return Err(err(
                        ins.keyword_span.start,
                        "`FROM` takes an image and an optional `AS name`".to_string(),
                    ));
                }
                let image_raw = ws[0].text.clone();
                let image_span = ins.args.span(ws[0].start, ws[0].end);
                let globals = &df.global_args;
                let (image, resolved) = expand(&image_raw, &|name| {
                    globals
                        .iter()
                        .rev()
                        .find(|(k, _)| k == name)
                        .and_then(|(_, v)| v.clone())
                });
                let name = ws.get(2).map(|w| w.text.to_ascii_lowercase());
                let index = df.stages.len();
                let lower = image.to_ascii_lowercase();
                let base = if !resolved || image.is_empty() {
                    Base::Unresolved
                } else if lower == "scratch" {
                    Base::Scratch
                } else if let Some(s) = df
                    .stages
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(lower.as_str()))
                {
                    Base::Stage(s.index)
                } else {
                    match ImageRef::parse(&image) {
                        Some(r) => Base::Image(r),
                        None => Base::Unresolved,
                    }
                };
                if let Some(prev) = df.stages.last_mut() {
                    prev.body.end = idx;
                }
                df.stages.push(Stage {
                    index,
                    from: idx,
                    name,
                    image_raw,
                    image,
                    image_span,
                    base,
                    body: idx + 1..n,
                });
            }
            _ => {}
        }
        let stage = df.stages.len().checked_sub(1);
        df.instructions[idx].stage = stage;
        if let Some(inner) = df.instructions[idx].onbuild.as_mut() {
            inner.stage = stage;
        }
    }
    if df.stages.is_empty() {
        let off = df.instructions.first().map_or(0, |i| i.keyword_span.start);
        return Err(err(off, "no `FROM` instruction".to_string()));
    }
    if let Some(first) = df.instructions.iter().find(|i| i.stage.is_none()) {
        if first.keyword != Keyword::Arg {
            return Err(err(
                first.keyword_span.start,
                format!(
                    "`{}` before the first `FROM` (only `ARG` may come first)",
                    first.keyword.as_str()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Dockerfile {
        parse("Dockerfile", s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn final_layers_follow_the_stage_chain() {
        let df = p("ARG V=3.11\nFROM python:${V}-slim AS base\nRUN pip install x\nFROM golang AS build\nRUN go build\nFROM base\nWORKDIR /app\nCOPY --from=build /out /app\nCOPY app.py .\nCMD [\"python\"]\n");
        let (root, n) = df.final_layers().unwrap();
        assert_eq!(root.image, "python:3.11-slim");
        assert_eq!(
            n, 3,
            "RUN in base + two COPY in the final stage; the build stage's RUN is not in the image"
        );
        let df = p("FROM scratch\nCOPY app /\n");
        let (root, n) = df.final_layers().unwrap();
        assert_eq!((root.image.as_str(), n), ("scratch", 1));
    }

    #[test]
    fn continuations_and_comments_inside_them() {
        let src = "FROM alpine\nRUN apk add \\\n# a comment\n\n    curl \\\n  jq\n";
        let df = p(src);
        let run = &df.instructions[1];
        assert_eq!(run.args.text, "apk add     curl   jq");
        let w = run.words();
        let jq = w.iter().find(|w| w.text == "jq").unwrap();
        let sp = run.args.span(jq.start, jq.end);
        assert_eq!(&src[sp.start..sp.end], "jq");
        assert_eq!(
            &src[run.span.start..run.span.end],
            "RUN apk add \\\n# a comment\n\n    curl \\\n  jq"
        );
    }

    #[test]
    fn escape_directive_backtick() {
        let src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  C:\\Windows\\\n";
        let df = p(src);
        assert_eq!(df.escape, '`');
        assert_eq!(df.directives[0].name, "escape");
        assert_eq!(df.instructions[1].args.text, "dir   C:\\Windows\\");
    }

    #[test]
    fn heredocs_several_and_dash() {
        let src = "# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<A cat <<-'B'\necho a\nA\n\techo b\n\tB\nCOPY <<EOF /x\nhi\nEOF\nUSER 1\n";
        let df = p(src);
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].body, "echo a\n");
        assert_eq!(run.heredocs[1].body, "\techo b\n");
        assert!(run.heredocs[1].quoted && run.heredocs[1].strip_tabs);
        assert_eq!(df.instructions[2].heredocs[0].body, "hi\n");
        assert_eq!(df.instructions[3].keyword, Keyword::User);
    }

    #[test]
    fn stages_args_and_flags() {
        let src = "ARG V=3.12\nARG BASE\nFROM --platform=$BUILDPLATFORM python:${V:-3} AS Build\nRUN --mount=type=cache,target=/root/.cache pip install x\nFROM ${BASE:-debian}:12\nCOPY --from=0 /a /b\nFROM build\n";
        let df = p(src);
        assert_eq!(df.stages.len(), 3);
        assert_eq!(df.stages[0].image, "python:3.12");
        assert_eq!(df.stages[0].name.as_deref(), Some("build"));
        assert_eq!(df.stages[1].image, "debian:12");
        assert_eq!(df.stages[2].base, Base::Stage(0));
        assert_eq!(df.instructions[3].flags[0].name, "mount");
        assert_eq!(df.instructions[3].args.text, "pip install x");
        assert_eq!(
            df.instructions[5].flag("from").unwrap().value.as_deref(),
            Some("0")
        );
        assert_eq!(df.stage_by_ref("0", 2).unwrap().index, 0);
    }

    #[test]
    fn exec_form_and_onbuild() {
        let df = p("FROM a\nCMD [\"a\", \"b c\"]\nENTRYPOINT run it\nONBUILD RUN make\n");
        assert_eq!(
            df.instructions[1].form(),
            Form::Exec(vec!["a".into(), "b c".into()])
        );
        assert_eq!(df.instructions[2].form(), Form::Shell);
        let ob = df.instructions[3].onbuild.as_ref().unwrap();
        assert_eq!(ob.keyword, Keyword::Run);
        assert_eq!(ob.args.text, "make");
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("f", "FROM a\n  FOO bar\n").unwrap_err();
        assert_eq!(e.to_string(), "f:2:3: unknown instruction `FOO`");
        let e = parse("f", "FROM a\nRUN <<EOF\nx\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 5));
        assert!(e.message.contains("unterminated heredoc"));
        let e = parse("f", "RUN x\n").unwrap_err();
        assert!(e.message.contains("no `FROM`"), "{e}");
        let e = parse("f", "FROM\n").unwrap_err();
        assert_eq!(e.message, "`FROM` requires arguments");
        let e = parse("f", "# escape=x\nFROM a\n").unwrap_err();
        assert!(e.message.starts_with("invalid escape directive"));
    }

    #[test]
    fn crlf_lines() {
        let df = p("FROM a\r\nRUN x \\\r\n y\r\n");
        assert_eq!(df.instructions[1].args.text, "x  y");
    }
}
