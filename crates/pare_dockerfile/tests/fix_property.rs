//! Property test over the whole real-world corpus: for every fix pare
//! offers (safe and unsafe), applied alone,
//!
//! 1. the fixed Dockerfile parses;
//! 2. re-linting shows that finding gone (no diagnostic of the same code
//!    left at the same place);
//! 3. an independent check of the instruction's meaning holds: every other
//!    instruction is unchanged (keyword, flags, arguments), and the edited
//!    one differs only as that fix may change it — same sources and flags,
//!    a flag added only to the command it belongs to (`--no-cache-dir` only
//!    to pip's `install`), `ADD` turned into `COPY` only when no source is a
//!    URL, a git URL, a variable, a tar archive or a wildcard that may match
//!    one.
//!
//! The meaning checks below are written from Docker's and the tools'
//! documentation, not from the rules' code: they tokenise and classify on
//! their own, so a rule that misreads an instruction is caught.
//!
//! The corpus is `shared/corpus/dockerfiles` beside the repository (or
//! `$PARE_CORPUS`); a missing corpus fails the test.

use pare_dockerfile::parser::{Instruction, Keyword};
use pare_findings::{apply_edits, Applicability, Diagnostic, Fix, LintOptions, Linter};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("PARE_CORPUS").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")),
        Some(PathBuf::from("/work/shared/corpus")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.join("dockerfiles").is_dir() {
            return c.join("dockerfiles");
        }
    }
    panic!("Dockerfile corpus not found: set PARE_CORPUS to the `shared/corpus` folder");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read corpus dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

// ---- an independent reading of instructions ----

/// Shell-ish tokens of a `RUN`'s text: quotes kept, operators split off.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\n' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(";".into());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            ';' | '&' | '|' | '(' | ')' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                let mut op = c.to_string();
                if let Some(&n) = chars.peek() {
                    if (c == '&' || c == '|') && n == c {
                        op.push(n);
                        chars.next();
                    }
                }
                out.push(op);
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(w: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    let mut it = w.chars();
    while let Some(c) = it.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(n) = it.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

const SEPARATORS: &[&str] = &[
    ";", "&", "&&", "|", "||", "(", ")", "if", "while", "until", "then", "do", "else", "elif", "{",
    "}", "!",
];

/// The command (program and arguments, wrappers and assignments dropped)
/// that token `at` belongs to.
fn command_at(toks: &[String], at: usize) -> Vec<String> {
    let mut s = at;
    while s > 0 && !SEPARATORS.contains(&toks[s - 1].as_str()) {
        s -= 1;
    }
    let mut e = at;
    while e < toks.len() && !SEPARATORS.contains(&toks[e].as_str()) {
        e += 1;
    }
    let mut words: Vec<String> = toks[s..e].iter().map(|t| unquote(t)).collect();
    loop {
        match words.first().map(String::as_str) {
            Some(w) if w.contains('=') && !w.starts_with('-') && !w.starts_with('=') => {
                words.remove(0);
            }
            Some("sudo" | "env" | "exec" | "time" | "nohup" | "command" | "nice") => {
                words.remove(0);
                while words.first().is_some_and(|w| w.starts_with('-')) {
                    words.remove(0);
                }
            }
            _ => break,
        }
    }
    words
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Digits and dots only, starting with a digit (`3`, `3.12`).
fn version_suffix(s: &str) -> bool {
    s.is_empty()
        || (s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Whether a command is pip's own `install` (`pip`, `pip3.12`, `python3 -m pip`).
fn is_pip_command(cmd: &[String]) -> bool {
    let Some(p) = cmd.first().map(|p| basename(p)) else {
        return false;
    };
    let pip = p.strip_prefix("pip").is_some_and(version_suffix);
    let python_m = p.strip_prefix("python").is_some_and(version_suffix)
        && cmd.get(1).map(String::as_str) == Some("-m")
        && cmd.get(2).map(String::as_str) == Some("pip");
    (pip || python_m) && cmd.iter().any(|w| w == "install")
}

/// What `ADD` does with a source, per Docker's reference: URLs are
/// fetched, git URLs cloned, local tar archives (plain, gzip, bzip2, xz,
/// zstd) unpacked, everything else copied as `COPY` does.
fn add_copies_as_is(src: &str) -> bool {
    let l = src.to_ascii_lowercase();
    if l.contains("://") || l.starts_with("git@") || l.contains('$') {
        return false;
    }
    let name = l.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let tarlike = [
        "tar", "tgz", "taz", "gz", "tbz", "tbz2", "tb2", "bz2", "txz", "xz", "tzst", "zst",
    ];
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    if ext.is_some_and(|e| tarlike.contains(&e)) {
        return false;
    }
    if name.contains(['*', '?', '[']) {
        // Only a wildcard with a fixed extension that is not a tar's.
        return ext.is_some_and(|e| !e.is_empty() && !e.contains(['*', '?', '[']));
    }
    true
}

/// Arguments of an instruction as unquoted words (JSON arrays decoded).
fn arg_words(ins: &Instruction) -> Vec<String> {
    let t = ins.args.text.trim();
    if let Some(v) = pare_dockerfile::parser::parse_json_array(t) {
        return v;
    }
    tokens(t).iter().map(|w| unquote(w)).collect()
}

fn flags(ins: &Instruction) -> Vec<(String, Option<String>)> {
    let mut f: Vec<_> = ins
        .flags
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    f.sort();
    f
}

/// The instruction as the builder sees it; `ONBUILD X` is read as `X`.
fn view(ins: &Instruction) -> (&Instruction, bool) {
    match &ins.onbuild {
        Some(inner) => (inner, true),
        None => (ins, false),
    }
}

fn same(a: &Instruction, b: &Instruction) -> bool {
    a.keyword == b.keyword
        && flags(a) == flags(b)
        && tokens(&a.args.text) == tokens(&b.args.text)
        && a.heredocs
            .iter()
            .map(|h| &h.body)
            .eq(b.heredocs.iter().map(|h| &h.body))
        && a.onbuild.is_some() == b.onbuild.is_some()
        && a.onbuild
            .as_deref()
            .zip(b.onbuild.as_deref())
            .is_none_or(|(x, y)| same(x, y))
}

/// A `RUN`'s whole script: its arguments and heredoc bodies.
fn script(ins: &Instruction) -> String {
    let mut s = ins.args.text.clone();
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.body);
    }
    s
}

/// `after` is `before` with `flag` inserted once, right after a word in
/// `subs`, into a command that `owner` accepts.
fn flag_inserted(
    before: &Instruction,
    after: &Instruction,
    flag: &str,
    subs: &[&str],
    owner: &dyn Fn(&[String]) -> bool,
) -> Result<(), String> {
    let (tb, ta) = (tokens(&script(before)), tokens(&script(after)));
    if ta.len() != tb.len() + 1 {
        return Err(format!("expected one word more: {tb:?} -> {ta:?}"));
    }
    let at = (0..ta.len())
        .find(|&i| i >= tb.len() || ta[i] != tb[i])
        .unwrap_or(tb.len());
    if ta[at] != flag || ta[at + 1..] != tb[at..] {
        return Err(format!("`{flag}` is not the only change: {ta:?}"));
    }
    if at == 0 || !subs.contains(&unquote(&ta[at - 1]).as_str()) {
        return Err(format!("`{flag}` not right after {subs:?}: {ta:?}"));
    }
    let cmd = command_at(&ta, at);
    if !owner(&cmd) {
        return Err(format!(
            "`{flag}` added to a command it does not belong to: {cmd:?}"
        ));
    }
    if flags(before) != flags(after) || before.keyword != after.keyword {
        return Err("keyword or instruction flags changed".into());
    }
    Ok(())
}

/// The independent meaning check of one fix of rule `code`: `before` and
/// `after` are the changed instruction; `stage_has_cmd` for DF015.
fn meaning_holds(
    code: &str,
    fix: &Fix,
    before: &Instruction,
    after: &Instruction,
    stage_has_cmd: bool,
) -> Result<(), String> {
    let prog_is = |names: &'static [&'static str]| {
        move |c: &[String]| c.first().is_some_and(|p| names.contains(&basename(p)))
    };
    match code {
        "DF006" => flag_inserted(
            before,
            after,
            "--no-cache-dir",
            &["install"],
            &is_pip_command,
        ),
        "DF011" => flag_inserted(
            before,
            after,
            "--no-install-recommends",
            &["install"],
            &prog_is(&["apt-get", "apt"]),
        )
        .or_else(|e| {
            // aptitude's own spelling.
            flag_inserted(
                before,
                after,
                "--without-recommends",
                &["install"],
                &prog_is(&["aptitude"]),
            )
            .map_err(|_| e)
        }),
        "DF021" => flag_inserted(before, after, "--no-cache", &["add"], &prog_is(&["apk"])),
        "DF005" => flag_inserted(
            before,
            after,
            "--omit=dev",
            &["install", "ci", "i"],
            &prog_is(&["npm"]),
        ),
        "DF012" => {
            let (tb, ta) = (tokens(&before.args.text), tokens(&after.args.text));
            let mut want = tb.clone();
            want.extend(["&&", "rm", "-rf", "/var/lib/apt/lists/*"].map(String::from));
            if ta != want || flags(before) != flags(after) {
                return Err(format!(
                    "not just `&& rm -rf /var/lib/apt/lists/*` appended: {ta:?}"
                ));
            }
            Ok(())
        }
        "DF014" => {
            if before.keyword != Keyword::Add || after.keyword != Keyword::Copy {
                return Err("DF014 must turn `ADD` into `COPY`".into());
            }
            if flags(before) != flags(after) || arg_words(before) != arg_words(after) {
                return Err("sources, destination or flags changed".into());
            }
            let w = arg_words(before);
            for s in &w[..w.len().saturating_sub(1)] {
                if !add_copies_as_is(s) {
                    return Err(format!("`ADD` of `{s}` unpacks or fetches: not a `COPY`"));
                }
            }
            if before
                .flags
                .iter()
                .any(|f| matches!(f.name.as_str(), "checksum" | "keep-git-dir" | "unpack"))
            {
                return Err("`ADD`-only flag dropped".into());
            }
            Ok(())
        }
        "DF015" => {
            let shell = arg_words(before);
            let exec = pare_dockerfile::parser::parse_json_array(after.args.text.trim())
                .ok_or("not turned into exec form")?;
            if shell != exec {
                return Err(format!("words changed: {shell:?} -> {exec:?}"));
            }
            let first = exec.first().map_or("", String::as_str);
            let builtin = matches!(first, "exec" | "cd" | "." | "source" | "export" | "set")
                || (first.contains('=') && !first.starts_with('-'));
            if builtin {
                return Err(format!("`{first}` is not a program exec form can run"));
            }
            if before.keyword == Keyword::Entrypoint
                && stage_has_cmd
                && fix.applicability == Applicability::Safe
            {
                return Err("`ENTRYPOINT` with a `CMD` turned to exec form as a safe fix".into());
            }
            Ok(())
        }
        "DF004" => {
            // Unsafe base swap: only the `FROM` image changes.
            let (wb, wa) = (arg_words(before), arg_words(after));
            if before.keyword != Keyword::From
                || wb.len() != wa.len()
                || wb[1..] != wa[1..]
                || flags(before) != flags(after)
            {
                return Err(format!(
                    "more than the base image changed: {wb:?} -> {wa:?}"
                ));
            }
            Ok(())
        }
        "DF008" => {
            // Unsafe narrowing of `COPY --from`: same flags and destination.
            let (wb, wa) = (arg_words(before), arg_words(after));
            if before.keyword != Keyword::Copy
                || after.keyword != Keyword::Copy
                || flags(before) != flags(after)
                || wb.last() != wa.last()
            {
                return Err(format!("flags or destination changed: {wb:?} -> {wa:?}"));
            }
            Ok(())
        }
        "DF001" => {
            // `USER root` replaced by a non-root user.
            let u = arg_words(after).join(" ");
            let name = u.split(':').next().unwrap_or("");
            if after.keyword != Keyword::User || name == "root" || name == "0" {
                return Err(format!("`USER {u}` is not a non-root user"));
            }
            Ok(())
        }
        other => Err(format!(
            "{other} offers a fix that this test has no meaning check for: add one"
        )),
    }
}

/// Source offset in the fixed text of offset `o` of the original.
fn map_offset(fix: &Fix, o: usize) -> usize {
    let mut shift: isize = 0;
    for e in &fix.edits {
        if e.span.end <= o && !(e.span.is_empty() && e.span.start == o) {
            shift += e.content.len() as isize - (e.span.end - e.span.start) as isize;
        }
    }
    (o as isize + shift) as usize
}

fn check_fix(
    rel: &str,
    src: &str,
    d: &Diagnostic,
    fix: &Fix,
    opts: &LintOptions,
) -> Result<(), String> {
    let fixed = apply_edits(src, &[fix]).text;
    let before = pare_dockerfile::parse(rel, src).map_err(|e| e.to_string())?;
    let after = pare_dockerfile::parse(rel, &fixed)
        .map_err(|e| format!("fixed file does not parse: {e}"))?;
    // 2. The finding is gone.
    let relint = pare_dockerfile::DockerfileLinter
        .lint(rel, &fixed, opts)
        .map_err(|e| e.to_string())?;
    let at = map_offset(fix, d.span.start);
    if relint
        .diagnostics
        .iter()
        .any(|x| x.code == d.code && x.span.start == at && x.message == d.message)
    {
        return Err("the finding is still there after its fix".into());
    }
    // 3. Meaning: instructions align; all but the edited one are the same.
    let (ib, ia) = (&before.instructions, &after.instructions);
    if d.code == "DF001" && ia.len() == ib.len() + 1 {
        // `USER` inserted: find it, everything else unchanged.
        let k = (0..ia.len())
            .find(|&k| k >= ib.len() || !same(&ib[k], &ia[k]))
            .unwrap_or(ib.len());
        let u = &ia[k];
        let user = arg_words(u).join(" ");
        let name = user.split(':').next().unwrap_or("");
        if u.keyword != Keyword::User || name == "root" || name == "0" || user.contains('$') {
            return Err(format!(
                "inserted `{}` is not a non-root `USER`",
                u.keyword.as_str()
            ));
        }
        if !ib[k..].iter().zip(&ia[k + 1..]).all(|(a, b)| same(a, b)) {
            return Err("instructions after the inserted `USER` changed".into());
        }
        if ia[k + 1..].iter().any(|i| {
            matches!(
                i.keyword,
                Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::From
            )
        }) {
            return Err("`USER` inserted before build steps: they would run as non-root".into());
        }
        return Ok(());
    }
    if ia.len() != ib.len() {
        return Err(format!(
            "instruction count changed: {} -> {}",
            ib.len(),
            ia.len()
        ));
    }
    let changed: Vec<usize> = (0..ib.len()).filter(|&k| !same(&ib[k], &ia[k])).collect();
    let [k] = changed[..] else {
        return Err(format!(
            "{} instructions changed (expected one)",
            changed.len()
        ));
    };
    let stage_has_cmd = ib
        .iter()
        .any(|i| i.stage == ib[k].stage && i.keyword == Keyword::Cmd);
    let ((vb, ob), (va, oa)) = (view(&ib[k]), view(&ia[k]));
    if ob != oa {
        return Err("`ONBUILD` wrapper changed".into());
    }
    meaning_holds(d.code, fix, vb, va, stage_has_cmd)
}

#[test]
fn every_fix_parses_removes_its_finding_and_keeps_the_meaning() {
    let root = corpus_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    assert!(files.len() > 1500, "corpus has only {} files", files.len());
    let opts = LintOptions::default();
    let results: Vec<(usize, Vec<String>)> = files
        .par_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let Ok(src) = std::fs::read_to_string(p) else {
                return (0, Vec::new());
            };
            let Ok(out) = pare_dockerfile::DockerfileLinter.lint(&rel, &src, &opts) else {
                return (0, Vec::new());
            };
            let mut n = 0;
            let mut errs = Vec::new();
            for d in &out.diagnostics {
                let Some(fix) = &d.fix else { continue };
                n += 1;
                if let Err(e) = check_fix(&rel, &src, d, fix, &opts) {
                    errs.push(format!(
                        "{rel}:{}:{}: {} fix `{}`: {e}",
                        d.start.line, d.start.col, d.code, fix.title
                    ));
                }
            }
            (n, errs)
        })
        .collect();
    let fixes: usize = results.iter().map(|(n, _)| n).sum();
    let errors: Vec<&String> = results.iter().flat_map(|(_, e)| e).collect();
    assert!(fixes > 1000, "suspiciously few fixes offered: {fixes}");
    assert!(
        errors.is_empty(),
        "{} of {fixes} fixes break the property:\n{}",
        errors.len(),
        errors
            .iter()
            .take(40)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The property's own checks catch the classes of broken fixes the issue
/// names, so a passing corpus run means something.
#[test]
fn the_meaning_checks_reject_broken_fixes() {
    let p = |s: &str| pare_dockerfile::parse("f", s).unwrap();
    let fix = Fix::safe("x", vec![]);
    let one = |a: &str, b: &str, code: &str| {
        let (x, y) = (p(a), p(b));
        meaning_holds(code, &fix, &x.instructions[1], &y.instructions[1], false)
    };
    // `--no-cache-dir` on pipx / poetry / uv.
    for prog in [
        "pipx install x",
        "poetry install",
        "uv pip install x",
        "pipenv install",
    ] {
        let (head, tail) = prog.split_at(prog.find("install").unwrap() + 7);
        let fixed = format!("FROM a\nRUN {head} --no-cache-dir{tail}\n");
        assert!(
            one(&format!("FROM a\nRUN {prog}\n"), &fixed, "DF006").is_err(),
            "{prog}"
        );
    }
    assert!(one(
        "FROM a\nRUN pip install x && pipx install y\n",
        "FROM a\nRUN pip install --no-cache-dir x && pipx install y\n",
        "DF006"
    )
    .is_ok());
    // `ADD` of archives, URLs and quoted forms turned into `COPY`.
    for src in [
        "\"a.tgz\"",
        "x.tar.gz",
        "\"https://x/y\"",
        "'git@h:a/b.git'",
        "pkgs/*",
        "$X",
    ] {
        assert!(
            one(
                &format!("FROM a\nADD {src} /d\n"),
                &format!("FROM a\nCOPY {src} /d\n"),
                "DF014"
            )
            .is_err(),
            "{src}"
        );
    }
    assert!(one(
        "FROM a\nADD site.zip /d\n",
        "FROM a\nCOPY site.zip /d\n",
        "DF014"
    )
    .is_ok());
    assert!(one(
        "FROM a\nCMD exec app\n",
        "FROM a\nCMD [\"exec\", \"app\"]\n",
        "DF015"
    )
    .is_err());
}
