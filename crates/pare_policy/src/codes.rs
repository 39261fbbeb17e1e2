//! The gate's own findings as rules (`POL` codes): ignore entries that
//! expired or went stale, and each kind of unknown. They are documented
//! like every lint and hygiene rule, shown by `pare explain`, and are the
//! SARIF `ruleId` of the gate's own results.

use crate::{Kind, UnknownKind};
use pare_findings::{FixAvailability, RuleMeta, Severity};

/// POL001
pub static EXPIRED_IGNORE: RuleMeta = RuleMeta {
    code: "POL001",
    name: "expired-ignore",
    summary: "An ignore entry is past its expiry date",
    severity: Severity::Medium,
    peers: &["cargo-deny:advisory-not-detected"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reports an ignore entry (`[[ignore]]` in `pare.toml` or `.pareignore.toml`, a `.trivyignore`
line with `exp:`, a `.trivyignore.yaml` entry) whose `expires` date has passed. It no longer
suppresses anything: the findings it covered are decided by the rules again.

## Why is this bad?
An exception is a promise to look again. An expired one is a promise broken; the gate says so
rather than silently failing or passing.

## Example
```toml
[[ignore]]
id = "CVE-2023-4039"
reason = "only affects AArch64"
expires = 2025-01-31
```

Use instead: fix the finding, or renew the entry with a new date and a reason that still holds.

## Fix safety
No automatic fix: the policy files and the image are what change.

## References
- docs/gate.md, "Ignore entries"
"#,
};

/// POL002
pub static STALE_IGNORE: RuleMeta = RuleMeta {
    code: "POL002",
    name: "stale-ignore",
    summary: "An ignore entry matches no finding",
    severity: Severity::Low,
    peers: &["cargo-deny:advisory-not-detected"],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reports an ignore entry, still valid, that matched no finding of this image.

## Why is this bad?
The finding it covered is gone (fixed, or its package removed). A forgotten entry can hide a
future finding that happens to share its ID.

## Example
An `[[ignore]]` of `CVE-2023-45853` after `zlib1g` was upgraded.

Use instead: delete the entry.

## Fix safety
No automatic fix: the policy files and the image are what change.

## References
- docs/gate.md, "Ignore entries"
"#,
};

macro_rules! unknown_rule {
    ($static:ident, $code:literal, $name:literal, $summary:literal, $sev:expr, $body:literal) => {
        #[doc = $code]
        pub static $static: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            summary: $summary,
            severity: $sev,
            peers: &[],
            fix: FixAvailability::None,
            doc: concat!(
                $body,
                "\n\n## Fix safety\nNo automatic fix: the policy files and the image are what change.\n\n## References\n- docs/gate.md, \"Not knowing never passes\"\n"
            ),
        };
    };
}

unknown_rule!(
    NO_IMAGE_CONTENT,
    "POL003",
    "no-image-content",
    "The image holds nothing to scan",
    Severity::High,
    "## What it does\nBlocks the gate when the image holds no OS release, no package and no executable: an empty\ndirectory, or a folder that is not an image (`pare gate docs/`).\n\n## Why is this bad?\n`0 vulnerabilities in 0 packages` from nothing is not a pass.\n\n## Example\n`pare gate ./build` where `./build` is empty.\n\nUse instead: point the gate at the image (a `docker save` archive, an OCI layout, a registry reference)."
);
unknown_rule!(
    NO_PACKAGE_DB,
    "POL004",
    "no-package-db",
    "The distribution's package database is missing or empty",
    Severity::High,
    "## What it does\nBlocks the gate when `/etc/os-release` names a distribution that keeps a package database\n(Debian, Ubuntu, Alpine, Fedora, RHEL, …) and none holds a package.\n\n## Why is this bad?\nThe OS libraries are there (`libc6`, `libssl3`) but invisible to a scanner that reads package\ndatabases: an image built with `mmdebstrap --variant=extract`, or one that deleted\n`/var/lib/dpkg` to look smaller, scans clean while carrying every CVE of its libraries.\n\n## Example\n`RUN rm -rf /var/lib/dpkg` in the final stage.\n\nUse instead: keep the database (distroless keeps `status.d` records), or accept the unknown\nwith a reason: `[[unknowns.accept]] kind = \"no-package-db\"`."
);
unknown_rule!(
    NO_ADVISORIES,
    "POL005",
    "no-advisories",
    "The database cannot speak about an ecosystem of the image",
    Severity::High,
    "## What it does\nBlocks the gate when an ecosystem of the image has nothing to match against: its advisories\nwere not imported, the distribution's release is not in the database, the OS release gives\nno version, or pare does not match it (RPM).\n\n## Why is this bad?\nA database imported from one feed scans every other ecosystem clean.\n\n## Example\n`pare db import osv-crates/` then `pare gate` of a Debian + PyPI image.\n\nUse instead: `pare db update` (every default feed), or import the feeds the image needs."
);
unknown_rule!(
    UNOWNED_FILES,
    "POL006",
    "unowned-files",
    "Executables or libraries belong to no package",
    Severity::Medium,
    "## What it does\nBlocks the gate when ELF executables or shared libraries belong to no package database\nentry and no binary cataloger recognised them (a `COPY`ed `.so`, a C binary, a Go binary\nbuilt without module information).\n\n## Why is this bad?\nTheir vulnerabilities are invisible to any scanner that matches packages.\n\n## Example\n`COPY libfoo.so.1 /usr/lib/` or a setuid copy of `env` in `/usr/local/bin`.\n\nUse instead: install libraries from packages; build Go with module info and Rust with\n`cargo auditable`; or accept the unknown with a reason."
);
unknown_rule!(
    UNKNOWN_LAYER_ORIGIN,
    "POL007",
    "unknown-layer-origin",
    "Base and app layers cannot be told apart",
    Severity::Info,
    "## What it does\nReports that which layers are the base image's could not be established (a squashed image,\na history without a base boundary). Every layer is then read as `unknown`, which rules that\nfail read as the app's: a guess never demotes a finding.\n\n## Why is this bad?\nA policy that only fails on app-layer findings would otherwise pass the app's own critical\nonce the image is squashed.\n\n## Example\n`docker build --squash`, apko, or a flattening tool.\n\nUse instead: pass `--base IMAGE` or `--dockerfile`, or annotate the image with\n`org.opencontainers.image.base.digest`."
);

/// POL008
pub static INVALID_IGNORE: RuleMeta = RuleMeta {
    code: "POL008",
    name: "invalid-ignore",
    summary: "An ignore entry could not be read and applies to nothing",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
With `pare gate --lenient-ignores`, reports a `.trivyignore` or `.trivyignore.yaml` entry that
could not be read (a bad `exp:` date) instead of stopping with an error. The entry suppresses
nothing.

## Why is this bad?
A team sharing its ignore file with Trivy may have entries pare cannot read; the gate goes on,
and the entry is a finding the policy decides like any other.

## Example
`CVE-2023-1234 exp:2024-13-45` in `.trivyignore`.

Use instead: `CVE-2023-1234 exp:2025-01-31`.

## Fix safety
No automatic fix: the policy files and the image are what change.

## References
- docs/gate.md, "Migrating from Trivy"
"#,
};

/// POL009
pub static INVALID_VEX: RuleMeta = RuleMeta {
    code: "POL009",
    name: "invalid-vex",
    summary: "An OpenVEX statement could not be read and was skipped",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::None,
    doc: r#"## What it does
Reports an OpenVEX statement that could not be read (no vulnerability, an unknown status, a
`not_affected` without a justification): it is skipped and the rest of its document applies.

## Why is this bad?
A statement the author thought suppresses a finding does not; the gate says so instead of
failing the whole document or ignoring the mistake.

## Example
`{"status": "not_affected"}` without `justification` or `impact_statement`.

Use instead: a statement with `vulnerability`, `products`, `status` and, for
`not_affected`, a `justification`.

## Fix safety
No automatic fix: the policy files and the image are what change.

## References
- https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md
"#,
};

unknown_rule!(
    UNSCANNED_FILES,
    "POL010",
    "unscanned-files",
    "Files the secrets scan wanted were not read",
    Severity::Medium,
    "## What it does\nBlocks the gate when text files the secrets scan wanted were not read. pare's own scan\nreads text files over the index's 10 MiB per-file cap as a stream, in overlapping 8 MiB\nwindows (a 40 MB SQL dump, a bundled JavaScript file, a log left in a layer are scanned\nlike any file), so it no longer raises this; the kind stays, with its code, for any\nanalysis that cannot read a file whole, and `pare.toml` entries naming it stay valid.\n\n## Why is this bad?\nA credential in an unread file is not seen, and `0 secrets` would say otherwise.\n\n## Example\nA visitor of the index pass that does not stream, shown a file over its cap.\n\nUse instead: accept the unknown with a reason:\n`[[unknowns.accept]] kind = \"unscanned-files\"`."
);

/// Every `POL` rule, in code order.
pub static RULES: &[&RuleMeta] = &[
    &EXPIRED_IGNORE,
    &STALE_IGNORE,
    &NO_IMAGE_CONTENT,
    &NO_PACKAGE_DB,
    &NO_ADVISORIES,
    &UNOWNED_FILES,
    &UNKNOWN_LAYER_ORIGIN,
    &INVALID_IGNORE,
    &INVALID_VEX,
    &UNSCANNED_FILES,
];

/// The rule of an ignore-entry finding.
#[must_use]
pub fn for_kind(kind: Kind) -> Option<&'static RuleMeta> {
    match kind {
        Kind::ExpiredIgnore => Some(&EXPIRED_IGNORE),
        Kind::StaleIgnore => Some(&STALE_IGNORE),
        Kind::InvalidIgnore => Some(&INVALID_IGNORE),
        Kind::InvalidVex => Some(&INVALID_VEX),
        Kind::Vulnerability | Kind::Hygiene | Kind::Secret => None,
    }
}

/// The rule of an unknown.
#[must_use]
pub fn for_unknown(kind: UnknownKind) -> &'static RuleMeta {
    match kind {
        UnknownKind::NoImageContent => &NO_IMAGE_CONTENT,
        UnknownKind::NoPackageDb => &NO_PACKAGE_DB,
        UnknownKind::NoAdvisories => &NO_ADVISORIES,
        UnknownKind::UnownedFiles => &UNOWNED_FILES,
        UnknownKind::UnknownLayerOrigin => &UNKNOWN_LAYER_ORIGIN,
        UnknownKind::UnscannedFiles => &UNSCANNED_FILES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_kinds_they_document() {
        assert_eq!(
            for_kind(Kind::ExpiredIgnore).unwrap().name,
            Kind::ExpiredIgnore.as_str()
        );
        assert_eq!(
            for_kind(Kind::StaleIgnore).unwrap().name,
            Kind::StaleIgnore.as_str()
        );
        for k in UnknownKind::ALL {
            assert_eq!(for_unknown(k).name, k.as_str());
        }
        for k in [Kind::InvalidIgnore, Kind::InvalidVex] {
            assert_eq!(for_kind(k).unwrap().name, k.as_str());
        }
        assert_eq!(RULES.len(), 4 + UnknownKind::ALL.len());
    }
}
