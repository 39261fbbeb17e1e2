//! DF008 `copy-whole-dir-from-stage`: `COPY --from=build /app /app` copies the whole build tree.

use crate::checker::Checker;
use crate::parser::{Keyword, Stage};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF008
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF008",
    name: "copy-whole-dir-from-stage",
    summary: "`COPY --from` copies a build stage's whole working directory",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `COPY --from=STAGE SRC DEST` where `SRC` is the build stage's whole
working directory (its `WORKDIR`, `.`, or `/`).

## Why is this bad?
This is the multi-stage trap: the final image gets the sources, the
`node_modules` with dev dependencies, `.git`, test data and build caches of
the build stage, undoing the point of the split. Copy the artifact only
(`/app/dist`, the binary).

## Example
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
RUN go build -o /src/server ./cmd/server
FROM gcr.io/distroless/static-debian12
COPY --from=build /src /src
```

Use instead:
```dockerfile
COPY --from=build /src/server /src/server
```

## Fix safety
Unsafe (`--unsafe`), offered when the artifact can be inferred (a
`go build -o PATH` inside the copied directory): the application may read
other files from that directory at run time.

## References
- https://docs.docker.com/build/building/multi-stage/
"#,
};

fn norm(p: &str) -> String {
    let t = p.trim_end_matches('/');
    let t = t.strip_suffix("/.").unwrap_or(t);
    if t.is_empty() {
        "/".into()
    } else {
        t.to_string()
    }
}

fn join(dir: &str, p: &str) -> String {
    if p.starts_with('/') {
        norm(p)
    } else if p == "." || p == "./" {
        norm(dir)
    } else {
        norm(&format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            p.trim_start_matches("./")
        ))
    }
}

/// Last `WORKDIR` of a stage (following parents), default `/`.
fn workdir(ch: &Checker<'_>, st: &Stage) -> String {
    let mut dir = "/".to_string();
    let mut chain = vec![st];
    let mut s = st;
    while let crate::parser::Base::Stage(p) = s.base {
        if p >= s.index {
            break;
        }
        s = &ch.df.stages[p];
        chain.push(s);
    }
    for s in chain.iter().rev() {
        for (_, i) in ch.stage_body(s) {
            if i.keyword == Keyword::Workdir {
                dir = join(&dir, i.args.text.trim());
            }
        }
    }
    dir
}

/// `go build -o PATH` output in a stage, absolute.
fn artifact(ch: &Checker<'_>, st: &Stage, wd: &str) -> Option<String> {
    let mut cur = "/".to_string();
    let mut out = None;
    for (i, ins) in ch.stage_body(st) {
        if ins.keyword == Keyword::Workdir {
            cur = join(&cur, ins.args.text.trim());
        }
        for part in &ch.scripts[i] {
            for c in &part.script.commands {
                let eff = c.effective();
                if c.program() == Some("go") && eff.get(1).is_some_and(|w| w.text == "build") {
                    if let Some(p) = eff
                        .windows(2)
                        .find(|w| w[0].text == "-o")
                        .map(|w| w[1].text.clone())
                    {
                        if !p.contains('$') {
                            out = Some(join(&cur, &p));
                        }
                    }
                }
            }
        }
    }
    let _ = wd;
    out
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        for (_, ins) in ch.stage_body(st) {
            if ins.keyword != Keyword::Copy {
                continue;
            }
            let Some(from) = ins.flag("from").and_then(|f| f.value.as_deref()) else {
                continue;
            };
            let Some(src_stage) = ch.df.stage_by_ref(from, st.index) else {
                continue;
            };
            let words = ins.words();
            if words.len() < 2 || ins.args.text.trim_start().starts_with('[') {
                continue;
            }
            let wd = workdir(ch, src_stage);
            let dest = &words[words.len() - 1];
            for w in &words[..words.len() - 1] {
                if w.text.contains('$') || w.text.contains('*') {
                    continue;
                }
                let abs = join(&wd, &w.text);
                let whole = abs == "/" || (abs == wd && wd != "/");
                if !whole {
                    continue;
                }
                let fix = artifact(ch, src_stage, &wd)
                    .filter(|a| {
                        a.starts_with(&format!("{}/", abs.trim_end_matches('/'))) || abs == "/"
                    })
                    .and_then(|a| {
                        let dest_abs = norm(&dest.text);
                        let new_dest = if dest_abs == abs {
                            Some(a.clone())
                        } else if dest.text.ends_with('/') {
                            Some(dest.text.clone())
                        } else {
                            None
                        }?;
                        (words.len() == 2).then(|| {
                            Fix::unsafe_edit(
                                format!("Copy only `{a}`"),
                                vec![
                                    Edit::replace(ins.args.span(w.start, w.end), a.clone()),
                                    Edit::replace(ins.args.span(dest.start, dest.end), new_dest),
                                ],
                            )
                        })
                    });
                found.push((
                    ins.args.span(w.start, w.end),
                    abs,
                    src_stage
                        .name
                        .clone()
                        .unwrap_or_else(|| src_stage.index.to_string()),
                    fix,
                ));
            }
        }
    }
    for (span, abs, name, fix) in found {
        let d = ch.report(
            rule,
            span,
            format!("copies the whole `{abs}` of stage `{name}` instead of the artifact"),
        );
        d.fix = fix;
        d.help = Some("copy only the build output (a binary, `dist/`, a wheel)".into());
    }
}
