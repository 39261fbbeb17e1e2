//! DF014 `add-local-file`: `ADD` of a local file or folder that is not an archive.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::rules::add_sources::{context_of, sources, AddKind};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF014
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF014",
    name: "add-local-file",
    summary: "`ADD` of local files or folders; use `COPY`",
    severity: Severity::Low,
    peers: &["hadolint:DL3020", "checkov:CKV_DOCKER_4"],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `ADD` whose sources are local paths that `ADD` copies as is: not a
URL (DF013), not a tar archive, plain or compressed with gzip, bzip2, xz or
zstd (`.tar`, `.tar.gz`, `.tgz`, `.tar.xz`, `.gz`, …), which `ADD` unpacks.
Sources are read as BuildKit reads them, quotes removed (`ADD "app.tgz" /`
is an archive). A `.zip` (or `.7z`, `.lz`, `.jar`) is *not* unpacked by
`ADD`: it is a plain local file and is flagged. Docker decides by content,
so a source found in the Dockerfile's folder is sniffed: a tar archive with
any name is not flagged. `ONBUILD ADD` is read the same way.

## Why is this bad?
`ADD` auto-extracts archives and fetches URLs; on a plain file it does what
`COPY` does, but a reader (and a reviewer) must check which behaviour
applies. `COPY` says exactly what happens.

## Example
```dockerfile
ADD app.py /app/
```

Use instead:
```dockerfile
COPY app.py /app/
```

## Fix safety
Safe: on non-archive local sources `ADD` and `COPY` behave the same. Never
offered for an `ADD` that unpacks or fetches; not offered when `ADD`-only
flags (`--checksum`, `--keep-git-dir`, `--unpack`) are present, nor for a
wildcard that could match an archive (`ADD pkgs/* /x`).

## References
- hadolint DL3020; checkov CKV_DOCKER_4
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let ctx = context_of(ch.path);
    let mut found = Vec::new();
    for ins in &ch.df.instructions {
        let ins = ins.onbuild.as_deref().unwrap_or(ins);
        if ins.keyword != Keyword::Add {
            continue;
        }
        let Some(srcs) = sources(ins, ctx) else {
            continue;
        };
        // Only when every source is copied as is: a URL is DF013, a local
        // tar archive is unpacked (what `ADD` is for), a variable unknown.
        let kinds: Vec<AddKind> = srcs.iter().map(|s| s.kind).collect();
        if kinds.iter().any(|k| {
            matches!(
                k,
                AddKind::Url | AddKind::Git | AddKind::Archive | AddKind::Variable
            )
        }) {
            continue;
        }
        let add_only = ["checksum", "keep-git-dir", "unpack"]
            .iter()
            .any(|f| ins.flag(f).is_some());
        let glob = kinds.contains(&AddKind::Glob);
        found.push((ins.keyword_span, add_only, glob));
    }
    for (span, add_only, glob) in found {
        let d = ch.report(rule, span, "`ADD` of local files; use `COPY`");
        if glob {
            d.help = Some(
                "a wildcard may match tar archives, which `ADD` unpacks and `COPY` does not: use `COPY` if none do"
                    .into(),
            );
        } else if !add_only {
            d.fix = Some(Fix::safe("Use `COPY`", vec![Edit::replace(span, "COPY")]));
        }
    }
}
