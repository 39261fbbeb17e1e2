//! Image references of a Dockerfile, for `pare pin`: `FROM` images,
//! `COPY --from=<image>` and `RUN --mount=…,from=<image>`. Stage names,
//! stage numbers, `scratch` and references that still hold an unresolved
//! `$VAR` after `ARG` default substitution are skipped, and so is text that
//! a line continuation splits (its bytes are not one run in the source).

use crate::image::expand;
use crate::parser::{Base, Dockerfile, Keyword};
use pare_findings::{split_image_ref, ImageRef, Span};

/// Every external image reference of `df`, in source order.
#[must_use]
pub fn image_refs(df: &Dockerfile, src: &str) -> Vec<ImageRef> {
    let mut out = Vec::new();
    for st in &df.stages {
        if matches!(st.base, Base::Image(_)) {
            push(&mut out, src, st.image_span, &st.image_raw, &st.image);
        }
    }
    let is_stage = |v: &str| {
        let lower = v.to_ascii_lowercase();
        v.bytes().all(|b| b.is_ascii_digit())
            || lower == "scratch"
            || df.stages.iter().any(|s| s.name.as_deref() == Some(&lower))
    };
    let lookup = |name: &str| {
        df.global_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
    };
    for ins in &df.instructions {
        let wanted = match ins.keyword {
            Keyword::Copy => "from",
            Keyword::Run => "mount",
            _ => continue,
        };
        for flag in ins.flags.iter().filter(|f| f.name == wanted) {
            let Some(value) = flag.value.as_deref() else {
                continue;
            };
            let Some(text) = src.get(flag.span.start..flag.span.end) else {
                continue;
            };
            if !text.ends_with(value) {
                continue;
            }
            let value_start = flag.span.end - value.len();
            // (offset in value, raw reference text)
            let raw: Option<(usize, &str)> = if wanted == "from" {
                Some((0, value))
            } else {
                let mut off = 0;
                let mut found = None;
                for part in value.split(',') {
                    if let Some(v) = part.strip_prefix("from=") {
                        found = Some((off + 5, v));
                    }
                    off += part.len() + 1;
                }
                found
            };
            let Some((off, raw)) = raw else { continue };
            let (expanded, ok) = expand(raw, &lookup);
            if !ok || is_stage(&expanded) {
                continue;
            }
            let start = value_start + off;
            push(
                &mut out,
                src,
                Span::new(start, start + raw.len()),
                raw,
                &expanded,
            );
        }
    }
    out.sort_by_key(|r| r.span.start);
    out
}

fn push(out: &mut Vec<ImageRef>, src: &str, span: Span, raw: &str, expanded: &str) {
    if src.get(span.start..span.end) != Some(raw) {
        return;
    }
    let Some((name, tag, digest)) = split_image_ref(expanded) else {
        return;
    };
    let digest_span = match raw.rfind('@') {
        Some(at) if !raw[at..].contains('$') => Some(Span::new(span.start + at + 1, span.end)),
        _ => None,
    };
    out.push(ImageRef {
        span,
        name,
        tag,
        digest,
        digest_span,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<(String, String)> {
        let df = crate::parse("Dockerfile", src).unwrap();
        image_refs(&df, src)
            .into_iter()
            .map(|r| {
                (
                    src[r.span.start..r.span.end].to_string(),
                    format!(
                        "{}|{}|{}",
                        r.name,
                        r.tag.unwrap_or_default(),
                        r.digest.unwrap_or_default()
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn finds_from_copy_and_mount_images() {
        let src = "ARG V=20\nFROM node:${V} AS build\nFROM build AS b2\nFROM scratch\n\
                   FROM $MISSING\nCOPY --from=build /a /b\nCOPY --from=0 /a /b\n\
                   COPY --from=localhost:5000/tools:1 /t /t\n\
                   RUN --mount=type=bind,from=alpine:3.19@sha256:ab,target=/x true\n\
                   RUN --mount=type=cache,target=/c true\n";
        assert_eq!(
            refs(src),
            vec![
                ("node:${V}".to_string(), "node|20|".to_string()),
                (
                    "localhost:5000/tools:1".to_string(),
                    "localhost:5000/tools|1|".to_string()
                ),
                (
                    "alpine:3.19@sha256:ab".to_string(),
                    "alpine|3.19|sha256:ab".to_string()
                ),
            ]
        );
    }

    #[test]
    fn digest_span_covers_the_written_digest() {
        let src = "FROM alpine:3@sha256:00\n";
        let df = crate::parse("Dockerfile", src).unwrap();
        let r = &image_refs(&df, src)[0];
        let d = r.digest_span.unwrap();
        assert_eq!(&src[d.start..d.end], "sha256:00");
    }
}
