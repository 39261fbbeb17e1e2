//! What a rule sees: the parsed file, pre-read `RUN` scripts, stage facts,
//! and a sink for diagnostics.

use crate::image::ImageRef;
use crate::parser::{Dockerfile, Form, Instruction, Keyword, Stage};
use crate::shell::{self, Command, Script, ShWord};
use pare_findings::{Diagnostic, LineIndex, RuleMeta, Span};

/// Where a script's offsets point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Logical text of the instruction's arguments (shell form).
    Args,
    /// A heredoc body starting at this source offset.
    Heredoc(usize),
    /// Exec form: words have no precise position.
    Exec,
}

/// One shell script of a `RUN` (its shell-form text or a heredoc body).
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub script: Script,
    pub origin: Origin,
}

/// Rule context.
pub(crate) struct Checker<'a> {
    pub df: &'a Dockerfile,
    pub src: &'a str,
    pub path: &'a str,
    pub index: &'a LineIndex,
    pub diags: Vec<Diagnostic>,
    /// Scripts per instruction index (empty for non-`RUN`).
    pub scripts: Vec<Vec<Part>>,
}

impl<'a> Checker<'a> {
    pub fn new(df: &'a Dockerfile, src: &'a str, path: &'a str, index: &'a LineIndex) -> Self {
        let scripts = df.instructions.iter().map(scripts_of).collect();
        Self {
            df,
            src,
            path,
            index,
            diags: Vec::new(),
            scripts,
        }
    }

    /// Report a diagnostic and return it for adding help or a fix.
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut message = message.into();
        if self.df.instructions.iter().any(|i| {
            i.keyword == Keyword::Onbuild
                && i.span.start <= span.start
                && span.start < i.span.end.max(i.span.start + 1)
        }) {
            message.push_str(" (in `ONBUILD`: fires in images built from this one)");
        }
        self.diags.push(Diagnostic::new(
            rule, self.path, self.src, self.index, span, message,
        ));
        self.diags.last_mut().expect("just pushed")
    }

    /// The final stage.
    pub fn final_stage(&self) -> Option<&'a Stage> {
        self.df.final_stage()
    }

    /// The final stage and the stages it builds on (`FROM build`), final
    /// first: all their layers end up in the final image.
    pub fn final_chain(&self) -> Vec<&'a Stage> {
        let mut out = Vec::new();
        let Some(mut s) = self.final_stage() else {
            return out;
        };
        out.push(s);
        while let crate::parser::Base::Stage(p) = s.base {
            if p >= s.index {
                break;
            }
            s = &self.df.stages[p];
            out.push(s);
        }
        out
    }

    /// `(instruction index, instruction)` of a stage's body.
    pub fn stage_body(&self, stage: &Stage) -> impl Iterator<Item = (usize, &'a Instruction)> {
        let df = self.df;
        stage.body.clone().map(move |i| (i, &df.instructions[i]))
    }

    /// Every simple command of a stage's `RUN`s with where it came from.
    pub fn stage_commands(&self, stage: &Stage) -> Vec<(usize, Origin, &Command)> {
        let mut out = Vec::new();
        for i in stage.body.clone() {
            for part in &self.scripts[i] {
                for c in &part.script.commands {
                    out.push((i, part.origin, c));
                }
            }
        }
        out
    }

    /// The instruction whose arguments and flags a `RUN` reads: the
    /// instruction itself, or the one `ONBUILD` wraps.
    pub fn run_of(&self, ins: usize) -> &'a Instruction {
        let i = &self.df.instructions[ins];
        i.onbuild.as_deref().unwrap_or(i)
    }

    /// The value an environment variable has for instruction `ins`: the
    /// last `ENV` (or `ARG` with a default) setting it before `ins` in its
    /// stage or the stages it builds on.
    pub fn env_before(&self, ins: usize, name: &str) -> Option<String> {
        let stage = self.df.instructions[ins].stage?;
        let mut chain = vec![&self.df.stages[stage]];
        let mut s = chain[0];
        while let crate::parser::Base::Stage(p) = s.base {
            if p >= s.index {
                break;
            }
            s = &self.df.stages[p];
            chain.push(s);
        }
        let mut val = None;
        for st in chain.iter().rev() {
            for (i, x) in self.stage_body(st) {
                if i >= ins {
                    break;
                }
                match x.keyword {
                    Keyword::Env => {
                        for (k, v) in crate::rules::env_pairs(&x.args.text) {
                            if k == name {
                                val = Some(v);
                            }
                        }
                    }
                    Keyword::Arg => {
                        for (k, v) in crate::parser::arg_pairs(&x.args.text) {
                            if k == name {
                                if let Some(v) = v {
                                    val = Some(v);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        val
    }

    /// Source span of a shell word.
    pub fn word_span(&self, ins: usize, origin: Origin, w: &ShWord) -> Span {
        let ins = self.run_of(ins);
        match origin {
            Origin::Args => ins.args.span(w.start, w.end),
            Origin::Heredoc(base) => Span::new(base + w.start, base + w.end),
            Origin::Exec => ins.args_span(),
        }
    }

    /// Source span of a whole command.
    pub fn command_span(&self, ins: usize, origin: Origin, c: &Command) -> Span {
        match (c.words.first(), c.words.last()) {
            (Some(a), Some(b)) => {
                let s = self.word_span(ins, origin, a);
                let e = self.word_span(ins, origin, b);
                Span::new(s.start, e.end.max(s.start))
            }
            _ => self.df.instructions[ins].span,
        }
    }

    /// The external image the stage builds on, following stage references.
    pub fn root_image(&self, stage: &'a Stage) -> Option<&'a ImageRef> {
        self.df.root_image(stage)
    }

    /// Whether the stage (or its ancestors) runs Windows.
    pub fn is_windows(&self, stage: &'a Stage) -> bool {
        if self.df.escape == '`' {
            return true;
        }
        self.root_image(stage).is_some_and(|r| {
            let n = format!("{}:{}", r.familiar_name(), r.tag_or_latest()).to_ascii_lowercase();
            n.contains("windows") || n.contains("nanoserver") || n.contains("servercore")
        })
    }

    /// Whether a non-POSIX `SHELL` is set in this stage before instruction `before`.
    pub fn custom_shell(&self, stage: &'a Stage, before: usize) -> Option<Vec<String>> {
        let mut shell = None;
        let mut chain = vec![stage];
        let mut s = stage;
        while let crate::parser::Base::Stage(p) = s.base {
            if p >= s.index {
                break;
            }
            s = &self.df.stages[p];
            chain.push(s);
        }
        for st in chain.iter().rev() {
            for (i, ins) in self.stage_body(st) {
                if st.index == stage.index && i >= before {
                    break;
                }
                if ins.keyword == Keyword::Shell {
                    if let Form::Exec(v) = ins.form() {
                        shell = Some(v);
                    }
                }
            }
        }
        shell
    }

    /// Line start offset of a source offset.
    pub fn line_start(&self, off: usize) -> usize {
        self.src[..off].rfind('\n').map_or(0, |i| i + 1)
    }
}

fn scripts_of(ins: &Instruction) -> Vec<Part> {
    // `ONBUILD RUN …` is read like the `RUN` it wraps.
    let ins = ins.onbuild.as_deref().unwrap_or(ins);
    if ins.keyword != Keyword::Run {
        return Vec::new();
    }
    let mut out = Vec::new();
    match ins.form() {
        Form::Exec(words) => {
            // `["sh", "-c", "script"]` is a script; otherwise one command.
            if words.len() >= 3
                && matches!(words[0].rsplit('/').next(), Some("sh" | "bash" | "ash"))
                && words[1] == "-c"
            {
                let mut s = shell::parse(&words[2]);
                for c in &mut s.commands {
                    for w in &mut c.words {
                        w.start = 0;
                        w.end = 0;
                    }
                }
                out.push(Part {
                    script: s,
                    origin: Origin::Exec,
                });
            } else {
                let cmd = Command {
                    words: words
                        .into_iter()
                        .map(|t| ShWord {
                            text: t,
                            start: 0,
                            end: 0,
                        })
                        .collect(),
                    piped: false,
                };
                out.push(Part {
                    script: Script {
                        commands: vec![cmd],
                        pipes: 0,
                    },
                    origin: Origin::Exec,
                });
            }
        }
        Form::Shell => {
            let script = shell::parse(&ins.args.text);
            // With heredocs, the args are `<<EOF` or `sh <<EOF` and the
            // bodies are scripts when the program is a POSIX shell or absent.
            let shell_body = script
                .commands
                .first()
                .and_then(Command::program)
                .is_none_or(|p| matches!(p, "sh" | "bash" | "ash" | "dash"));
            if ins.heredocs.is_empty() || !script.commands.is_empty() {
                out.push(Part {
                    script,
                    origin: Origin::Args,
                });
            }
            if shell_body {
                for h in &ins.heredocs {
                    let body = &h.body;
                    if body.starts_with("#!")
                        && !body.lines().next().is_some_and(|l| l.contains("sh"))
                    {
                        continue;
                    }
                    out.push(Part {
                        script: shell::parse(body),
                        origin: Origin::Heredoc(h.body_span.start),
                    });
                }
            }
        }
    }
    out
}
