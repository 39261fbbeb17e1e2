//! A small POSIX-shell reader for `RUN` bodies: enough to find simple
//! commands (`apt-get install …`), their words with positions, pipes and
//! `set -o pipefail`. It never fails: odd input yields fewer commands.

/// A word of a simple command, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShWord {
    /// Text with quotes removed.
    pub text: String,
    /// Byte offset in the script.
    pub start: usize,
    /// Byte end in the script.
    pub end: usize,
}

/// A simple command.
#[derive(Debug, Clone, Default)]
pub struct Command {
    /// Words, redirections removed.
    pub words: Vec<ShWord>,
    /// Whether the command's output is piped into another (`a | b`: `a`).
    pub piped: bool,
}

impl Command {
    /// Words after leading `VAR=value` assignments and wrappers (`sudo`,
    /// `env`, `exec`, `time`, `nohup`, `command`).
    #[must_use]
    pub fn effective(&self) -> &[ShWord] {
        let mut w = &self.words[..];
        loop {
            let Some(first) = w.first() else { return w };
            if is_assignment(&first.text) {
                w = &w[1..];
                continue;
            }
            match first.text.as_str() {
                "sudo" | "env" | "exec" | "time" | "nohup" | "command" | "nice" => {
                    w = &w[1..];
                    while w
                        .first()
                        .is_some_and(|x| x.text.starts_with('-') || is_assignment(&x.text))
                    {
                        // `sudo -u user cmd`: `-u` takes a value.
                        let takes = matches!(x_text(w), "-u" | "-g" | "-n");
                        w = &w[1..];
                        if takes && !w.is_empty() {
                            w = &w[1..];
                        }
                    }
                }
                _ => return w,
            }
        }
    }

    /// Program name (basename) after wrappers.
    #[must_use]
    pub fn program(&self) -> Option<&str> {
        self.effective()
            .first()
            .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text))
    }

    /// The first non-option argument after the program (`install` in
    /// `apt-get -y install x`), with its index in [`Command::effective`].
    #[must_use]
    pub fn subcommand(&self, value_opts: &[&str]) -> Option<(usize, &ShWord)> {
        let eff = self.effective();
        let mut i = 1;
        while i < eff.len() {
            let t = eff[i].text.as_str();
            if t.starts_with('-') {
                if value_opts.contains(&t) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            return Some((i, &eff[i]));
        }
        None
    }

    /// Whether any word equals or starts with one of `opts` (`--foo`
    /// also matches `--foo=x`).
    #[must_use]
    pub fn has_option(&self, opts: &[&str]) -> bool {
        self.effective().iter().any(|w| {
            opts.iter().any(|o| {
                w.text == *o || (w.text.starts_with(o) && w.text[o.len()..].starts_with('='))
            })
        })
    }
}

fn x_text(w: &[ShWord]) -> &str {
    w.first().map_or("", |x| x.text.as_str())
}

fn is_assignment(t: &str) -> bool {
    t.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// A parsed script.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Simple commands in order.
    pub commands: Vec<Command>,
    /// Number of `|` pipes.
    pub pipes: usize,
}

impl Script {
    /// Whether the script turns on `pipefail` (`set -o pipefail`, `set -eo pipefail`, `set -euxo pipefail`).
    #[must_use]
    pub fn sets_pipefail(&self) -> bool {
        self.commands.iter().any(|c| {
            let w = c.effective();
            w.first().is_some_and(|p| p.text == "set")
                && w.windows(2).any(|p| {
                    p[0].text.starts_with('-')
                        && p[0].text.ends_with('o')
                        && p[1].text == "pipefail"
                })
        })
    }
}

/// Read a script.
// The word/command macros also run once after the loop, where the state
// they update is no longer read.
#[allow(unused_assignments)]
#[must_use]
pub fn parse(src: &str) -> Script {
    let b = src.as_bytes();
    let mut script = Script::default();
    let mut cur = Command::default();
    let mut word = String::new();
    let mut wstart: Option<usize> = None;
    let mut skip_next_word = false;
    // `case WORD in pat|pat) …;; esac`: `|` and `)` in patterns are not
    // pipes or subshells.
    let mut case_depth = 0usize;
    let mut in_pattern = false;
    let mut i = 0;

    macro_rules! end_word {
        ($end:expr) => {
            if let Some(s) = wstart.take() {
                if std::mem::take(&mut skip_next_word) {
                    word.clear();
                } else if in_pattern && word == "esac" {
                    case_depth = case_depth.saturating_sub(1);
                    in_pattern = false;
                    word.clear();
                } else if cur.words.is_empty()
                    && matches!(
                        word.as_str(),
                        "if" | "then"
                            | "else"
                            | "elif"
                            | "fi"
                            | "do"
                            | "done"
                            | "while"
                            | "until"
                            | "!"
                            | "{"
                            | "}"
                    )
                {
                    // A reserved word opening a command: the command is
                    // what follows (`then apt-get install x`).
                    word.clear();
                } else if word == "in" && cur.words.len() == 2 && cur.words[0].text == "case" {
                    case_depth += 1;
                    in_pattern = true;
                    word.clear();
                    cur.words.clear();
                } else {
                    cur.words.push(ShWord {
                        text: std::mem::take(&mut word),
                        start: s,
                        end: $end,
                    });
                }
                word.clear();
            }
        };
    }
    macro_rules! end_cmd {
        ($piped:expr) => {
            if !cur.words.is_empty() {
                cur.piped = $piped;
                script.commands.push(std::mem::take(&mut cur));
            }
        };
    }

    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => {
                end_word!(i);
                i += 1;
            }
            b'\n' | b';' => {
                end_word!(i);
                end_cmd!(false);
                if c == b';' && case_depth > 0 && b.get(i + 1) == Some(&b';') {
                    in_pattern = true;
                    i += 1;
                }
                i += 1;
            }
            b'|' | b'(' if in_pattern => {
                end_word!(i);
                i += 1;
            }
            b')' if in_pattern => {
                end_word!(i);
                cur.words.clear();
                in_pattern = false;
                i += 1;
            }
            b'&' | b'|' => {
                end_word!(i);
                let double = i + 1 < b.len() && b[i + 1] == c;
                if c == b'|' && !double {
                    script.pipes += 1;
                    end_cmd!(true);
                } else {
                    end_cmd!(false);
                }
                i += if double || (c == b'|' && b.get(i + 1) == Some(&b'&')) {
                    2
                } else {
                    1
                };
            }
            b'(' | b')' | b'{' | b'}' if wstart.is_none() => {
                end_cmd!(false);
                i += 1;
            }
            b'#' if wstart.is_none() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' | b'>' => {
                // A redirection: drop an fd number before it and its target.
                if wstart.is_some() && word.chars().all(|c| c.is_ascii_digit()) {
                    wstart = None;
                    word.clear();
                } else {
                    end_word!(i);
                }
                while i < b.len() && matches!(b[i], b'<' | b'>' | b'&' | b'|') {
                    i += 1;
                }
                // `>&2`: the target is glued on; `> file`: next word.
                skip_next_word = true;
            }
            b'\'' => {
                wstart.get_or_insert(i);
                let end = src[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
                word.push_str(&src[i + 1..end]);
                i = (end + 1).min(b.len());
            }
            b'"' => {
                wstart.get_or_insert(i);
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    let ch = src[i..].chars().next().unwrap_or(' ');
                    word.push(ch);
                    i += ch.len_utf8();
                }
                i += 1;
            }
            b'\\' => {
                wstart.get_or_insert(i);
                if i + 1 < b.len() {
                    let ch = src[i + 1..].chars().next().unwrap_or(' ');
                    if ch != '\n' {
                        word.push(ch);
                    }
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'$' if b.get(i + 1) == Some(&b'(') || b.get(i + 1) == Some(&b'{') => {
                // Keep substitutions inside the word, balanced.
                wstart.get_or_insert(i);
                let (open, close) = if b[i + 1] == b'(' {
                    (b'(', b')')
                } else {
                    (b'{', b'}')
                };
                let mut depth = 0usize;
                let s = i;
                while i < b.len() {
                    if b[i] == open {
                        depth += 1;
                    } else if b[i] == close {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    i += 1;
                }
                word.push_str(&src[s..i.min(b.len())]);
            }
            b'`' => {
                wstart.get_or_insert(i);
                let end = src[i + 1..].find('`').map_or(b.len(), |e| i + 1 + e);
                word.push_str(&src[i..(end + 1).min(b.len())]);
                i = (end + 1).min(b.len());
            }
            _ => {
                wstart.get_or_insert(i);
                let ch = src[i..].chars().next().unwrap_or(' ');
                word.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    end_word!(b.len());
    end_cmd!(false);
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progs(s: &Script) -> Vec<String> {
        s.commands
            .iter()
            .map(|c| {
                c.effective()
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn splits_commands_and_counts_pipes() {
        let s = parse("set -eux; apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y 'curl' \"jq\" >/dev/null 2>&1 || true; curl -fsSL x | sh # note | not a pipe");
        assert_eq!(
            progs(&s),
            vec![
                "set -eux",
                "apt-get update",
                "apt-get install -y curl jq",
                "true",
                "curl -fsSL x",
                "sh"
            ]
        );
        assert_eq!(s.pipes, 1);
        assert!(s.commands[4].piped);
        let (i, w) = s.commands[2].subcommand(&["-o"]).unwrap();
        assert_eq!((i, w.text.as_str()), (1, "install"));
    }

    #[test]
    fn pipefail_and_wrappers() {
        let s = parse("set -euxo pipefail && sudo -u me npm ci");
        assert!(s.sets_pipefail());
        assert_eq!(s.commands[1].program(), Some("npm"));
        let s = parse("echo $(a | b) \"x|y\"");
        assert_eq!(s.pipes, 0);
        assert_eq!(s.commands.len(), 1);
    }

    #[test]
    fn case_patterns_are_not_pipes() {
        let s = parse("case \"$arch\" in x86_64|aarch64) a=1 ;; (arm*|ppc) b | c ;; *) exit 1 ;; esac; echo done");
        assert_eq!(s.pipes, 1);
        assert_eq!(progs(&s), vec!["", "b", "c", "exit 1", "echo done"]);
    }

    #[test]
    fn reserved_words_do_not_hide_commands() {
        let s = parse("if [ -x a ]; then apt-get install -y x; else apk add y; fi; for f in *; do case \"$f\" in a | b) continue ;; esac; done");
        let p: Vec<_> = s.commands.iter().filter_map(Command::program).collect();
        assert!(p.contains(&"apt-get") && p.contains(&"apk"), "{p:?}");
        assert_eq!(s.pipes, 0, "`a | b)` is a case pattern");
    }

    #[test]
    fn word_positions() {
        let src = "apt-get   install  x";
        let s = parse(src);
        let w = &s.commands[0].words[1];
        assert_eq!(&src[w.start..w.end], "install");
    }
}
