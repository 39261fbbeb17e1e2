//! DF006 `pip-cache`: `pip install` without `--no-cache-dir` in the final stage.

use crate::checker::Checker;
use crate::rules::{env_set, has_cache_mount, insert_after, is_pip, is_python};
use crate::shell::{Command, ShWord};
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
Flags `pip install` (also `pip3`, `pip3.12`, `python3 -m pip`) in the final
stage (or a stage it builds on) without `--no-cache-dir`, unless
`PIP_NO_CACHE_DIR` is set to a true value (by `ENV`, an `ARG` default, inline
as in `PIP_NO_CACHE_DIR=1 pip install`, or `export`ed earlier in the same
`RUN`), or the `RUN` mounts a cache or tmpfs on `/root/.cache/pip`
(`--mount=type=cache,target=/root/.cache`). Build stages are not flagged:
their cache never reaches the final image (hadolint flags every stage).
`pipx`, `pipenv`, `poetry` and `uv pip` are not pip: `--no-cache-dir` is not
their flag, and they are never flagged or fixed. `ONBUILD RUN pip install`
is flagged too: it fires in images built from this one.

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
Safe: the flag changes only what is cached, not what is installed. It is
inserted right after the `install` of the pip command itself, never into
another program's arguments.

## References
- hadolint DL3042
"#,
};

/// pip's global options that take a value (before the subcommand).
const PIP_VALUE_OPTS: &[&str] = &[
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--cache-dir",
    "--python",
    "--exists-action",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--src",
    "--root",
    "--use-feature",
];

/// The `install` word of a pip command: `pip install`, `pip3.12 install`,
/// `python3 -m pip install`. Not `pipx`, `pipenv`, `poetry`, `uv pip`:
/// `--no-cache-dir` is pip's flag and belongs to none of them.
pub(crate) fn pip_install(c: &Command) -> Option<&ShWord> {
    let eff = c.effective();
    let prog = c.program()?;
    if is_pip(prog) {
        return c
            .subcommand(PIP_VALUE_OPTS)
            .filter(|(_, w)| w.text == "install")
            .map(|(_, w)| w);
    }
    if is_python(prog) && eff.get(1)?.text == "-m" && eff.get(2)?.text == "pip" {
        let mut i = 3;
        while i < eff.len() && eff[i].text.starts_with('-') {
            i += if PIP_VALUE_OPTS.contains(&eff[i].text.as_str()) {
                2
            } else {
                1
            };
        }
        return eff.get(i).filter(|w| w.text == "install");
    }
    None
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let chain = ch.final_chain();
    let mut found = Vec::new();
    for st in &chain {
        for ins in st.body.clone() {
            for (pi, part) in ch.scripts[ins].iter().enumerate() {
                for (ci, c) in part.script.commands.iter().enumerate() {
                    let Some(w) = pip_install(c) else { continue };
                    if c.has_option(&["--no-cache-dir", "--no-cache"])
                        || env_set(ch, ins, pi, ci, "PIP_NO_CACHE_DIR")
                        || has_cache_mount(ch, ins, "/root/.cache/pip")
                    {
                        continue;
                    }
                    found.push((
                        ins,
                        part.origin,
                        w.clone(),
                        ch.command_span(ins, part.origin, c),
                    ));
                }
            }
        }
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
