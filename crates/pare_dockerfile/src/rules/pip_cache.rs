//! DF006 `pip-cache`: `pip install` without `--no-cache-dir` in the final stage.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::rules::{has_cache_mount, insert_after};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF006
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF006",
    name: "pip-cache",
    summary: "`pip install` without `--no-cache-dir` in the final stage",
    severity: Severity::Low,
    peers: &["hadolint:DL3042"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `pip install` (also `pip3`, `python -m pip`) in the final stage (or a
stage it builds on) without
`--no-cache-dir`, unless `PIP_NO_CACHE_DIR` is set or the `RUN` mounts a
cache on `/root/.cache`. Build stages are not flagged: their cache never
reaches the final image (hadolint flags every stage).

## Why is this bad?
pip keeps every downloaded wheel under `/root/.cache/pip`: tens to hundreds
of MB of dead weight in the layer.

## Example
```dockerfile
RUN pip install -r requirements.txt
```

Use instead:
```dockerfile
RUN pip install --no-cache-dir -r requirements.txt
```

## Fix safety
Safe: the flag changes only what is cached, not what is installed.

## References
- hadolint DL3042
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let chain = ch.final_chain();
    if chain.iter().flat_map(|st| ch.stage_body(st)).any(|(_, i)| {
        matches!(i.keyword, Keyword::Env | Keyword::Arg) && i.args.text.contains("PIP_NO_CACHE_DIR")
    }) {
        return;
    }
    let mut found = Vec::new();
    let cmds: Vec<_> = chain.iter().flat_map(|st| ch.stage_commands(st)).collect();
    for (ins, origin, c) in cmds {
        let eff = c.effective();
        let prog = c.program().unwrap_or("");
        let install = if prog.starts_with("pip") {
            c.subcommand(&[])
                .filter(|(_, w)| w.text == "install")
                .map(|(_, w)| w)
        } else if prog.starts_with("python")
            && eff.get(1).is_some_and(|w| w.text == "-m")
            && eff.get(2).is_some_and(|w| w.text.starts_with("pip"))
        {
            eff.get(3).filter(|w| w.text == "install")
        } else {
            None
        };
        let Some(w) = install else { continue };
        if c.has_option(&["--no-cache-dir", "--no-cache"])
            || has_cache_mount(ch, ins, "/root/.cache")
        {
            continue;
        }
        found.push((ins, origin, w.clone(), ch.command_span(ins, origin, c)));
    }
    for (ins, origin, w, span) in found {
        let at = insert_after(ch, ins, origin, &w);
        let d = ch.report(
            rule,
            span,
            "`pip install` without `--no-cache-dir` leaves the download cache in the image",
        );
        if let Some(at) = at {
            d.fix = Some(Fix::safe(
                "Add `--no-cache-dir`",
                vec![Edit::insert(at, " --no-cache-dir")],
            ));
        }
    }
}
