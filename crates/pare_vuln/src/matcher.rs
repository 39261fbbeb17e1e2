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
use crate::osv::Range;
use crate::version::{Key, VersionScheme};
use pare_findings::{Distro, Ecosystem, Package};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

/// One vulnerability of one package (records for the same flaw merged).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VulnMatch {
    /// Record IDs, sorted (`CVE-...`, `GHSA-...`, `PYSEC-...`).
    pub ids: Arc<[String]>,
    /// Other identifiers the records name (aliases, upstream), sorted.
    pub aliases: Arc<[String]>,
    /// Index of the package in the slice given to [`match_packages`].
    pub package_index: usize,
    /// Package name as matched (source package for distro packages).
    pub package: Arc<str>,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Installed version as compared (source version for distro packages).
    pub installed: Arc<str>,
    /// The version that fixes it (highest across merged records), if any.
    pub fixed: Option<Arc<str>>,
    /// `critical`, `high`, `medium`, `low`, `negligible` or `unknown`; the
    /// distro's own rating for distro packages when it gives one.
    pub severity: Option<Arc<str>>,
    /// CVSS base score (highest across merged records).
    pub cvss_score: Option<f64>,
    /// The CVSS vector the score comes from.
    pub cvss_vector: Option<Arc<str>>,
    /// Summary of the first record that has one.
    pub summary: Option<Arc<str>>,
    /// Advisory link.
    pub url: Arc<str>,
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

/// An ecosystem of the image that the database cannot speak about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// How many of the image's packages are in it.
    pub packages: usize,
    /// Why nothing can match them.
    pub reason: String,
}

/// For each ecosystem among `packages`, whether the database holds any
/// advisory that could match them: a release to match distro packages
/// against, and affected entries of that ecosystem (and release). A scan
/// that finds nothing where nothing could be found is not a clean scan.
///
/// # Errors
/// SQLite errors.
pub fn coverage_gaps(
    db: &Db,
    distro: Option<&Distro>,
    packages: &[Package],
) -> Result<Vec<CoverageGap>, Error> {
    let e = |source| Error::Sqlite {
        path: db.path.clone(),
        source,
    };
    let mut by_eco: BTreeMap<Ecosystem, (usize, Option<Target>)> = BTreeMap::new();
    for p in packages {
        let slot = by_eco.entry(p.ecosystem).or_insert((0, None));
        slot.0 += 1;
        if slot.1.is_none() {
            slot.1 = target(p, distro);
        }
    }
    let mut releases = db
        .conn
        .prepare_cached("SELECT DISTINCT ecosystem FROM affected WHERE eco_base = ?1")
        .map_err(e)?;
    let mut gaps = Vec::new();
    for (eco, (n, target)) in by_eco {
        let reason = match target {
            None if eco == Ecosystem::Rpm => {
                Some("pare does not match RPM packages against advisories yet".to_string())
            }
            None => Some(format!(
                "the image's OS release ({}) gives no release to match {} packages against",
                distro.map_or_else(
                    || "none".to_string(),
                    |d| format!(
                        "{} {}",
                        d.id,
                        d.version_id.as_deref().unwrap_or("without a version")
                    )
                ),
                eco
            )),
            Some(t) => {
                let ecosystems: Vec<String> = releases
                    .query_map([t.base], |r| r.get::<_, String>(0))
                    .map_err(e)?
                    .collect::<Result<_, _>>()
                    .map_err(e)?;
                if ecosystems.is_empty() {
                    Some(format!("the database holds no {} advisories", t.base))
                } else if !ecosystems.iter().any(|x| t.release.accepts(t.base, x)) {
                    Some(format!(
                        "the database holds {} advisories, none for this release ({})",
                        t.base,
                        match &t.release {
                            Release::Equals(r) => r.clone(),
                            Release::Component(r) => format!("{}:{r}", t.base),
                            Release::Exact => t.base.to_string(),
                        }
                    ))
                } else {
                    None
                }
            }
        };
        if let Some(reason) = reason {
            gaps.push(CoverageGap {
                ecosystem: eco,
                packages: n,
                reason,
            });
        }
    }
    Ok(gaps)
}

fn is_distro(e: Ecosystem) -> bool {
    matches!(e, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
}

/// One range event with its version parsed once.
#[derive(Debug, Clone)]
struct KEvent {
    /// 0 introduced, 1 fixed, 2 last_affected, 3 limit (OSV's tie order).
    kind: u8,
    /// `introduced: "0"`: sorts first, always passed.
    zero: bool,
    key: Key,
}

/// A range with parsed events, in the order OSV sorts them.
#[derive(Debug, Clone)]
struct KRange {
    events: Vec<KEvent>,
}

impl KRange {
    fn new(scheme: VersionScheme, range: &Range) -> Self {
        let mut events: Vec<KEvent> = range
            .events
            .iter()
            .map(|e| {
                let (kind, v) = if let Some(i) = &e.introduced {
                    (0, i.as_str())
                } else if let Some(f) = &e.fixed {
                    (1, f.as_str())
                } else if let Some(l) = &e.last_affected {
                    (2, l.as_str())
                } else {
                    (3, e.limit.as_deref().unwrap_or(""))
                };
                KEvent {
                    kind,
                    zero: kind == 0 && v == "0",
                    key: Key::new(scheme, v),
                }
            })
            .collect();
        events.sort_by(event_order);
        KRange { events }
    }

    /// OSV's evaluation: walking the sorted events, `introduced` at or
    /// below `v` opens, `fixed`/`limit` at or below `v` close,
    /// `last_affected` below `v` closes. Returns whether `v` is affected
    /// and, if so, the first `fixed` above it.
    fn eval(&self, v: &Key) -> (bool, Option<&Key>) {
        let mut affected = false;
        for ev in &self.events {
            match ev.kind {
                0 => {
                    if ev.zero || *v >= ev.key {
                        affected = true;
                    }
                }
                1 | 3 => {
                    if *v >= ev.key {
                        affected = false;
                    }
                }
                _ => {
                    if *v > ev.key {
                        affected = false;
                    }
                }
            }
        }
        if !affected {
            return (false, None);
        }
        let fixed = self
            .events
            .iter()
            .filter(|e| e.kind == 1 && e.key > *v)
            .map(|e| &e.key)
            .min();
        (true, fixed)
    }
}

fn event_order(a: &KEvent, b: &KEvent) -> Ordering {
    match (a.zero, b.zero) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.key.cmp(&b.key).then(a.kind.cmp(&b.kind)),
    }
}

/// OSV's range evaluation for one range. Returns whether `v` is affected
/// and, if so, the first `fixed` above it.
#[cfg(test)]
fn in_range(scheme: VersionScheme, v: &str, range: &Range) -> (bool, Option<String>) {
    let range = KRange::new(scheme, range);
    let (a, f) = range.eval(&Key::new(scheme, v));
    (a, f.map(|k| k.as_str().to_owned()))
}

/// (OSV ecosystem base, normalised name, exact ecosystem filter).
type NameKey = (&'static str, String, Option<String>);

/// One affected row of the database, parsed for matching.
struct Candidate {
    vuln_id: String,
    ranges: Vec<KRange>,
    versions: Vec<Key>,
    severity: Option<String>,
}

struct Hit<'a> {
    fixed: Option<&'a Key>,
    distro_severity: Option<&'a str>,
}

struct VulnRow {
    id: Arc<[String]>,
    /// Identifiers and aliases other than the ID, sorted.
    others: Arc<[String]>,
    severity: Option<Arc<str>>,
    cvss_vector: Option<Arc<str>>,
    cvss_score: Option<f64>,
    summary: Option<Arc<str>>,
    url: Arc<str>,
    idents: BTreeSet<String>,
}

fn sev_rank(s: Option<&str>) -> pare_findings::VulnSeverity {
    s.and_then(pare_findings::VulnSeverity::from_label)
        .unwrap_or_default()
}

/// Matches packages against the database; see the module docs for the
/// rules. Output is sorted by package index, then IDs.
///
/// Cost: one indexed query and one parse of every candidate range per
/// distinct (ecosystem, name); one evaluation per distinct (ecosystem,
/// name, version); the merged findings of a repeated package (binary
/// packages of one source package) are copied.
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
    let mut vuln_cache: HashMap<String, VulnRow> = HashMap::new();
    // (base, normalised name, release filter) → parsed candidate rows.
    let mut candidates: HashMap<NameKey, Rc<Vec<Candidate>>> = HashMap::new();
    // (base, name, release filter, installed) → matches (package fields unset).
    let mut results: HashMap<(NameKey, String), Vec<VulnMatch>> = HashMap::new();
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
        // A package whose version is unknown (metadata without one) would
        // sort below every version and match every range: no verdict.
        if installed.trim().is_empty() {
            continue;
        }
        let norm = normalize_name(t.base, name);
        let pname: Arc<str> = Arc::from(name);
        let release = t.release.exact().map(str::to_owned);
        let result_key = (
            (t.base, norm.clone(), release.clone()),
            installed.to_owned(),
        );
        if let Some(found) = results.get(&result_key) {
            out.extend(found.iter().map(|m| VulnMatch {
                package_index: index,
                package: pname.clone(),
                ecosystem: pkg.ecosystem,
                ..m.clone()
            }));
            continue;
        }
        let cand_key = (t.base, norm, release);
        if !candidates.contains_key(&cand_key) {
            let rows = find
                .query_map(rusqlite::params![cand_key.0, cand_key.1, cand_key.2], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(e)?;
            let mut list = Vec::new();
            for row in rows {
                let (vuln_id, ecosystem, ranges, versions, severity) = row.map_err(e)?;
                if !t.release.accepts(t.base, &ecosystem) {
                    continue;
                }
                let ranges: Vec<Range> = serde_json::from_str(&ranges).unwrap_or_default();
                let versions: Vec<String> = serde_json::from_str(&versions).unwrap_or_default();
                list.push(Candidate {
                    vuln_id,
                    ranges: ranges.iter().map(|r| KRange::new(scheme, r)).collect(),
                    versions: versions.iter().map(|v| Key::new(scheme, v)).collect(),
                    severity,
                });
            }
            candidates.insert(cand_key.clone(), Rc::new(list));
        }
        let cands = Rc::clone(&candidates[&cand_key]);
        let v = Key::new(scheme, installed);
        let mut hits: BTreeMap<&str, Hit> = BTreeMap::new();
        for c in cands.iter() {
            let mut affected = false;
            let mut fixed = None;
            for r in &c.ranges {
                let (a, f) = r.eval(&v);
                if a {
                    affected = true;
                    if f.is_some() {
                        fixed = f;
                    }
                }
            }
            affected = affected || c.versions.contains(&v);
            if !affected {
                continue;
            }
            let hit = hits.entry(c.vuln_id.as_str()).or_insert(Hit {
                fixed: None,
                distro_severity: None,
            });
            hit.fixed = max_key(hit.fixed.take(), fixed);
            if hit.distro_severity.is_none() {
                hit.distro_severity = c.severity.as_deref();
            }
        }
        for id in hits.keys() {
            if vuln_cache.contains_key(*id) {
                continue;
            }
            let arc = |s: Option<String>| s.filter(|s| !s.is_empty()).map(Arc::<str>::from);
            let (aliases, mut row) = get_vuln
                .query_row([id], |r| {
                    let aliases: Vec<String> =
                        serde_json::from_str(&r.get::<_, String>(0)?).unwrap_or_default();
                    Ok((
                        aliases,
                        VulnRow {
                            id: Arc::from([(*id).to_owned()]),
                            others: Arc::from([]),
                            severity: arc(r.get(1)?),
                            cvss_vector: arc(r.get(2)?),
                            cvss_score: r.get(3)?,
                            summary: arc(r.get(4)?),
                            url: Arc::from(r.get::<_, String>(5)?),
                            idents: BTreeSet::new(),
                        },
                    ))
                })
                .map_err(e)?;
            row.idents = get_ids
                .query_map([id], |r| r.get::<_, String>(0))
                .map_err(e)?
                .collect::<Result<_, _>>()
                .map_err(e)?;
            row.idents.insert((*id).to_owned());
            let mut others: BTreeSet<&String> = row.idents.iter().chain(&aliases).collect();
            others.remove(&(*id).to_owned());
            row.others = others.into_iter().cloned().collect();
            vuln_cache.insert((*id).to_owned(), row);
        }
        let found = merge(&hits, &vuln_cache, pkg.ecosystem, t.base, installed);
        out.extend(found.iter().map(|m| VulnMatch {
            package_index: index,
            package: pname.clone(),
            ..m.clone()
        }));
        results.insert(result_key, found);
    }
    Ok(out)
}

/// Unions the hit records of one package that share an identifier into
/// findings (sorted by IDs).
fn merge(
    hits: &BTreeMap<&str, Hit>,
    vuln_cache: &HashMap<String, VulnRow>,
    ecosystem: Ecosystem,
    base: &str,
    installed: &str,
) -> Vec<VulnMatch> {
    let ids: Vec<&str> = hits.keys().copied().collect();
    let mut group: Vec<usize> = (0..ids.len()).collect();
    fn root(g: &mut [usize], mut i: usize) -> usize {
        while g[i] != i {
            g[i] = g[g[i]];
            i = g[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        for ident in &vuln_cache[*id].idents {
            match owner.get(ident.as_str()) {
                Some(&j) => {
                    let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                    if ri != rj {
                        group[ri.max(rj)] = ri.min(rj);
                    }
                }
                None => {
                    owner.insert(ident, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let r = root(&mut group, i);
        groups.entry(r).or_default().push(id);
    }
    let mut out = Vec::with_capacity(groups.len());
    for members in groups.into_values() {
        let first = &vuln_cache[members[0]];
        let mut m = VulnMatch {
            ids: if members.len() == 1 {
                Arc::clone(&first.id)
            } else {
                members.iter().map(|s| (*s).to_owned()).collect()
            },
            aliases: Arc::from([]),
            package_index: 0,
            package: Arc::from(""),
            ecosystem,
            installed: Arc::from(installed),
            fixed: None,
            severity: None,
            cvss_score: None,
            cvss_vector: None,
            summary: None,
            url: Arc::from(""),
        };
        let mut fixed: Option<&Key> = None;
        let mut aliases = BTreeSet::new();
        let mut distro_sev: Option<&str> = None;
        for id in &members {
            let v = &vuln_cache[*id];
            let h = &hits[*id];
            if members.len() > 1 {
                aliases.extend(v.idents.iter().map(String::as_str));
                aliases.extend(v.others.iter().map(String::as_str));
            }
            fixed = max_key(fixed, h.fixed);
            if sev_rank(h.distro_severity) > sev_rank(distro_sev) || distro_sev.is_none() {
                distro_sev = h.distro_severity.or(distro_sev);
            }
            if sev_rank(v.severity.as_deref()) > sev_rank(m.severity.as_deref()) {
                m.severity.clone_from(&v.severity);
            }
            if v.cvss_score.unwrap_or(-1.0) > m.cvss_score.unwrap_or(-1.0) {
                m.cvss_score = v.cvss_score;
                m.cvss_vector.clone_from(&v.cvss_vector);
            }
            if m.summary.is_none() {
                m.summary.clone_from(&v.summary);
            }
            if m.url.is_empty() {
                m.url = Arc::clone(&v.url);
            }
        }
        m.fixed = fixed.map(|k| Arc::from(k.as_str()));
        if is_distro(ecosystem) && distro_sev.is_some() {
            m.severity = distro_sev.map(Arc::from);
        }
        m.aliases = if members.len() == 1 {
            Arc::clone(&first.others)
        } else {
            for id in &members {
                aliases.remove(id);
            }
            aliases.into_iter().map(str::to_owned).collect()
        };
        if let Some(url) = advisory_url(base, &m.ids, &m.aliases) {
            m.url = Arc::from(url);
        }
        out.push(m);
    }
    out
}

/// The page of the advisory's own source for a match in `base`: the
/// distribution's tracker for a distro package (Debian's, never the Red
/// Hat or Gentoo page the record's references happen to list first, nor
/// Alpine's when both feeds carry the same CVE ID), the language database's
/// page for a record of its own. `None` keeps the record's advisory link.
fn advisory_url(base: &str, ids: &[String], aliases: &[String]) -> Option<String> {
    let all = || ids.iter().chain(aliases);
    let cve = all().find(|i| i.starts_with("CVE-"));
    let with = |prefix: &str| ids.iter().find(|i| i.starts_with(prefix));
    Some(match base {
        "Debian" => format!(
            "https://security-tracker.debian.org/tracker/{}",
            cve.or_else(|| with("DSA-"))
                .or_else(|| with("DLA-"))
                .or_else(|| ids.first())?
        ),
        "Ubuntu" => format!(
            "https://ubuntu.com/security/{}",
            cve.or_else(|| ids.first())?
        ),
        "Alpine" => format!(
            "https://security.alpinelinux.org/vuln/{}",
            cve.or_else(|| ids.first())?
        ),
        _ => {
            if let Some(g) = with("GHSA-") {
                format!("https://github.com/advisories/{g}")
            } else if let Some(g) = with("GO-") {
                format!("https://pkg.go.dev/vuln/{g}")
            } else if let Some(r) = with("RUSTSEC-") {
                format!("https://rustsec.org/advisories/{r}.html")
            } else if let Some(p) = with("PYSEC-") {
                format!("https://osv.dev/vulnerability/{p}")
            } else {
                return None;
            }
        }
    })
}

fn max_key<'a>(a: Option<&'a Key>, b: Option<&'a Key>) -> Option<&'a Key> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a < b { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::Event;

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
    fn advisory_urls_come_from_the_matching_source() {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(
            advisory_url("Debian", &v(&["CVE-2019-3862"]), &[]).unwrap(),
            "https://security-tracker.debian.org/tracker/CVE-2019-3862"
        );
        assert_eq!(
            advisory_url("Debian", &v(&["DSA-4371-1"]), &v(&["CVE-2019-3462"])).unwrap(),
            "https://security-tracker.debian.org/tracker/CVE-2019-3462"
        );
        assert!(advisory_url("Alpine", &v(&["CVE-1"]), &[])
            .unwrap()
            .starts_with("https://security.alpinelinux.org/"));
        assert_eq!(
            advisory_url("PyPI", &v(&["GHSA-xxxx-yyyy-zzzz", "PYSEC-2023-1"]), &[]).unwrap(),
            "https://github.com/advisories/GHSA-xxxx-yyyy-zzzz"
        );
        assert_eq!(advisory_url("npm", &v(&["CVE-1"]), &[]), None);
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
