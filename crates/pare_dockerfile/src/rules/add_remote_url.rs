//! DF013 `add-remote-url`: `ADD` of a URL without `--checksum`.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::rules::add_sources::{sources, AddKind};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF013
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF013",
    name: "add-remote-url",
    summary: "`ADD` of a remote URL without `--checksum`",
    severity: Severity::Medium,
    peers: &["checkov:CKV_DOCKER_4"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags `ADD https://…` (or `http://`, `ftp://`, a git URL) without
`--checksum=sha256:…`, quoted or not (`ADD "https://…" /x`).

## Why is this bad?
The download is not verified: whatever the server (or anyone in the path)
returns goes into the image, and the build is not repeatable.

## Example
```dockerfile
ADD https://example.com/tool.tar.gz /tmp/
```

Use instead:
```dockerfile
ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /tmp/
```

## Fix safety
No automatic fix: pare does not download anything.

## References
- https://docs.docker.com/reference/dockerfile/#add---checksum
- checkov CKV_DOCKER_4
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for ins in &ch.df.instructions {
        let ins = ins.onbuild.as_deref().unwrap_or(ins);
        if ins.keyword != Keyword::Add || ins.flag("checksum").is_some() {
            continue;
        }
        let Some(srcs) = sources(ins, None) else {
            continue;
        };
        for s in srcs {
            if matches!(s.kind, AddKind::Url | AddKind::Git) {
                found.push((s.span, s.text));
            }
        }
    }
    for (span, url) in found {
        let d = ch.report(
            rule,
            span,
            format!("`ADD` downloads `{url}` without verifying it"),
        );
        d.help = Some(
            "add `--checksum=sha256:<digest>`, or download in a `RUN` that checks the hash".into(),
        );
    }
}
