//! What the gate could not know about an image (`pare_policy::unknown`):
//! each check names its evidence in one line.

use super::attribution::Attribution;
use pare_findings::{Distro, Ecosystem, Package};
use pare_fsindex::FsIndex;
use pare_policy::{Unknown, UnknownKind};
use std::collections::HashSet;

/// How many unowned paths a message lists.
const LIST: usize = 5;

/// The package ecosystem a distribution records its packages in, for the
/// distributions pare knows (by `ID` in `os-release`).
fn expected_db(distro: &Distro) -> Option<(Ecosystem, &'static str)> {
    let id = distro.id.as_str();
    Some(match id {
        "debian" | "ubuntu" | "raspbian" | "linuxmint" | "pop" | "kali" | "devuan"
        | "elementary" => (
            Ecosystem::Deb,
            "dpkg (`/var/lib/dpkg/status` or `status.d/`)",
        ),
        "alpine" | "wolfi" | "chainguard" | "postmarketos" => {
            (Ecosystem::Apk, "apk (`/lib/apk/db/installed`)")
        }
        "fedora"
        | "rhel"
        | "centos"
        | "rocky"
        | "almalinux"
        | "ol"
        | "amzn"
        | "mariner"
        | "azurelinux"
        | "photon"
        | "sles"
        | "opensuse-leap"
        | "opensuse-tumbleweed" => (Ecosystem::Rpm, "rpm (`/var/lib/rpm`)"),
        _ => return None,
    })
}

/// Every unknown of one gate run. `elf_files` are the image's ELF
/// executables and shared objects (from the reachability probe).
pub(crate) fn find(
    distro: Option<&Distro>,
    packages: &[Package],
    idx: &FsIndex,
    elf_files: &[&str],
    attribution: &Attribution,
    gaps: &[pare_vuln::CoverageGap],
) -> Vec<Unknown> {
    let mut out = Vec::new();
    if distro.is_none() && packages.is_empty() && elf_files.is_empty() {
        out.push(Unknown::new(
            UnknownKind::NoImageContent,
            format!(
                "nothing to scan: no OS release, no package database and no executable among {} paths",
                idx.len()
            ),
        ));
        // Nothing else can be said of nothing.
        return out;
    }
    if let Some(d) = distro {
        if let Some((eco, db)) = expected_db(d) {
            if !packages.iter().any(|p| p.ecosystem == eco) {
                out.push(Unknown::new(
                    UnknownKind::NoPackageDb,
                    format!(
                        "`/etc/os-release` says {}, but its {db} database holds no package: the OS packages cannot be scanned",
                        d.pretty_name.as_deref().unwrap_or(&d.id)
                    ),
                ));
            }
        }
    }
    for g in gaps {
        out.push(Unknown::new(
            UnknownKind::NoAdvisories,
            format!("{} {} package(s): {}", g.packages, g.ecosystem, g.reason),
        ));
    }
    let unowned = unowned(packages, idx, elf_files);
    if !unowned.is_empty() {
        let mut list: Vec<&str> = unowned.iter().take(LIST).copied().collect();
        list.sort_unstable();
        out.push(Unknown::new(
            UnknownKind::UnownedFiles,
            format!(
                "{} executable(s) or librar(ies) belong to no package pare can scan: {}{}",
                unowned.len(),
                list.join(", "),
                if unowned.len() > LIST { ", …" } else { "" }
            ),
        ));
    }
    if attribution.guess {
        out.push(Unknown::new(
            UnknownKind::UnknownLayerOrigin,
            format!(
                "base and app layers cannot be told apart ({}); findings are read as the app's",
                attribution.evidence
            ),
        ));
    }
    out
}

/// Text files the secrets scan did not read (over its per-file cap): one
/// unknown naming the first few, or none.
pub(crate) fn unscanned(files: &[pare_secrets::Unscanned]) -> Option<Unknown> {
    if files.is_empty() {
        return None;
    }
    let list: Vec<String> = files
        .iter()
        .take(LIST)
        .map(|u| format!("{} ({} bytes, layer {})", u.path, u.size, u.layer))
        .collect();
    Some(Unknown::new(
        UnknownKind::UnscannedFiles,
        format!(
            "{} text file(s) over 10 MiB were not scanned for secrets: {}{}",
            files.len(),
            list.join(", "),
            if files.len() > LIST { ", …" } else { "" }
        ),
    ))
}

/// ELF files no package lists: not in a package's file list, not a
/// package's location (a Go or Rust binary, a `package.json`), and not
/// under an npm package's directory.
/// Paths are compared with their symlinks resolved (`/lib` → `/usr/lib`).
fn unowned<'a>(packages: &[Package], idx: &FsIndex, elf_files: &[&'a str]) -> Vec<&'a str> {
    let resolve = |p: &str| idx.resolve(p).unwrap_or_else(|_| p.to_string());
    let mut owned: HashSet<String> = HashSet::new();
    let mut dirs: Vec<String> = Vec::new();
    for p in packages {
        for f in p.files.iter().chain(&p.locations) {
            owned.insert(resolve(f));
        }
        // npm records no file list: a package owns its directory (a
        // native addon under `node_modules/x/build/`). Python's `RECORD`
        // lists a wheel's `.so` files.
        if p.ecosystem == Ecosystem::Npm {
            for l in &p.locations {
                if let Some((dir, _)) = l.rsplit_once('/').filter(|(d, _)| !d.is_empty()) {
                    dirs.push(format!("{}/", resolve(dir)));
                }
            }
        }
    }
    let mut out: Vec<&str> = elf_files
        .iter()
        .copied()
        .filter(|f| {
            let r = resolve(f);
            !owned.contains(&r) && !dirs.iter().any(|d| r.starts_with(d.as_str()))
        })
        .collect();
    out.sort_unstable();
    out
}
