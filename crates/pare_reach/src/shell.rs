//! Crude shell parsing: the simple commands of a `sh -c` string or a shell
//! script, and `#!` lines.
//!
//! Not a shell: enough to see which programs a script or a `sh -c` line
//! runs. Quotes and backslashes are honoured, comments, here-documents and
//! redirections are skipped, and `;`, `&&`, `||`, `|`, `&`, parentheses
//! and new lines separate commands. Assignments before a command
//! (`FOO=1 app`), control keywords (`if`, `then`, `do`, …) and `exec`,
//! `command`, `nohup`, `builtin` prefixes are removed. A command substitution
//! (`$(…)`, backquotes) stays inside its word, so a command word starting
//! with `$` is reported as not statically known.

/// Most commands kept per text, and words per command (bounded output).
const MAX_COMMANDS: usize = 512;
const MAX_WORDS: usize = 32;

/// Shell builtins and keywords that run no program (`cd` is kept: it
/// changes where relative names are found).
const BUILTINS: &[&str] = &[
    ":", ".", "[", "[[", "]]", "alias", "break", "continue", "declare", "echo", "eval", "exit",
    "export", "false", "getopts", "hash", "kill", "let", "local", "printf", "pwd", "read",
    "readonly", "return", "set", "shift", "source", "test", "trap", "true", "type", "typeset",
    "ulimit", "umask", "unalias", "unset", "wait", "fi", "done", "esac", "}", "{", "in",
];

/// Keywords after which a command starts.
const PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "command",
    "builtin", "nohup", "{",
];

/// Whether `word` is a builtin or keyword that runs no program.
pub(crate) fn is_builtin(word: &str) -> bool {
    BUILTINS.contains(&word)
}

/// The simple commands of `text`, each as its words (quotes removed),
/// with assignments, keywords and `exec`-like prefixes stripped.
#[must_use]
pub fn commands(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut cmd: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut skip_next = false; // the word after a redirection operator
    let mut heredoc: Option<String> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;

    let end_word = |word: &mut Option<String>, cmd: &mut Vec<String>, skip: &mut bool| {
        if let Some(w) = word.take() {
            if *skip {
                *skip = false;
            } else if cmd.len() < MAX_WORDS {
                cmd.push(w);
            }
        }
    };
    let end_cmd = |cmd: &mut Vec<String>, out: &mut Vec<Vec<String>>| {
        let c = clean(std::mem::take(cmd));
        if !c.is_empty() && out.len() < MAX_COMMANDS {
            out.push(c);
        }
    };

    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' if word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ' ' | '\t' => end_word(&mut word, &mut cmd, &mut skip_next),
            '(' if chars.get(i + 1) == Some(&')') => {
                // `name() {`: a function definition, not a command.
                word = None;
                cmd.clear();
                i += 1;
            }
            '\n' | ';' | '&' | '|' | '(' | ')' => {
                end_word(&mut word, &mut cmd, &mut skip_next);
                end_cmd(&mut cmd, &mut out);
                if c == '\n' {
                    if let Some(delim) = heredoc.take() {
                        // Skip the here-document's lines.
                        i += 1;
                        let mut line = String::new();
                        while i < chars.len() {
                            if chars[i] == '\n' {
                                if line.trim() == delim {
                                    break;
                                }
                                line.clear();
                            } else {
                                line.push(chars[i]);
                            }
                            i += 1;
                        }
                    }
                }
            }
            '<' | '>' => {
                // A word of digits right before is a file descriptor.
                if word
                    .as_deref()
                    .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
                {
                    word = None;
                } else {
                    end_word(&mut word, &mut cmd, &mut skip_next);
                }
                let is_heredoc = c == '<' && chars.get(i + 1) == Some(&'<');
                while i + 1 < chars.len() && matches!(chars[i + 1], '<' | '>' | '&' | '-' | '|') {
                    i += 1;
                }
                if is_heredoc {
                    let mut j = i + 1;
                    while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                        j += 1;
                    }
                    let mut d = String::new();
                    while j < chars.len() && !chars[j].is_whitespace() && !";&|".contains(chars[j])
                    {
                        if chars[j] != '\'' && chars[j] != '"' && chars[j] != '\\' {
                            d.push(chars[j]);
                        }
                        j += 1;
                    }
                    if !d.is_empty() {
                        heredoc = Some(d);
                    }
                    i = j;
                    continue;
                }
                skip_next = true;
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    w.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() && "\"\\$`\n".contains(chars[i + 1])
                    {
                        i += 1;
                        if chars[i] != '\n' {
                            w.push(chars[i]);
                        }
                    } else {
                        w.push(chars[i]);
                    }
                    i += 1;
                }
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        word.get_or_insert_with(String::new).push(n);
                    }
                    i += 1;
                }
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                let w = word.get_or_insert_with(String::new);
                let mut depth = 0usize;
                while i < chars.len() {
                    w.push(chars[i]);
                    match chars[i] {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            '`' => {
                let w = word.get_or_insert_with(String::new);
                w.push('$');
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    w.push(chars[i]);
                    i += 1;
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
        i += 1;
    }
    end_word(&mut word, &mut cmd, &mut skip_next);
    end_cmd(&mut cmd, &mut out);
    out
}

/// Strip assignments, keywords and `exec`-like prefixes; drop `for`,
/// `case`, `select` headers, function headers and builtins.
fn clean(mut words: Vec<String>) -> Vec<String> {
    loop {
        let Some(first) = words.first() else {
            return words;
        };
        let is_assignment = first.split_once('=').is_some_and(|(n, _)| {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !n.starts_with(|c: char| c.is_ascii_digit())
        });
        if is_assignment || PREFIXES.contains(&first.as_str()) {
            words.remove(0);
            continue;
        }
        if matches!(first.as_str(), "for" | "case" | "select" | "function") || first.ends_with("()")
        {
            return Vec::new();
        }
        if is_builtin(first) {
            return Vec::new();
        }
        return words;
    }
}

/// A `#!` line: the interpreter and its one optional argument (Linux
/// passes the rest of the line as a single argument).
#[must_use]
pub fn shebang(head: &[u8]) -> Option<(String, Option<String>)> {
    let rest = head.strip_prefix(b"#!")?;
    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let line = String::from_utf8_lossy(&rest[..end.min(255)]);
    let line = line.trim();
    let (interp, arg) = match line.split_once([' ', '\t']) {
        Some((i, a)) => (i, Some(a.trim().to_string()).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    (!interp.is_empty()).then(|| (interp.to_string(), arg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(s: &str) -> Vec<Vec<&str>> {
        // Leak for terse asserts in tests only.
        commands(s)
            .into_iter()
            .map(|c| {
                c.into_iter()
                    .map(|w| &*Box::leak(w.into_boxed_str()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn sh_c_forms() {
        assert_eq!(cmds("exec gunicorn app:app"), [["gunicorn", "app:app"]]);
        assert_eq!(
            cmds("cd /app && FOO=1 exec \"/usr/bin/my app\" --x 'a b'"),
            [vec!["cd", "/app"], vec!["/usr/bin/my app", "--x", "a b"]]
        );
        assert_eq!(
            cmds("migrate; server 2>&1 >/tmp/log | tee x"),
            [vec!["migrate"], vec!["server"], vec!["tee", "x"]]
        );
        assert_eq!(cmds("if true; then app; fi"), [["app"]]);
        assert_eq!(cmds("$(which app) --x"), [["$(which app)", "--x"]]);
        assert_eq!(cmds("`which app`"), [["$which app"]]);
    }

    #[test]
    fn scripts_skip_comments_heredocs_and_functions() {
        let s = "#!/bin/sh\n# a comment: rm -rf /\nset -e\nusage() {\n  echo hi\n}\ncat <<EOF\nnot a command\nEOF\nexec \"$@\"\n";
        assert_eq!(cmds(s), [vec!["cat"], vec!["$@"]]);
        assert_eq!(cmds("for x in a b; do run \"$x\"; done"), [["run", "$x"]]);
        assert_eq!(cmds("a \\\n b"), [["a", "b"]]);
    }

    #[test]
    fn shebang_lines() {
        assert_eq!(
            shebang(b"#!/usr/bin/env python3\nimport x"),
            Some(("/usr/bin/env".to_string(), Some("python3".to_string())))
        );
        assert_eq!(shebang(b"#! /bin/sh"), Some(("/bin/sh".to_string(), None)));
        assert_eq!(shebang(b"#!"), None);
        assert_eq!(shebang(b"no"), None);
    }
}
