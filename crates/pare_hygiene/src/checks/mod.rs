//! Image hygiene: the facts ([`Hygiene`]) and one check per file turning
//! them into findings, registered in [`CHECKS`].

mod package_manager;
mod root_user;
mod setuid_files;
mod shell_present;
mod wasted_bytes;
mod world_writable;

use crate::passwd::{resolve_user, ResolvedUser};
use pare_findings::{RuleMeta, Severity};
use pare_fsindex::{FsIndex, Kind};
use serde::Serialize;

/// A hygiene check: metadata plus a function over the facts.
pub struct Check {
    /// Code, name, docs.
    pub meta: RuleMeta,
    /// Produces a finding when the image fails the check.
    pub run: fn(&Hygiene, &FsIndex) -> Option<ImageFinding>,
}

/// Every hygiene check, in code order.
pub static CHECKS: &[Check] = &[
    root_user::CHECK,
    shell_present::CHECK,
    package_manager::CHECK,
    setuid_files::CHECK,
    world_writable::CHECK,
    wasted_bytes::CHECK,
];

/// A finding about an image (not tied to a source span).
#[derive(Debug, Clone, Serialize)]
pub struct ImageFinding {
    /// Check code (`IMG001`).
    pub code: &'static str,
    /// Check name (`runs-as-root`).
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Paths involved (at most 20 listed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// A path with its mode and layer, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct PathFact {
    /// Absolute path.
    pub path: String,
    /// Mode bits (octal in tables).
    pub mode: u32,
    /// Size.
    pub size: u64,
    /// Layer that last wrote it.
    pub layer: usize,
}

/// A package manager found in the image.
#[derive(Debug, Clone, Serialize)]
pub struct PackageManager {
    /// `apt`, `dpkg`, `apk`, `dnf`, `yum`, `microdnf`, `rpm`, `pip`, `npm`.
    pub name: &'static str,
    /// Where.
    pub path: String,
}

/// The hygiene facts of an image.
#[derive(Debug, Clone, Serialize)]
pub struct Hygiene {
    /// Who the container runs as.
    pub user: ResolvedUser,
    /// Shells present (`/bin/sh`, `/bin/bash`, busybox...), resolved.
    pub shells: Vec<String>,
    /// Package managers present.
    pub package_managers: Vec<PackageManager>,
    /// setuid files.
    pub setuid: Vec<PathFact>,
    /// setgid files.
    pub setgid: Vec<PathFact>,
    /// World-writable regular files, and world-writable directories without
    /// the sticky bit.
    pub world_writable: Vec<PathFact>,
    /// The largest files.
    pub largest: Vec<PathFact>,
}

const SHELLS: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/bin/dash",
    "/bin/ash",
    "/bin/zsh",
    "/usr/bin/bash",
    "/bin/busybox",
    "/usr/bin/busybox",
];

const PACKAGE_MANAGERS: &[(&str, &[&str])] = &[
    ("apt", &["/usr/bin/apt-get", "/usr/bin/apt"]),
    ("dpkg", &["/usr/bin/dpkg"]),
    ("apk", &["/sbin/apk", "/usr/bin/apk"]),
    ("dnf", &["/usr/bin/dnf"]),
    ("yum", &["/usr/bin/yum"]),
    ("microdnf", &["/usr/bin/microdnf"]),
    ("rpm", &["/usr/bin/rpm", "/bin/rpm"]),
    (
        "pip",
        &[
            "/usr/bin/pip",
            "/usr/bin/pip3",
            "/usr/local/bin/pip",
            "/usr/local/bin/pip3",
        ],
    ),
    ("npm", &["/usr/bin/npm", "/usr/local/bin/npm"]),
];

fn fact(path: &str, e: &pare_fsindex::Entry) -> PathFact {
    PathFact {
        path: path.to_string(),
        mode: e.mode,
        size: e.size,
        layer: e.layer,
    }
}

/// Collect the hygiene facts. `user` is the config's `User`.
#[must_use]
pub fn collect(idx: &FsIndex, user: Option<&str>, largest: usize) -> Hygiene {
    let exists = |p: &str| {
        idx.resolve_entry(p)
            .ok()
            .filter(|(_, e)| e.is_file())
            .map(|(r, _)| r)
    };
    // usrmerge makes `/bin/bash` and `/usr/bin/bash` one file: list each
    // resolved file once, under the first name that reaches it.
    let mut seen = std::collections::HashSet::new();
    let shells: Vec<String> = SHELLS
        .iter()
        .filter(|s| exists(s).is_some_and(|r| seen.insert(r)))
        .map(|s| (*s).to_string())
        .collect();
    let package_managers = PACKAGE_MANAGERS
        .iter()
        .filter_map(|(name, paths)| {
            paths
                .iter()
                .find(|p| exists(p).is_some())
                .map(|p| PackageManager {
                    name,
                    path: (*p).to_string(),
                })
        })
        .collect();
    let mut setuid = Vec::new();
    let mut setgid = Vec::new();
    let mut world_writable = Vec::new();
    let mut files: Vec<PathFact> = Vec::new();
    for (p, e) in idx.iter() {
        match e.kind {
            Kind::File | Kind::Hardlink => {
                if e.mode & 0o4000 != 0 {
                    setuid.push(fact(p, e));
                }
                if e.mode & 0o2000 != 0 {
                    setgid.push(fact(p, e));
                }
                if e.mode & 0o002 != 0 {
                    world_writable.push(fact(p, e));
                }
                if e.kind == Kind::File {
                    files.push(fact(p, e));
                }
            }
            Kind::Dir if e.mode & 0o002 != 0 && e.mode & 0o1000 == 0 => {
                world_writable.push(fact(p, e))
            }
            _ => {}
        }
    }
    files.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    files.truncate(largest);
    Hygiene {
        user: resolve_user(idx, user),
        shells,
        package_managers,
        setuid,
        setgid,
        world_writable,
        largest: files,
    }
}

/// Run every check.
#[must_use]
pub fn run_all(h: &Hygiene, idx: &FsIndex) -> Vec<ImageFinding> {
    CHECKS.iter().filter_map(|c| (c.run)(h, idx)).collect()
}

pub(crate) fn finding(meta: &RuleMeta, message: String, paths: Vec<String>) -> ImageFinding {
    ImageFinding {
        code: meta.code,
        name: meta.name,
        severity: meta.severity,
        message,
        paths: paths.into_iter().take(20).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_unique() {
        let codes: HashSet<_> = CHECKS.iter().map(|c| c.meta.code).collect();
        let names: HashSet<_> = CHECKS.iter().map(|c| c.meta.name).collect();
        assert_eq!(codes.len(), CHECKS.len());
        assert_eq!(names.len(), CHECKS.len());
        assert!(CHECKS
            .iter()
            .all(|c| c.meta.code.starts_with("IMG") && !c.meta.doc.is_empty()));
    }
}
