//! DF016 `healthcheck-missing-tool`: `HEALTHCHECK` needs `curl`/`wget`/a shell the image lacks.

use crate::checker::Checker;
use crate::parser::{words, Form, Keyword};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF016
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF016",
    name: "healthcheck-missing-tool",
    summary: "`HEALTHCHECK` runs `curl`/`wget` or a shell on a base without them",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a `HEALTHCHECK` in a final stage built on distroless or `scratch`
that runs `curl` or `wget` (not copied into the image), or that uses shell
form (which needs `/bin/sh`).

## Why is this bad?
The check can never succeed: the container is reported unhealthy forever
and orchestrators restart it in a loop. Adding `curl` back just to probe
re-adds the attack surface distroless removed.

## Example
```dockerfile
FROM gcr.io/distroless/static-debian12
HEALTHCHECK CMD curl -f http://localhost:8080/healthz
```

Use instead:
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY --from=build /app/healthcheck /healthcheck
HEALTHCHECK CMD ["/healthcheck"]
```

## Fix safety
No automatic fix.

## References
- https://docs.docker.com/reference/dockerfile/#healthcheck
"#,
};

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let Some(fin) = ch.final_stage() else { return };
    let bare = ch.df.root_is_scratch(fin)
        || ch
            .root_image(fin)
            .is_some_and(crate::image::ImageRef::is_distroless);
    if !bare {
        return;
    }
    let copied: String = ch
        .stage_body(fin)
        .filter(|(_, i)| matches!(i.keyword, Keyword::Copy | Keyword::Add))
        .map(|(_, i)| i.args.text.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let mut found = Vec::new();
    for (_, ins) in ch.stage_body(fin) {
        if ins.keyword != Keyword::Healthcheck {
            continue;
        }
        let ws = words(&ins.args.text);
        let Some(kw) = ws.first() else { continue };
        if kw.text.eq_ignore_ascii_case("NONE") {
            continue;
        }
        let rest = ins.args.slice_from(kw.end);
        let rest_text = rest.text.trim();
        let (prog, shell) = match crate::parser::parse_json_array(rest_text) {
            Some(v) => {
                let p = v.first().cloned().unwrap_or_default();
                let shell = matches!(p.rsplit('/').next(), Some("sh" | "bash" | "CMD-SHELL"));
                (p, shell)
            }
            None => (
                words(rest_text)
                    .first()
                    .map(|w| w.text.clone())
                    .unwrap_or_default(),
                true,
            ),
        };
        let _ = Form::Shell;
        let base = prog.rsplit('/').next().unwrap_or(&prog).to_string();
        if matches!(base.as_str(), "curl" | "wget") && !copied.contains(&base) {
            found.push((
                ins.span,
                format!(
                    "`HEALTHCHECK` runs `{base}`, which a distroless/scratch image does not have"
                ),
            ));
        } else if shell && !copied.contains("busybox") && !copied.contains("/bin/sh") {
            found.push((
                ins.span,
                "`HEALTHCHECK` needs `/bin/sh`, which a distroless/scratch image does not have"
                    .to_string(),
            ));
        }
    }
    for (span, msg) in found {
        let d = ch.report(rule, span, msg);
        d.help = Some("copy a small static health-check binary in and call it in exec form".into());
    }
}
