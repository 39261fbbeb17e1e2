//! Packaging, part 1: `pare completions` and `pare man`. The bash script
//! parses (`bash -n`) and completes; every man page renders with `groff`
//! without a warning and lists every flag of its command.

mod support;
use support::packaging::*;
use support::*;

use std::collections::BTreeSet;
use std::process::Command;

/// The commands users see (not `help`), from `pare --help`.
fn visible_commands() -> Vec<String> {
    let o = pare(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let mut in_cmds = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("Commands:") {
            in_cmds = true;
            continue;
        }
        if in_cmds {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or_default();
            // continuation lines of a long description are indented further
            if line.starts_with("  ") && !line.starts_with("   ") && name != "help" {
                out.push(name.to_owned());
            }
        }
    }
    assert!(out.len() >= 8, "{text}");
    out
}

/// The long flags in `pare ARGS --help` (first token of each option line).
fn long_flags(args: &[&str]) -> BTreeSet<String> {
    let mut a = args.to_vec();
    a.push("--help");
    let o = pare(&a);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let t = l.trim_start();
            // `-o, --output <FILE>`: skip the short form
            let b = t.as_bytes();
            let t = if b.len() > 4 && b[0] == b'-' && b[1] != b'-' && &b[2..4] == b", " {
                &t[4..]
            } else {
                t
            };
            let flag = t.split([' ', '=']).next()?;
            (flag.starts_with("--") && flag.len() > 2).then(|| flag.to_owned())
        })
        .collect()
}

#[test]
fn bash_completion_parses_and_completes_commands_and_flags() {
    let bash = tool("bash", "apt-get install bash");
    let o = pare(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = tmp();
    let script = t.path().join("pare.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let n = Command::new(&bash).arg("-n").arg(&script).output().unwrap();
    assert!(n.status.success(), "bash -n: {}", stderr(&n));
    // Source it and ask the completion function, as bash does on <Tab>.
    let probe = format!(
        r#"source {s}
complete -p pare
ask() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=()
  _pare pare "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; echo "$*=> ${{COMPREPLY[*]}}"; }}
ask pare ins
ask pare ""
ask pare gate --ign
ask pare db ""
ask pare completions ""
"#,
        s = script.display()
    );
    let o = Command::new(&bash).arg("-c").arg(&probe).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("-F _pare pare"), "{out}");
    assert_eq!(lines[1], "pare ins=> inspect", "{out}");
    for c in visible_commands() {
        assert!(
            lines[2].split_whitespace().any(|w| w == c),
            "`{c}` not offered: {out}"
        );
    }
    assert_eq!(lines[3], "pare gate --ign=> --ignore-file", "{out}");
    for sub in ["import", "update", "status"] {
        assert!(lines[4].split_whitespace().any(|w| w == sub), "{out}");
    }
    for sh in ["bash", "zsh", "fish"] {
        assert!(lines[5].split_whitespace().any(|w| w == sh), "{out}");
    }
}

#[test]
fn zsh_and_fish_completions_name_every_command() {
    // zsh and fish are not installed here: check what they would load.
    let zsh = pare(&["completions", "zsh"]);
    assert_eq!(zsh.status.code(), Some(0));
    let zsh = stdout(&zsh);
    assert!(zsh.starts_with("#compdef pare\n"), "{}", &zsh[..80]);
    let fish = pare(&["completions", "fish"]);
    assert_eq!(fish.status.code(), Some(0));
    let fish = stdout(&fish);
    for c in visible_commands() {
        assert!(zsh.contains(&format!("'{c}:")), "zsh lacks `{c}`");
        assert!(fish.contains(&format!("-a \"{c}\"")), "fish lacks `{c}`");
    }
    assert!(zsh.contains("--ignore-file"), "zsh lacks gate's flags");
    assert!(fish.contains("-l ignore-file"), "fish lacks gate's flags");
    let bad = pare(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn man_pages_render_cleanly_and_list_every_flag() {
    let groff = tool("groff", "apt-get install groff-base");
    let t = tmp();
    let dir = t.path().join("man");
    let o = pare(&["man", "--dir", &path_str(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    // one page per command and per `db` subcommand, none for `help`
    let mut want: Vec<String> = vec!["pare.1".into()];
    for c in visible_commands() {
        want.push(format!("pare-{c}.1"));
    }
    for sub in ["import", "update", "status"] {
        want.push(format!("pare-db-{sub}.1"));
    }
    want.sort();
    assert_eq!(pages, want);
    for page in &pages {
        let path = dir.join(page);
        // -k: UTF-8 input (preconv), -ww: every warning, -Wbreak: but not "cannot adjust line"
        // (long JSON examples in flag help cannot be justified at 80 columns); -P-cbu: plain
        // text, no bold or underline overstriking
        let r = Command::new(&groff)
            .args(["-k", "-man", "-Tutf8", "-ww", "-Wbreak", "-P-cbu"])
            .arg(&path)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        assert!(r.status.success(), "{page}: {}", stderr(&r));
        assert_eq!(stderr(&r), "", "{page}: groff warned");
        let text = stdout(&r);
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"] {
            assert!(text.contains(section), "{page}: no {section}:\n{text}");
        }
        let cmd: Vec<&str> = page.trim_end_matches(".1").split('-').skip(1).collect();
        for flag in long_flags(&cmd) {
            assert!(
                text.contains(&flag),
                "{page} does not list `{flag}`:\n{text}"
            );
        }
    }
    // `pare man` alone prints the top page, naming each command's page
    let o = pare(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let roff = stdout(&o);
    assert!(roff.contains(".TH pare 1"), "{roff}");
    assert!(roff.contains("pare\\-gate(1)"), "{roff}");
    // a folder that cannot be made is a one-line error naming it
    let file = t.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = pare(&["man", "--dir", &path_str(&file.join("sub"))]);
    assert_one_line_error(&o, "file/sub", "cannot create");
}
