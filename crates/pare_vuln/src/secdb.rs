//! Alpine's native security database (`secdb.alpinelinux.org/<rel>/<repo>.json`,
//! and the legacy YAML of the same shape), turned into OSV records.
//!
//! `packages[].pkg.secfixes` maps the first fixed apk version to the IDs it
//! fixes. The key `"0"` means "never affected" and produces nothing. An ID
//! entry may hold several tokens (`"CVE-2016-9932 XSA-200"`): the first is
//! the record's ID, the others its aliases. Each fix becomes an affected
//! entry `Alpine:<distroversion>` with the range `introduced: 0, fixed: <key>`.

use crate::osv::{Affected, AffectedPackage, Event, Range, Record};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A secdb document.
#[derive(Debug, Deserialize)]
pub struct SecDb {
    /// `v3.19`, `edge`.
    pub distroversion: String,
    /// Packages with fixes.
    #[serde(default)]
    pub packages: Vec<PkgEntry>,
}

/// `packages[]` item.
#[derive(Debug, Deserialize)]
pub struct PkgEntry {
    /// The package.
    pub pkg: Pkg,
}

/// A package and its fixes.
#[derive(Debug, Deserialize)]
pub struct Pkg {
    /// Origin (source) package name.
    pub name: String,
    /// Fixed version → IDs.
    #[serde(default)]
    pub secfixes: Option<BTreeMap<String, Option<Vec<Option<String>>>>>,
}

impl SecDb {
    /// Converts to OSV records, one per ID, sorted by ID.
    #[must_use]
    pub fn into_records(self) -> Vec<Record> {
        let ecosystem = format!("Alpine:{}", self.distroversion);
        let mut by_id: BTreeMap<String, Record> = BTreeMap::new();
        for entry in self.packages {
            let Some(fixes) = entry.pkg.secfixes else {
                continue;
            };
            for (version, ids) in fixes {
                if version == "0" {
                    continue;
                }
                for token_list in ids.into_iter().flatten().flatten() {
                    let mut tokens = token_list.split_whitespace();
                    let Some(id) = tokens.next() else { continue };
                    let rec = by_id.entry(id.to_owned()).or_insert_with(|| Record {
                        id: id.to_owned(),
                        ..Record::default()
                    });
                    for alias in tokens {
                        if !rec.aliases.iter().any(|a| a == alias) {
                            rec.aliases.push(alias.to_owned());
                        }
                    }
                    rec.affected.push(Affected {
                        package: Some(AffectedPackage {
                            ecosystem: ecosystem.clone(),
                            name: entry.pkg.name.clone(),
                            purl: None,
                        }),
                        ranges: vec![Range {
                            kind: "ECOSYSTEM".into(),
                            events: vec![
                                Event {
                                    introduced: Some("0".into()),
                                    ..Event::default()
                                },
                                Event {
                                    fixed: Some(version.clone()),
                                    ..Event::default()
                                },
                            ],
                        }],
                        ..Affected::default()
                    });
                }
            }
        }
        by_id.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_fixes_and_skips_zero() {
        let db: SecDb = serde_json::from_str(
            r#"{"distroversion":"v3.19","packages":[{"pkg":{"name":"xen","secfixes":{
            "0":["CVE-2000-1"],"4.7.1-r3":["CVE-2016-9932 XSA-200","CVE-2016-2"]}}}]}"#,
        )
        .unwrap();
        let recs = db.into_records();
        let ids: Vec<_> = recs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2016-2", "CVE-2016-9932"]);
        assert_eq!(recs[1].aliases, ["XSA-200"]);
        let aff = &recs[1].affected[0];
        assert_eq!(aff.package.as_ref().unwrap().ecosystem, "Alpine:v3.19");
        assert_eq!(aff.ranges[0].events[1].fixed.as_deref(), Some("4.7.1-r3"));
    }
}
