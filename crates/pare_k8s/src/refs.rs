//! Image references of Kubernetes manifests, for `pare pin`: the `image:`
//! of every container of every workload (init and ephemeral containers
//! included). Values that are aliases, block scalars, hold escapes or
//! template placeholders are skipped: their bytes are not the reference.

use crate::model;
use crate::yaml::{Style, Value};
use pare_findings::{split_image_ref, ImageRef, LineIndex, ParseError, Span};

/// Every container image reference of `src`, in source order.
///
/// # Errors
/// A [`ParseError`] naming the line and column when the file is not YAML.
pub fn image_refs(path: &str, src: &str) -> Result<Vec<ImageRef>, ParseError> {
    let mut out = Vec::new();
    if crate::is_helm_template(src) {
        return Ok(out);
    }
    let index = LineIndex::new(src);
    for root in crate::workload_documents(path, src, &index)?.0 {
        for object in model::objects(&root) {
            let Some(w) = model::workload(object) else {
                continue;
            };
            for c in &w.containers {
                let Some(node) = c.node.get("image") else {
                    continue;
                };
                let Value::Scalar(value, style) = &node.value else {
                    continue;
                };
                if node.alias || *style == Style::Block || value.contains("{{") {
                    continue;
                }
                let Some(span) = value_span(src, node.span, value, *style) else {
                    continue;
                };
                let Some((name, tag, digest)) = split_image_ref(value) else {
                    continue;
                };
                let digest_span = value
                    .rfind('@')
                    .map(|at| Span::new(span.start + at + 1, span.end));
                out.push(ImageRef {
                    span,
                    name,
                    tag,
                    digest,
                    digest_span,
                });
            }
        }
    }
    out.sort_by_key(|r| r.span.start);
    out.dedup_by_key(|r| r.span.start);
    Ok(out)
}

/// The bytes of `value` in `src`: the scalar itself, or what is between
/// its quotes (only when nothing was escaped).
fn value_span(src: &str, span: Span, value: &str, style: Style) -> Option<Span> {
    let b = src.as_bytes();
    if style == Style::Plain {
        return (src.get(span.start..span.start + value.len())? == value)
            .then(|| Span::new(span.start, span.start + value.len()));
    }
    let q = [span.start, span.start.checked_sub(1)?]
        .into_iter()
        .find(|&i| matches!(b.get(i), Some(b'"' | b'\'')))?;
    let start = q + 1;
    let end = start + value.len();
    (src.get(start..end)? == value && b.get(end) == b.get(q)).then(|| Span::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_container_image() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n  - name: i\n    image: \"busybox:1.36\" # init\n  containers:\n  - name: a\n    image: localhost:5000/app:1@sha256:00\n  - name: b\n    image: nginx\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: x:1\n";
        let refs = image_refs("p.yaml", src).unwrap();
        let texts: Vec<&str> = refs
            .iter()
            .map(|r| &src[r.span.start..r.span.end])
            .collect();
        assert_eq!(
            texts,
            vec!["busybox:1.36", "localhost:5000/app:1@sha256:00", "nginx"]
        );
        assert_eq!(refs[1].name, "localhost:5000/app");
        assert_eq!(refs[1].tag.as_deref(), Some("1"));
        let d = refs[1].digest_span.unwrap();
        assert_eq!(&src[d.start..d.end], "sha256:00");
        assert_eq!(refs[2].tag, None);
    }
}
