//! VFY005 library-missing.

use super::{finding, Check};
use crate::{Input, VerifyFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_reach::closure::Problem;

/// VFY005
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "VFY005",
        name: "library-missing",
        summary: "A shared library an ELF file the entrypoint loads needs is not in the image",
        severity: Severity::Critical,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Computes the load closure of every program the container runs as `ld.so`
does (`DT_NEEDED` through `DT_RPATH`, `LD_LIBRARY_PATH`, `DT_RUNPATH`,
`ld.so.conf` and the default directories, `$ORIGIN`, symlinks, the
object's architecture), including the native extensions the Python
import graph reaches (`_psycopg.so`, `_ssl.so`). Flags every needed
library that cannot be found.

## Why is this bad?
The program (or the `import`) fails at run time with `error while
loading shared libraries: libpq.so.5: cannot open shared object file`:
the classic breakage after moving an app to a slimmer base that lacks
one runtime package.

## Example
A `psycopg2` built from source (needs `libpq.so.5`) on a base without
`libpq5`.

Use instead: install the runtime package (`apt-get install libpq5`), or
use a wheel that bundles the library.

## Fix safety
No automatic fix.

## References
- ld.so(8): https://man7.org/linux/man-pages/man8/ld.so.8.html
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
            Problem::LibraryNotFound { needed, by } => Some(finding(
                &CHECK.meta,
                format!("`{needed}`, needed by `{by}`, is not in the image"),
                vec![format!("{by} → DT_NEEDED {needed}")],
            )),
            _ => None,
        })
        .collect()
}
