//! DF010 `package-manager-in-final-stage`: the final image keeps a package manager.

use crate::checker::Checker;
use crate::image::ImageRef;
use crate::parser::Base;
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// DF010
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF010",
    name: "package-manager-in-final-stage",
    summary: "Final image keeps a package manager",
    severity: Severity::Low,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Flags a final stage built on a distribution image that ships a package
manager (`debian`, `ubuntu`, `alpine`, `node`, `python`, `fedora`, …) when
nothing in the stage removes it.

## Why is this bad?
`apt`, `apk` or `dnf` in a running container let an attacker who got code
execution install whatever they need (`apt-get install netcat`). A final
stage on distroless or scratch, or one that removes the package manager,
leaves them nothing to work with.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .
FROM debian:12-slim
COPY --from=build /app /app
```

Use instead:
```dockerfile
FROM gcr.io/distroless/base-debian12
COPY --from=build /app /app
```

## Fix safety
No automatic fix: moving to distroless changes what the image contains.

## References
- https://github.com/GoogleContainerTools/distroless
"#,
};

/// The package manager an image ships, when known.
pub(crate) fn package_manager(r: &ImageRef) -> Option<&'static str> {
    let tag = r.tag_or_latest();
    let n = r.familiar_name();
    if r.is_distroless()
        || n.contains("chainguard")
        || tag.contains("windows")
        || tag.contains("nanoserver")
    {
        return None;
    }
    let short = r.short_name();
    if tag.contains("alpine") || short == "alpine" {
        return Some("apk");
    }
    if r.registry.is_some() && !n.starts_with("docker.io/") {
        return match short {
            "ubi" | "ubi8" | "ubi9" | "ubi-minimal" | "ubi8-minimal" | "ubi9-minimal" => {
                Some("microdnf")
            }
            _ => None,
        };
    }
    match short {
        "debian" | "ubuntu" | "node" | "python" | "ruby" | "golang" | "openjdk"
        | "eclipse-temurin" | "php" | "nginx" | "httpd" | "postgres" | "mysql" | "redis"
        | "buildpack-deps" | "perl" | "rust" | "maven" | "gradle" => Some("apt"),
        "fedora" | "rockylinux" | "almalinux" | "centos" | "amazonlinux" | "oraclelinux" => {
            Some("dnf")
        }
        _ => None,
    }
}

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let Some(fin) = ch.final_stage() else { return };
    let Some(img) = ch.root_image(fin) else {
        return;
    };
    let Some(pm) = package_manager(img) else {
        return;
    };
    // Removing the package manager anywhere in the final stage counts.
    let removed = ch.stage_commands(fin).iter().any(|(_, _, c)| {
        let words: Vec<&str> = c.effective().iter().map(|w| w.text.as_str()).collect();
        let text = words.join(" ");
        (text.contains("--force-remove-essential") && text.contains("apt"))
            || (words.first() == Some(&"rm")
                && (text.contains("/usr/bin/apt")
                    || text.contains("/sbin/apk")
                    || text.contains("/usr/bin/dpkg")))
            || (words.first() == Some(&"apk") && text.contains("del") && text.contains("apk-tools"))
    });
    if removed {
        return;
    }
    let mut st = fin;
    while let Base::Stage(p) = st.base {
        if p >= st.index {
            return;
        }
        st = &ch.df.stages[p];
    }
    let span = st.image_span;
    let d = ch.report(
        rule,
        span,
        format!(
            "final image keeps the package manager `{pm}` of `{}`",
            img.familiar()
        ),
    );
    d.help = Some("use a distroless or scratch final stage, or remove the package manager".into());
}
