//! DF013 `add-remote-url`: `ADD` of a URL without `--checksum`.

use crate::checker::Checker;
use crate::parser::Keyword;
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
`--checksum=sha256:…`.

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

pub(crate) fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("ftp://")
        || l.starts_with("git@")
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for ins in &ch.df.instructions {
        if ins.keyword != Keyword::Add || ins.flag("checksum").is_some() {
            continue;
        }
        let words = ins.words();
        if words.len() < 2 {
            continue;
        }
        for w in &words[..words.len() - 1] {
            if is_url(&w.text) {
                found.push((ins.args.span(w.start, w.end), w.text.clone()));
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
