//! Matching an image's packages against the database.
//!
//! - Distro packages (Debian/Ubuntu, Alpine) are looked up by their source
//!   package (`source_name`, else `name`) and source version, in the
//!   ecosystem of the image's release only: `Debian:<VERSION_ID major>`,
//!   `Ubuntu:...<VERSION_ID>...`, `Alpine:v<major.minor>`. Without a distro
//!   release they are not matched (no release, no verdict).
//! - Language packages are looked up by normalised name in `PyPI`, `npm`,
//!   `Go`, `crates.io`, `Maven`.
//! - An affected entry matches when the installed version is in its
//!   enumerated `versions` or inside one of its `ECOSYSTEM`/`SEMVER` ranges
//!   (OSV's evaluation: events sorted, `introduced` opens, `fixed` and
//!   `limit` close, `last_affected` closes after). `GIT` ranges are ignored.
//! - Withdrawn records never match.
//! - Records of one package that share an identifier (ID, alias or
//!   upstream) are merged into one [`VulnMatch`] listing every record ID.

use crate::db::{normalize_name, Db};
use crate::osv::{Event, Range};
use crate::version::VersionScheme;
use pare_findings::{Distro, Ecosystem, Package};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// One vulnerability of one package (records for the same flaw merged).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VulnMatch {
    /// Record IDs, sorted (`CVE-...`, `GHSA-...`, `PYSEC-...`).
    pub ids: Vec<String>,
    /// Other identifiers the records name (aliases, upstream), sorted.
    pub aliases: Vec<String>,
    /// Index of the package in the slice given to [`match_packages`].
    pub package_index: usize,
    /// Package name as matched (source package for distro packages).
    pub package: String,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Installed version as compared (source version for distro packages).
    pub installed: String,
    /// The version that fixes it (highest across merged records), if any.
    pub fixed: Option<String>,
    /// `critical`, `high`, `medium`, `low`, `negligible` or `unknown`; the
    /// distro's own rating for distro packages when it gives one.
    pub severity: Option<String>,
    /// CVSS base score (highest across merged records).
    pub cvss_score: Option<f64>,
    /// The CVSS vector the score comes from.
    pub cvss_vector: Option<String>,
    /// Summary of the first record that has one.
    pub summary: Option<String>,
    /// Advisory link.
    pub url: String,
}

/// Errors while matching.
pub type Error = crate::db::Error;

/// Which OSV ecosystem base (and release test) a package is looked up in.
struct Target {
    base: &'static str,
    release: Release,
}

enum Release {
    /// Any ecosystem string equal to the base.
    Exact,
    /// `Debian:12`.
    Equals(String),
    /// Ubuntu: one `:`-separated component equals the release.
    Component(String),
}

impl Release {
    /// The one ecosystem string to filter on in SQL, when there is one.
    fn exact(&self) -> Option<&str> {
        match self {
            Release::Equals(e) => Some(e),
            _ => None,
        }
    }

    fn accepts(&self, base: &str, ecosystem: &str) -> bool {
        match self {
            Release::Exact => ecosystem == base,
            Release::Equals(e) => ecosystem == e,
            Release::Component(r) => ecosystem.split(':').skip(1).any(|c| c == r),
        }
    }
}

fn target(pkg: &Package, distro: Option<&Distro>) -> Option<Target> {
    let version_id = distro.and_then(|d| d.version_id.as_deref());
    Some(match pkg.ecosystem {
        Ecosystem::Deb => {
            let d = distro?;
            let v = version_id?;
            if d.id == "ubuntu" {
                Target {
                    base: "Ubuntu",
                    release: Release::Component(v.to_owned()),
                }
            } else {
                let major = v.split('.').next().unwrap_or(v);
                Target {
                    base: "Debian",
                    release: Release::Equals(format!("Debian:{major}")),
                }
            }
        }
        Ecosystem::Apk => {
            let v = version_id?;
            let mut parts = v.split('.');
            let (maj, min) = (parts.next()?, parts.next()?);
            Target {
                base: "Alpine",
                release: Release::Equals(format!("Alpine:v{maj}.{min}")),
            }
        }
        Ecosystem::Rpm => return None,
        e => Target {
            base: e.osv_name(),
            release: Release::Exact,
        },
    })
}

fn is_distro(e: Ecosystem) -> bool {
    matches!(e, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
}

/// OSV's range evaluation for one range. Returns whether `v` is affected
/// and, if so, the first `fixed` above it.
fn in_range(scheme: VersionScheme, v: &str, range: &Range) -> (bool, Option<String>) {
    let key = |e: &Event| -> (u8, String) {
        if let Some(i) = &e.introduced {
            return (0, i.clone());
        }
        if let Some(f) = &e.fixed {
            return (1, f.clone());
        }
        if let Some(l) = &e.last_affected {
            return (2, l.clone());
        }
        (3, e.limit.clone().unwrap_or_default())
    };
    let mut events: Vec<(u8, String)> = range.events.iter().map(key).collect();
    events.sort_by(|a, b| {
        let zero = |x: &(u8, String)| x.0 == 0 && x.1 == "0";
        match (zero(a), zero(b)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => scheme.compare(&a.1, &b.1).then(a.0.cmp(&b.0)),
        }
    });
    let mut affected = false;
    for (kind, ver) in &events {
        match kind {
            0 => {
                if ver == "0" || scheme.compare(v, ver) != Ordering::Less {
                    affected = true;
                }
            }
            1 | 3 => {
                if scheme.compare(v, ver) != Ordering::Less {
                    affected = false;
                }
            }
            _ => {
                if scheme.compare(v, ver) == Ordering::Greater {
                    affected = false;
                }
            }
        }
    }
    if !affected {
        return (false, None);
    }
    let fixed = events
        .iter()
        .filter(|(k, f)| *k == 1 && scheme.compare(f, v) == Ordering::Greater)
        .map(|(_, f)| f)
        .min_by(|a, b| scheme.compare(a, b))
        .cloned();
    (true, fixed)
}

struct Hit {
    fixed: Option<String>,
    distro_severity: Option<String>,
}

struct VulnRow {
    aliases: Vec<String>,
    severity: Option<String>,
    cvss_vector: Option<String>,
    cvss_score: Option<f64>,
    summary: Option<String>,
    url: String,
    idents: BTreeSet<String>,
}

fn sev_rank(s: Option<&str>) -> u8 {
    match s {
        Some("critical") => 5,
        Some("high") => 4,
        Some("medium") => 3,
        Some("low") => 2,
        Some("negligible") => 1,
        _ => 0,
    }
}

/// Matches packages against the database; see the module docs for the
/// rules. Output is sorted by package index, then IDs.
///
/// # Errors
/// SQLite errors.
pub fn match_packages(
    db: &Db,
    distro: Option<&Distro>,
    packages: &[Package],
) -> Result<Vec<VulnMatch>, Error> {
    let e = |source| Error::Sqlite {
        path: db.path.clone(),
        source,
    };
    let mut find = db
        .conn
        .prepare_cached(
            "SELECT a.vuln_id, a.ecosystem, a.ranges, a.versions, a.severity FROM affected a \
             JOIN vulns v ON v.id = a.vuln_id \
             WHERE a.eco_base = ?1 AND a.name = ?2 AND (?3 IS NULL OR a.ecosystem = ?3) AND v.withdrawn = 0",
        )
        .map_err(e)?;
    let mut get_vuln = db
        .conn
        .prepare_cached("SELECT aliases, severity, cvss_vector, cvss_score, summary, url FROM vulns WHERE id = ?1")
        .map_err(e)?;
    let mut get_ids = db
        .conn
        .prepare_cached("SELECT id FROM ids WHERE vuln_id = ?1")
        .map_err(e)?;
    let mut vuln_cache: BTreeMap<String, VulnRow> = BTreeMap::new();
    let mut out = Vec::new();
    for (index, pkg) in packages.iter().enumerate() {
        let Some(t) = target(pkg, distro) else {
            continue;
        };
        let scheme = VersionScheme::for_ecosystem(pkg.ecosystem);
        let (name, installed) = if is_distro(pkg.ecosystem) {
            (
                pkg.source_name.as_deref().unwrap_or(&pkg.name),
                pkg.source_version.as_deref().unwrap_or(&pkg.version),
            )
        } else {
            (pkg.name.as_str(), pkg.version.as_str())
        };
        let norm = normalize_name(t.base, name);
        let rows = find
            .query_map(rusqlite::params![t.base, norm, t.release.exact()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(e)?;
        let mut hits: BTreeMap<String, Hit> = BTreeMap::new();
        for row in rows {
            let (vuln_id, ecosystem, ranges, versions, severity) = row.map_err(e)?;
            if !t.release.accepts(t.base, &ecosystem) {
                continue;
            }
            let ranges: Vec<Range> = serde_json::from_str(&ranges).unwrap_or_default();
            let versions: Vec<String> = serde_json::from_str(&versions).unwrap_or_default();
            let mut affected = versions
                .iter()
                .any(|v| scheme.compare(v, installed) == Ordering::Equal);
            let mut fixed = None;
            for r in &ranges {
                let (a, f) = in_range(scheme, installed, r);
                if a {
                    affected = true;
                    if f.is_some() {
                        fixed = f;
                    }
                }
            }
            if !affected {
                continue;
            }
            let hit = hits.entry(vuln_id).or_insert(Hit {
                fixed: None,
                distro_severity: None,
            });
            hit.fixed = max_version(scheme, hit.fixed.take(), fixed);
            if hit.distro_severity.is_none() {
                hit.distro_severity = severity;
            }
        }
        if hits.is_empty() {
            continue;
        }
        for id in hits.keys() {
            if vuln_cache.contains_key(id) {
                continue;
            }
            let mut row = get_vuln
                .query_row([id], |r| {
                    Ok(VulnRow {
                        aliases: serde_json::from_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                        severity: r.get(1)?,
                        cvss_vector: r.get(2)?,
                        cvss_score: r.get(3)?,
                        summary: r.get(4)?,
                        url: r.get(5)?,
                        idents: BTreeSet::new(),
                    })
                })
                .map_err(e)?;
            row.idents = get_ids
                .query_map([id], |r| r.get::<_, String>(0))
                .map_err(e)?
                .collect::<Result<_, _>>()
                .map_err(e)?;
            row.idents.insert(id.clone());
            vuln_cache.insert(id.clone(), row);
        }
        // Union records that share an identifier.
        let ids: Vec<&String> = hits.keys().collect();
        let mut group: Vec<usize> = (0..ids.len()).collect();
        fn root(g: &mut [usize], mut i: usize) -> usize {
            while g[i] != i {
                g[i] = g[g[i]];
                i = g[i];
            }
            i
        }
        for i in 0..ids.len() {
            for j in i + 1..ids.len() {
                let (a, b) = (&vuln_cache[ids[i]].idents, &vuln_cache[ids[j]].idents);
                if a.intersection(b).next().is_some() {
                    let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                    group[rj] = ri;
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<&String>> = BTreeMap::new();
        for (i, id) in ids.iter().enumerate() {
            let r = root(&mut group, i);
            groups.entry(r).or_default().push(*id);
        }
        for members in groups.into_values() {
            let mut m = VulnMatch {
                ids: members.iter().map(|s| (*s).clone()).collect(),
                aliases: Vec::new(),
                package_index: index,
                package: name.to_owned(),
                ecosystem: pkg.ecosystem,
                installed: installed.to_owned(),
                fixed: None,
                severity: None,
                cvss_score: None,
                cvss_vector: None,
                summary: None,
                url: String::new(),
            };
            let mut aliases = BTreeSet::new();
            let mut distro_sev: Option<String> = None;
            for id in &members {
                let v = &vuln_cache[*id];
                let h = &hits[*id];
                aliases.extend(v.idents.iter().cloned());
                aliases.extend(v.aliases.iter().cloned());
                m.fixed = max_version(scheme, m.fixed.take(), h.fixed.clone());
                if sev_rank(h.distro_severity.as_deref()) > sev_rank(distro_sev.as_deref())
                    || distro_sev.is_none()
                {
                    distro_sev = h.distro_severity.clone().or(distro_sev);
                }
                if sev_rank(v.severity.as_deref()) > sev_rank(m.severity.as_deref()) {
                    m.severity = v.severity.clone();
                }
                if v.cvss_score.unwrap_or(-1.0) > m.cvss_score.unwrap_or(-1.0) {
                    m.cvss_score = v.cvss_score;
                    m.cvss_vector = v.cvss_vector.clone();
                }
                if m.summary.is_none() {
                    m.summary = v.summary.clone().filter(|s| !s.is_empty());
                }
                if m.url.is_empty() {
                    m.url = v.url.clone();
                }
            }
            if is_distro(pkg.ecosystem) && distro_sev.is_some() {
                m.severity = distro_sev;
            }
            for id in &m.ids {
                aliases.remove(id);
            }
            m.aliases = aliases.into_iter().collect();
            out.push(m);
        }
    }
    Ok(out)
}

fn max_version(scheme: VersionScheme, a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if scheme.compare(&a, &b) == Ordering::Less {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(events: &[(&str, &str)]) -> Range {
        Range {
            kind: "ECOSYSTEM".into(),
            events: events
                .iter()
                .map(|(k, v)| {
                    let v = Some((*v).to_owned());
                    match *k {
                        "introduced" => Event {
                            introduced: v,
                            ..Event::default()
                        },
                        "fixed" => Event {
                            fixed: v,
                            ..Event::default()
                        },
                        "last_affected" => Event {
                            last_affected: v,
                            ..Event::default()
                        },
                        _ => Event {
                            limit: v,
                            ..Event::default()
                        },
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn ranges() {
        let s = VersionScheme::Pep440;
        let r = range(&[("introduced", "0"), ("fixed", "1.5")]);
        assert_eq!(in_range(s, "1.4", &r), (true, Some("1.5".into())));
        assert_eq!(in_range(s, "1.5", &r), (false, None));
        let r = range(&[
            ("introduced", "1.0"),
            ("fixed", "1.2"),
            ("introduced", "2.0"),
            ("fixed", "2.1"),
        ]);
        assert!(!in_range(s, "0.9", &r).0);
        assert_eq!(in_range(s, "2.0.5", &r), (true, Some("2.1".into())));
        assert!(!in_range(s, "1.5", &r).0);
        let r = range(&[("introduced", "0"), ("last_affected", "3.0")]);
        assert_eq!(in_range(s, "3.0", &r), (true, None));
        assert!(!in_range(s, "3.0.1", &r).0);
        let r = range(&[("introduced", "0"), ("limit", "2.0")]);
        assert!(in_range(s, "1.0", &r).0);
        assert!(!in_range(s, "2.0", &r).0);
    }
}
