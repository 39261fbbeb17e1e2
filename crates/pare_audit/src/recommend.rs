//! Recommendations per image, decided from what pare knows about it
//! rather than one rule for all: a replacement base that fits what the
//! image needs to run (a Go static binary on `ubuntu` → a static
//! distroless base; `node 18` → a distroless Node.js 18 runtime; a service
//! whose command or health check runs a shell → a slim base *with* a
//! shell, saying why not distroless), package managers and shells the
//! entrypoint never runs, build tools left in, wasted bytes, root.
//!
//! Each carries its estimated saving: bytes of the packages the entrypoint
//! never loads (their files' sizes in the image), HIGH+ CVEs in those
//! packages, wasted bytes. The replacement bases are a data file,
//! `crates/pare_audit/data/bases.json`, with their sources and dates.

use crate::model::{ImageRow, Recommendation};
use pare_findings::{Package, Reach};
use pare_fsindex::{FsIndex, Kind};
use serde::Deserialize;
use std::collections::HashSet;

/// One known base (`data/bases.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownBase {
    /// Image reference.
    pub reference: String,
    /// What it fits: `static`, `glibc`, `musl`, `shell`, `python 3.11`,
    /// `node 18`, `java 17`.
    pub fits: String,
    /// Has a shell.
    pub shell: bool,
    /// Has a package manager.
    pub package_manager: bool,
    /// `none`, `glibc`, `musl`.
    pub libc: String,
    /// Where its description comes from.
    pub source: String,
    /// When the entry was checked (`YYYY-MM-DD`).
    pub checked: String,
    /// Compressed size for linux/amd64, when measured.
    pub compressed_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct BasesFile {
    bases: Vec<KnownBase>,
}

/// The known bases.
///
/// # Panics
/// Never for the file shipped (a unit test parses it).
#[must_use]
pub fn known_bases() -> Vec<KnownBase> {
    let f: BasesFile =
        serde_json::from_str(include_str!("../data/bases.json")).expect("data/bases.json parses");
    f.bases
}

/// Package names that are build tools, not runtime.
fn is_build_tool(name: &str) -> bool {
    const TOOLS: &[&str] = &[
        "gcc",
        "g++",
        "cpp",
        "make",
        "build-essential",
        "binutils",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "cmake",
        "git",
        "dpkg-dev",
        "patch",
    ];
    // `gcc-12`, `cpp-12`, `g++-12`: a tool and its version (not `gcc-12-base`,
    // the runtime libraries' base package).
    let versioned = name
        .rsplit_once('-')
        .filter(|(_, v)| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
        .map(|(t, _)| t);
    TOOLS.contains(&name) || versioned.is_some_and(|t| TOOLS.contains(&t)) || name.ends_with("-dev")
}

/// What the reachability analysis says about packages, for savings.
pub struct ReachFacts<'a> {
    /// The packages.
    pub packages: &'a [Package],
    /// Their reachability, parallel to `packages`.
    pub status: Vec<Reach>,
}

/// Bytes of regular files owned by packages nothing loads (each path
/// once).
fn unreachable_bytes(idx: &FsIndex, facts: &ReachFacts<'_>) -> u64 {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut total = 0u64;
    for (p, st) in facts.packages.iter().zip(&facts.status) {
        if *st != Reach::Unreachable {
            continue;
        }
        for f in &p.files {
            if !seen.insert(f.as_str()) {
                continue;
            }
            if let Some(e) = idx.get(f) {
                if e.kind == Kind::File {
                    total = total.saturating_add(e.size);
                }
            }
        }
    }
    total
}

fn base_for(runtime: &str, needs_shell: bool, bases: &[KnownBase]) -> Option<(KnownBase, String)> {
    let find = |fits: &str| bases.iter().find(|b| b.fits == fits).cloned();
    if needs_shell {
        let b = if runtime.contains("musl") {
            find("musl")
        } else {
            find("shell")
        }?;
        return Some((
            b,
            "the entrypoint or health check runs a shell, which distroless images do not have: a slim base keeps it".into(),
        ));
    }
    let (fits, why) = if runtime.ends_with("static binary") {
        ("static", format!("a {runtime} needs no libc and no shell"))
    } else if runtime.ends_with("glibc-dynamic binary") {
        (
            "glibc",
            format!("a {runtime} needs glibc and its C/C++ runtime libraries only"),
        )
    } else if runtime.ends_with("musl-dynamic binary") {
        ("musl", format!("a {runtime} needs musl"))
    } else if let Some(v) = runtime.strip_prefix("python ") {
        if v == "3.11" {
            (
                "python 3.11",
                "a Python 3.11 program needs the interpreter and its standard library".into(),
            )
        } else {
            return None;
        }
    } else if let Some(v) = runtime.strip_prefix("node ") {
        let major = v.split('.').next().unwrap_or(v);
        return find(&format!("node {major}")).map(|b| {
            (
                b,
                format!("a Node.js {major} program needs the `node` runtime only"),
            )
        });
    } else if let Some(v) = runtime.strip_prefix("java ") {
        return find(&format!("java {v}"))
            .map(|b| (b, format!("a Java {v} program needs the JRE only")));
    } else {
        return None;
    };
    find(fits).map(|b| (b, why))
}

/// The recommendations for a row, from its facts.
#[must_use]
pub fn recommend(
    row: &ImageRow,
    idx: &FsIndex,
    facts: &ReachFacts<'_>,
    bases: &[KnownBase],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let unreach = unreachable_bytes(idx, facts);
    let unreach_cves = row.vulns.counts().map(|c| {
        c.high_plus
            .saturating_sub(c.reachable_high_plus)
            .saturating_sub(c.unknown_reach_high_plus)
    });
    let known = row.needs.unknown.is_none();
    let minimal = row.shells.is_empty() && row.package_managers.is_empty();
    if known && !minimal {
        if let Some((b, why)) = base_for(&row.needs.runtime, row.needs.needs_shell, bases) {
            let already = row.base.name == b.reference;
            // A slim base for an image that needs its shell gains nothing
            // when every package is loaded.
            let no_gain = b.shell && b.package_manager && row.needs.needs_shell && unreach == 0;
            if !already && !no_gain {
                let (saving, saving_of) = match (b.compressed_bytes, row.compressed_size) {
                    (Some(base), Some(now)) if now > base => (Some(now - base), "compressed"),
                    _ => ((unreach > 0).then_some(unreach), "unpacked"),
                };
                out.push(Recommendation {
                    kind: "base".into(),
                    message: format!("rebase on `{}`: {why}", b.reference),
                    saving_bytes: saving,
                    saving_of: saving.map(|_| saving_of.to_string()),
                    saving_high_plus: if b.shell { None } else { unreach_cves },
                });
            }
        }
    }
    let tools: HashSet<&str> = row.needs.tools.iter().map(String::as_str).collect();
    let idle_pm: Vec<&str> = row
        .package_managers
        .iter()
        .map(String::as_str)
        .filter(|p| !tools.contains(p))
        .collect();
    if !idle_pm.is_empty() && known {
        out.push(Recommendation {
            kind: "package-manager".into(),
            message: format!(
                "package managers the entrypoint never runs: {} (they install anything at run time)",
                idle_pm.join(", ")
            ),
            saving_bytes: None,
            saving_of: None,
            saving_high_plus: None,
        });
    }
    if !row.shells.is_empty() && !row.needs.needs_shell && known {
        out.push(Recommendation {
            kind: "shell".into(),
            message: format!(
                "shells nothing runs: {} (an attacker's first tool)",
                row.shells.join(", ")
            ),
            saving_bytes: None,
            saving_of: None,
            saving_high_plus: None,
        });
    }
    let build: Vec<&str> = facts
        .packages
        .iter()
        .zip(&facts.status)
        .filter(|(p, st)| is_build_tool(&p.name) && **st != Reach::Reachable)
        .map(|(p, _)| p.name.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !build.is_empty() {
        let shown: Vec<&str> = build.iter().take(8).copied().collect();
        out.push(Recommendation {
            kind: "build-tools".into(),
            message: format!(
                "build tools left in the final image: {}{} (build in a separate stage)",
                shown.join(", "),
                if build.len() > shown.len() {
                    format!(" and {} more", build.len() - shown.len())
                } else {
                    String::new()
                }
            ),
            saving_bytes: None,
            saving_of: None,
            saving_high_plus: None,
        });
    }
    if row.wasted_bytes > 0 {
        out.push(Recommendation {
            kind: "waste".into(),
            message: "files overwritten or deleted by later layers: remove them in the layer that creates them".into(),
            saving_bytes: Some(row.wasted_bytes),
            saving_of: Some("unpacked".into()),
            saving_high_plus: None,
        });
    }
    if row.runs_as_root {
        out.push(Recommendation {
            kind: "root".into(),
            message: "runs as root: set `USER` to a non-root uid".into(),
            saving_bytes: None,
            saving_of: None,
            saving_high_plus: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bases_file_parses_and_names_its_sources() {
        let b = known_bases();
        assert!(b.len() >= 6);
        for x in &b {
            assert!(x.source.starts_with("https://"), "{x:?}");
            assert_eq!(x.checked.len(), 10, "{x:?}");
        }
    }

    #[test]
    fn a_base_fits_what_the_image_needs() {
        let b = known_bases();
        let pick = |rt: &str, sh: bool| base_for(rt, sh, &b).map(|(b, _)| b.reference);
        assert_eq!(
            pick("go 1.19 static binary", false).as_deref(),
            Some("gcr.io/distroless/static-debian12:nonroot")
        );
        assert_eq!(
            pick("node 18.20", false).as_deref(),
            Some("gcr.io/distroless/nodejs18-debian12:nonroot")
        );
        assert_eq!(
            pick("glibc-dynamic binary", false).as_deref(),
            Some("gcr.io/distroless/cc-debian12:nonroot")
        );
        // Needs a shell: slim, not distroless, and says why.
        let (s, why) = base_for("go 1.19 static binary", true, &b).unwrap();
        assert_eq!(s.reference, "debian:bookworm-slim");
        assert!(why.contains("shell"), "{why}");
        assert_eq!(
            pick("python 3.9", false),
            None,
            "no distroless for that version"
        );
        assert_eq!(pick("unknown", false), None);
    }

    #[test]
    fn build_tools_are_told_apart_from_runtime_packages() {
        for n in [
            "gcc-12",
            "g++",
            "make",
            "libc6-dev",
            "git",
            "build-essential",
            "cpp-12",
        ] {
            assert!(is_build_tool(n), "{n}");
        }
        for n in [
            "libc6",
            "python3.11",
            "libgcc-s1",
            "openssl",
            "gitlab-runner",
            "gcc-12-base",
        ] {
            assert!(!is_build_tool(n), "{n}");
        }
    }
}
