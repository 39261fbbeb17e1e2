//! DF014 `add-local-file`: `ADD` of a local file or folder that is not an archive.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::rules::add_remote_url::is_url;
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
Flags `ADD` whose sources are local paths that are not archives (`.tar`,
`.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, …).

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
Safe: on non-archive local sources `ADD` and `COPY` behave the same. Not
offered when `ADD`-only flags (`--checksum`, `--keep-git-dir`, `--unpack`)
are present.

## References
- hadolint DL3020; checkov CKV_DOCKER_4
"#,
};

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".gz",
    ".bz2", ".xz", ".zst", ".zip", ".lz", ".lzma", ".tar.lz",
];

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let mut found = Vec::new();
    for ins in &ch.df.instructions {
        if ins.keyword != Keyword::Add || !ins.heredocs.is_empty() {
            continue;
        }
        let words: Vec<String> = match crate::parser::parse_json_array(ins.args.text.trim()) {
            Some(v) => v,
            None => ins.words().into_iter().map(|w| w.text).collect(),
        };
        if words.len() < 2 {
            continue;
        }
        let srcs = &words[..words.len() - 1];
        let local_plain = srcs.iter().all(|w| {
            let l = w.to_ascii_lowercase();
            !is_url(&l) && !l.contains('$') && !ARCHIVES.iter().any(|a| l.ends_with(a))
        });
        if !local_plain {
            continue;
        }
        let add_only = ["checksum", "keep-git-dir", "unpack"]
            .iter()
            .any(|f| ins.flag(f).is_some());
        found.push((ins.keyword_span, add_only));
    }
    for (span, add_only) in found {
        let d = ch.report(rule, span, "`ADD` of local files; use `COPY`");
        if !add_only {
            d.fix = Some(Fix::safe("Use `COPY`", vec![Edit::replace(span, "COPY")]));
        }
    }
}
