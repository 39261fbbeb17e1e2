//! IMG003 package-manager-present.

use super::{finding, Check, Hygiene, ImageFinding};
use pare_findings::{FixAvailability, RuleMeta, Severity};
use pare_fsindex::FsIndex;

/// IMG003
pub(crate) const CHECK: Check = Check {
    meta: RuleMeta {
        code: "IMG003",
        name: "package-manager-present",
        summary: "The image contains a package manager",
        severity: Severity::Medium,
        peers: &[],
        fix: FixAvailability::None,
        doc: r#"## What it does
Flags package managers left in the image (apt/dpkg, apk, dnf, yum,
microdnf, rpm, pip, npm).

## Why is this bad?
A package manager lets an intruder install tools, and its own code and
databases add CVEs the application never uses.

## Example
`/usr/bin/apt-get` and `/usr/bin/pip3` in a runtime image.

Use instead: install in a build stage and copy only the artifact into a
distroless final stage.

## Fix safety
No automatic fix: pare reports what the image holds; the Dockerfile that
builds it is what changes (`pare lint` and `pare fix` work there).

## References
- Docker, multi-stage builds: https://docs.docker.com/build/building/multi-stage/
"#,
    },
    run,
};

fn run(h: &Hygiene, _idx: &FsIndex) -> Option<ImageFinding> {
    (!h.package_managers.is_empty()).then(|| {
        let names: Vec<&str> = h.package_managers.iter().map(|p| p.name).collect();
        finding(
            &CHECK.meta,
            format!("package managers present: {}", names.join(", ")),
            h.package_managers.iter().map(|p| p.path.clone()).collect(),
        )
    })
}
