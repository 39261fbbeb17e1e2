//! DF015 `shell-form-entrypoint`: `CMD`/`ENTRYPOINT` in shell form.

use crate::checker::Checker;
use crate::parser::{Form, Keyword};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF015
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF015",
    name: "shell-form-entrypoint",
    summary: "`CMD`/`ENTRYPOINT` in shell form",
    severity: Severity::Low,
    peers: &["hadolint:DL3025"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `CMD` and `ENTRYPOINT` written in shell form (`CMD node server.js`)
rather than exec form (`CMD ["node", "server.js"]`).

## Why is this bad?
Shell form runs `/bin/sh -c "…"`: the shell is PID 1 and does not forward
`SIGTERM`, so the application is killed after the grace period instead of
shutting down cleanly; and the image needs a shell at all, which distroless
images do not have.

## Example
```dockerfile
CMD node server.js
```

Use instead:
```dockerfile
CMD ["node", "server.js"]
```

## Fix safety
Safe when offered: only for commands of plain words (no `$`, pipes,
redirections, globs, `&&`, `;`), in a stage without a custom `SHELL`, whose
first word is a program (not a shell builtin such as `exec`, `cd` or `.`,
nor an assignment `FOO=1 app`: exec form would look for a program of that
name). Unsafe for an `ENTRYPOINT` of a stage that also sets `CMD`: in exec
form the `CMD` becomes its arguments, in shell form it is ignored.

## References
- https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
- hadolint DL3025
"#,
};

/// Split plain words, allowing simple quotes; `None` when shell features are used.
fn plain_words(s: &str) -> Option<Vec<String>> {
    if s.contains([
        '$', '|', '&', ';', '<', '>', '*', '?', '`', '(', ')', '\\', '~', '#', '{', '}', '[', '\n',
    ]) {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in s.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if any {
        out.push(cur);
    }
    (!out.is_empty()).then_some(out)
}

/// A first word only a shell can run: a builtin (`exec`, `cd`, `.`) or a
/// variable assignment (`FOO=1 app`).
fn runs_in_shell(first: &str) -> bool {
    matches!(
        first,
        "exec"
            | "cd"
            | "."
            | "source"
            | "export"
            | "set"
            | "unset"
            | "ulimit"
            | "umask"
            | "trap"
            | "eval"
            | "wait"
            | "read"
            | "alias"
            | "shift"
            | "readonly"
            | "local"
            | "declare"
            | "typeset"
            | "builtin"
            | "command"
            | "type"
            | "hash"
            | "times"
            | "return"
            | "break"
            | "continue"
            | ":"
            | "exit"
            | "let"
            | "shopt"
            | "pushd"
            | "popd"
            | "dirs"
            | "jobs"
            | "fg"
            | "bg"
            | "disown"
            | "suspend"
            | "logout"
            | "getopts"
            | "mapfile"
            | "readarray"
            | "enable"
            | "caller"
            | "compgen"
            | "complete"
            | "history"
    ) || first.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn json(words: &[String]) -> String {
    let items: Vec<String> = words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("[{}]", items.join(", "))
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        let windows = ch.is_windows(st);
        for (i, ins) in ch.stage_body(st) {
            if !matches!(ins.keyword, Keyword::Cmd | Keyword::Entrypoint)
                || ins.form() != Form::Shell
            {
                continue;
            }
            let fix = if windows || ch.custom_shell(st, i).is_some() {
                None
            } else {
                plain_words(ins.args.text.trim())
                    .filter(|w| !runs_in_shell(&w[0]))
                    .map(|w| {
                        let edit = vec![Edit::replace(ins.args_span(), json(&w))];
                        // An exec-form `ENTRYPOINT` receives `CMD` as
                        // arguments; a shell-form one ignores it.
                        let has_cmd = ins.keyword == Keyword::Entrypoint
                            && ch.stage_body(st).any(|(_, x)| x.keyword == Keyword::Cmd);
                        if has_cmd {
                            Fix::unsafe_edit("Use exec form (`CMD` becomes its arguments)", edit)
                        } else {
                            Fix::safe("Use exec form", edit)
                        }
                    })
            };
            found.push((ins.span, ins.keyword.as_str(), fix));
        }
    }
    for (span, kw, fix) in found {
        let d = ch.report(
            rule,
            span,
            format!("`{kw}` in shell form: the shell is PID 1 and does not forward signals"),
        );
        d.fix = fix;
    }
}
