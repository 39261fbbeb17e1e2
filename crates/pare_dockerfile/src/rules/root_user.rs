//! DF001 `root-user`: the final stage runs as root.

use crate::checker::Checker;
use crate::parser::{Base, Keyword};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity, Span};

/// DF001
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF001",
    name: "root-user",
    summary: "Final stage runs as root",
    severity: Severity::High,
    peers: &[
        "hadolint:DL3002",
        "checkov:CKV_DOCKER_3",
        "checkov:CKV_DOCKER_8",
    ],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags a final stage that has no `USER` instruction (and inherits none from
the stage it builds on), or whose last `USER` is `root` or `0`.

## Why is this bad?
A process running as root inside the container is root on the host's
kernel: a container escape or a writable host mount becomes a host
compromise. hadolint only flags an explicit `USER root`; a Dockerfile with
no `USER` at all is the common case and is missed.

## Example
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY app /app
ENTRYPOINT ["/app"]
```

Use instead:
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY app /app
USER nonroot
ENTRYPOINT ["/app"]
```

## Fix safety
Adding `USER nonroot` (distroless, Chainguard) or `USER 65532:65532`
(slim, Alpine, scratch) before the final `CMD`/`ENTRYPOINT` is safe: these
bases ship nothing that needs root at run time. On full distribution bases,
and when replacing an explicit `USER root`, the fix is unsafe: the
application may write to root-owned paths.

## References
- https://docs.docker.com/build/building/best-practices/#user
- hadolint DL3002, checkov CKV_DOCKER_3 / CKV_DOCKER_8
"#,
};

fn is_root(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or(user);
    u == "root" || u == "0"
}

/// Bases whose default user is not root.
fn nonroot_by_default(r: &crate::image::ImageRef) -> bool {
    let n = r.familiar_name();
    r.tag.as_deref().is_some_and(|t| t.contains("nonroot"))
        || n.starts_with("cgr.dev/chainguard/")
        || n.starts_with("bitnami/")
        || n.contains("unprivileged")
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let Some(fin) = ch.final_stage() else { return };
    // The last USER along the stage chain (child stages inherit it).
    let mut stage = fin;
    let mut last_user = None;
    loop {
        if let Some((i, ins)) = ch
            .stage_body(stage)
            .filter(|(_, i)| i.keyword == Keyword::User)
            .last()
        {
            last_user = Some((i, ins.args.text.trim().to_string(), ins.args_span()));
            break;
        }
        match stage.base {
            Base::Stage(p) if p < stage.index => stage = &ch.df.stages[p],
            _ => break,
        }
    }
    let root_img = ch.root_image(fin);
    let distroless = root_img.is_some_and(crate::image::ImageRef::is_distroless)
        || root_img.is_some_and(|r| r.familiar_name().starts_with("cgr.dev/chainguard/"));
    let slim = ch.df.root_is_scratch(fin)
        || root_img.is_some_and(|r| {
            let t = r.tag_or_latest();
            t.contains("slim") || t.contains("alpine") || r.short_name() == "alpine"
        });
    let new_user = if distroless { "nonroot" } else { "65532:65532" };
    match last_user {
        Some((_, user, span)) => {
            if user.contains('$') || !is_root(&user) {
                return;
            }
            let d = ch.report(
                rule,
                span,
                format!("last `USER` of the final stage is `{user}`"),
            );
            d.fix = Some(Fix::unsafe_edit(
                format!("Run as `{new_user}`"),
                vec![Edit::replace(span, new_user)],
            ));
        }
        None => {
            if root_img.is_some_and(nonroot_by_default) || ch.is_windows(fin) {
                return;
            }
            let from = &ch.df.instructions[fin.from];
            let span = Span::new(from.span.start, from.span.end);
            // Insert before the trailing CMD/ENTRYPOINT, else at the end.
            let body: Vec<_> = ch.stage_body(fin).collect();
            let mut at = None;
            for (_, ins) in body.iter().rev() {
                if matches!(
                    ins.keyword,
                    Keyword::Cmd
                        | Keyword::Entrypoint
                        | Keyword::Healthcheck
                        | Keyword::Expose
                        | Keyword::Stopsignal
                ) {
                    at = Some(ch.line_start(ins.span.start));
                } else {
                    break;
                }
            }
            let edit = match at {
                Some(off) => Edit::insert(off, format!("USER {new_user}\n")),
                None if ch.src.ends_with('\n') => {
                    Edit::insert(ch.src.len(), format!("USER {new_user}\n"))
                }
                None => Edit::insert(ch.src.len(), format!("\nUSER {new_user}\n")),
            };
            let title = format!("Add `USER {new_user}`");
            // A file ending in a line continuation would join a `USER`
            // appended at its end to its last instruction.
            let swallowed = at.is_none()
                && ch
                    .src
                    .trim_end_matches(['\n', '\r', ' ', '\t'])
                    .ends_with(ch.df.escape);
            let fix = if swallowed {
                None
            } else if distroless || slim {
                Some(Fix::safe(title, vec![edit]))
            } else {
                Some(Fix::unsafe_edit(title, vec![edit]))
            };
            let d = ch.report(
                rule,
                span,
                "final stage runs as root: no `USER` instruction",
            );
            d.fix = fix;
            d.help = Some("add a `USER` with a non-root uid before `CMD`/`ENTRYPOINT`".into());
        }
    }
}
