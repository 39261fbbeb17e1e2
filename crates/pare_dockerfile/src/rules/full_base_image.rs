//! DF004 `full-base-image`: a full base where a slim or distroless one exists.

use crate::checker::Checker;
use crate::image::ImageRef;
use crate::parser::{Base, Keyword, Stage};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF004
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF004",
    name: "full-base-image",
    summary: "Full base image where a slim or distroless one exists",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags the image the final stage builds on when a smaller variant exists:
`node:*`, `python:*` and `ruby:*` without `-slim`/`-alpine`, and `debian` or
`ubuntu` under a final stage that only copies a binary built by a Go or Rust
stage. The message names the replacement.

## Why is this bad?
The full `node`/`python` images carry compilers, headers, `git`, `curl` and
hundreds of packages the application never runs: hundreds of MB, and most of
the CVEs a scanner reports. A static binary needs no distribution at all.

## Example
```dockerfile
FROM node:20
```

Use instead:
```dockerfile
FROM node:20-slim
```

## Fix safety
Unsafe (`pare fix --unsafe`): the slim image lacks build tools and some
shared libraries, so a `RUN` that compiles native modules may fail.

## References
- https://github.com/GoogleContainerTools/distroless
"#,
};

fn is_slim(tag: &str) -> bool {
    [
        "slim",
        "alpine",
        "distroless",
        "windowsservercore",
        "nanoserver",
        "ltsc",
    ]
    .iter()
    .any(|k| tag.contains(k))
}

/// `node:20` -> `20-slim`; `20-bookworm` -> `20-bookworm-slim`;
/// `python:3.12-bookworm` -> `3.12-slim-bookworm`.
fn slim_tag(short: &str, tag: &str) -> Option<String> {
    if is_slim(tag) {
        return None;
    }
    if tag == "latest" {
        return Some("slim".into());
    }
    let distros = ["bookworm", "bullseye", "buster", "trixie"];
    match short {
        "node" => Some(format!("{tag}-slim")),
        "python" | "ruby" => {
            for d in distros {
                if let Some(v) = tag.strip_suffix(&format!("-{d}")) {
                    return Some(format!("{v}-slim-{d}"));
                }
            }
            Some(format!("{tag}-slim"))
        }
        _ => None,
    }
}

/// The stage that `fin` copies its binary from, when it is a Go/Rust build.
fn static_binary_builder<'a>(ch: &Checker<'a>, fin: &Stage) -> Option<(&'a str, bool)> {
    let mut has_copy_from = None;
    for (_, ins) in ch.stage_body(fin) {
        match ins.keyword {
            Keyword::Run => return None,
            Keyword::Copy => {
                if let Some(v) = ins.flag("from").and_then(|f| f.value.as_deref()) {
                    has_copy_from = ch.df.stage_by_ref(v, fin.index);
                }
            }
            _ => {}
        }
    }
    let b = has_copy_from?;
    let img = ch.root_image(b)?;
    let cgo_off = ch.df.instructions[b.from..b.body.end]
        .iter()
        .any(|i| i.args.text.contains("CGO_ENABLED=0"));
    match img.short_name() {
        "golang" => Some(("golang", cgo_off)),
        "rust" => Some(("rust", false)),
        _ => None,
    }
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let Some(fin) = ch.final_stage() else { return };
    // The stage whose FROM names the external image.
    let mut st = fin;
    while let Base::Stage(p) = st.base {
        if p >= st.index {
            return;
        }
        st = &ch.df.stages[p];
    }
    let Base::Image(r) = &st.base else { return };
    let short = r.short_name();
    let tag = r.tag_or_latest();
    let suggestion = if r.registry.is_none() && matches!(short, "node" | "python" | "ruby") {
        slim_tag(short, tag).map(|t| {
            let img = ImageRef {
                tag: Some(t),
                digest: None,
                ..r.clone()
            };
            img.familiar()
        })
    } else if r.registry.is_none() && matches!(short, "debian" | "ubuntu") && st.index == fin.index
    {
        static_binary_builder(ch, fin).map(|(lang, cgo_off)| {
            match (lang, cgo_off) {
                ("golang", true) => "gcr.io/distroless/static-debian12",
                ("golang", false) => "gcr.io/distroless/base-debian12",
                _ => "gcr.io/distroless/cc-debian12",
            }
            .to_string()
        })
    } else {
        None
    };
    let Some(new) = suggestion else { return };
    let span = st.image_span;
    let raw = st.image_raw.clone();
    let d = ch.report(
        rule,
        span,
        format!("final image builds on full `{}`; use `{new}`", r.familiar()),
    );
    if !raw.contains('$') {
        d.fix = Some(Fix::unsafe_edit(
            format!("Use `{new}`"),
            vec![Edit::replace(span, new.clone())],
        ));
    }
}
