//! DF020 `pipe-without-pipefail`: a pipe in `RUN` without `pipefail`.

use crate::checker::Checker;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF020
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF020",
    name: "pipe-without-pipefail",
    summary: "Pipe in `RUN` without `set -o pipefail`",
    severity: Severity::Low,
    peers: &["hadolint:DL4006"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a shell-form `RUN` (or heredoc script) containing a pipe when neither
the script sets `-o pipefail` nor a `SHELL ["…", "-o", "pipefail", "-c"]`
of a pipefail shell (bash, zsh, ash, ksh) is in effect. `SHELL ["/bin/sh",
"-o", "pipefail", "-c"]` does not count: `/bin/sh` is dash on Debian and
Ubuntu (hadolint warns the same way). Windows stages and non-POSIX
`SHELL`s are skipped.

## Why is this bad?
Without `pipefail` a pipeline's status is its last command's:
`curl -fsSL https://… | sh` succeeds when the download fails, and
`curl … | tar x` builds an image with half a tool in it.

## Example
```dockerfile
RUN curl -fsSL https://example.com/install.sh | sh
```

Use instead:
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | sh
```

## Fix safety
No automatic fix: `pipefail` needs bash (or a recent dash), which the
base image may not have.

## References
- hadolint DL4006
"#,
};

/// Shells whose `-o pipefail` works: bash, zsh, ash (BusyBox), ksh.
/// `sh` is dash on Debian and Ubuntu, where it is not a pipefail shell.
const PIPEFAIL_SHELLS: &[&str] = &["bash", "zsh", "ash", "ksh", "mksh"];

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for st in &ch.df.stages {
        if ch.is_windows(st) {
            continue;
        }
        for i in st.body.clone() {
            let parts = &ch.scripts[i];
            if parts.iter().all(|p| p.script.pipes == 0) {
                continue;
            }
            let mut sh_pipefail = None;
            if let Some(sh) = ch.custom_shell(st, i) {
                let prog = sh.first().and_then(|p| p.rsplit('/').next()).unwrap_or("");
                let posix = matches!(
                    prog,
                    "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
                );
                if !posix {
                    continue;
                }
                if sh.iter().any(|a| a == "pipefail") {
                    if PIPEFAIL_SHELLS.contains(&prog) {
                        continue;
                    }
                    sh_pipefail = Some(sh.first().cloned().unwrap_or_default());
                }
            }
            if parts
                .iter()
                .any(|p| p.script.pipes > 0 && !p.script.sets_pipefail())
            {
                found.push((ch.df.instructions[i].span, sh_pipefail));
            }
        }
    }
    for (span, sh) in found {
        match sh {
            Some(sh) => {
                let d = ch.report(
                    rule,
                    span,
                    if sh.ends_with("dash") {
                        format!("pipe in `RUN` whose `SHELL` is `{sh} -o pipefail`: dash is not a pipefail shell")
                    } else {
                        format!("pipe in `RUN` whose `SHELL` is `{sh} -o pipefail`: `{sh}` is dash on Debian and Ubuntu, not a pipefail shell")
                    },
                );
                d.help = Some("use `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (or `/bin/ash` on Alpine)".into());
            }
            None => {
                let d = ch.report(
                    rule,
                    span,
                    "pipe in `RUN` without `set -o pipefail`: a failing command before `|` is ignored",
                );
                d.help = Some("add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before it, or `set -o pipefail &&`".into());
            }
        }
    }
}
