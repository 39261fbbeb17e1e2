//! VFY006 loader-missing.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::Problem;

/// VFY006
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY006",
        name: "loader-missing",
        summary: "The program interpreter (`ld-linux`, `ld-musl`) of a program is not in the image",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Reads the `PT_INTERP` of every dynamic program the container runs and
looks it up through the image's symlinks (`/lib64` → `usr/lib64` on
merged-`/usr` systems). Flags a program interpreter that is missing.

## Why is this bad?
The kernel cannot start the program and says `no such file or directory`
about a file that exists: a glibc program copied onto a musl (Alpine) or
scratch base.

## Example
A binary built on Debian (`/lib64/ld-linux-x86-64.so.2`) copied into
`FROM alpine`.

Use instead: build a static binary (`CGO_ENABLED=0`, musl), or use a
base with the same C library.

## Fix safety
No automatic fix.

## References
- elf(5), `PT_INTERP`: https://man7.org/linux/man-pages/man5/elf.5.html
"#,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<VerifyFinding> {
    input
        .closure
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::InterpreterNotFound { interp, by } => Some(finding(
                &CHECK.meta,
                format!("the program interpreter `{interp}` of `{by}` is not in the image"),
                vec![format!("{by} → PT_INTERP {interp}")],
            )),
            _ => None,
        })
        .collect()
}
