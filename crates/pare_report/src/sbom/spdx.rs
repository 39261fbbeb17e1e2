//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).
//!
//! The image is a package (`SPDXRef-Image`) that the document `DESCRIBES`
//! and that `CONTAINS` every catalogued package. Each package carries its
//! PURL as a `PACKAGE-MANAGER` external reference, its declared licenses
//! as one `licenseDeclared` expression (SPDX identifiers and expressions as
//! they are, joined with `AND`; any other name as a `LicenseRef-` defined in
//! the document's `hasExtractedLicensingInfos`, as SPDX 2.3 §10 requires;
//! `NOASSERTION` when the metadata declares none), and the layer and
//! locations in `sourceInfo`.
//!
//! SPDX requires `creationInfo.created`. Without `--timestamp`, pare writes
//! the Unix epoch, so that the document stays a pure function of the image.

use super::license::{classify, license_ref, Declared};
use super::SbomDoc;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `created` when the caller gave no time.
pub const EPOCH: &str = "1970-01-01T00:00:00Z";

fn spdx_id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The document's `LicenseRef-`s: idstring → the text it stands for.
#[derive(Default)]
struct Refs {
    by_id: BTreeMap<String, String>,
}

impl Refs {
    /// The `LicenseRef-` for a name, made unique per distinct text.
    fn for_name(&mut self, name: &str) -> String {
        let base = license_ref(name);
        let mut id = base.clone();
        let mut n = 1;
        loop {
            match self.by_id.get(&id) {
                Some(t) if t == name => return id,
                None => {
                    self.by_id.insert(id.clone(), name.to_string());
                    return id;
                }
                Some(_) => {
                    n += 1;
                    id = format!("{base}-{n}");
                }
            }
        }
    }

    /// Record the `LicenseRef-`s an expression uses, so each is defined.
    fn used_in(&mut self, expr: &str) {
        for tok in expr.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if tok.starts_with("LicenseRef-") {
                self.by_id
                    .entry(tok.to_string())
                    .or_insert_with(|| format!("{expr} (as declared in the package metadata)"));
            }
        }
    }
}

/// One `licenseDeclared` value for a package's declared licenses.
fn declared(licenses: &[String], refs: &mut Refs) -> String {
    if licenses.is_empty() {
        return "NOASSERTION".to_string();
    }
    let parts: Vec<String> = licenses
        .iter()
        .map(|l| match classify(l) {
            Declared::Id(id) => id.to_string(),
            Declared::Expression(e) => {
                refs.used_in(e);
                if licenses.len() > 1 && e.contains(' ') {
                    format!("({e})")
                } else {
                    e.to_string()
                }
            }
            Declared::Name(n) => refs.for_name(n),
        })
        .collect();
    parts.join(" AND ")
}

/// Render the document.
#[must_use]
pub fn render(doc: &SbomDoc<'_>) -> Value {
    let mut packages = Vec::with_capacity(doc.packages.len() + 1);
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Image",
    })];
    let mut image = Map::new();
    image.insert("name".into(), json!(doc.name));
    image.insert("SPDXID".into(), json!("SPDXRef-Image"));
    if let Some(d) = doc.digest {
        image.insert("versionInfo".into(), json!(d));
    }
    image.insert("downloadLocation".into(), json!("NOASSERTION"));
    image.insert("filesAnalyzed".into(), json!(false));
    image.insert("licenseConcluded".into(), json!("NOASSERTION"));
    image.insert("licenseDeclared".into(), json!("NOASSERTION"));
    image.insert("copyrightText".into(), json!("NOASSERTION"));
    image.insert("primaryPackagePurpose".into(), json!("CONTAINER"));
    packages.push(Value::Object(image));
    let mut refs = Refs::default();
    for (i, p) in doc.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{i}",
            p.ecosystem.as_str(),
            spdx_id_part(&p.name)
        );
        let declared = declared(&p.licenses, &mut refs);
        let mut info = String::new();
        if let Some(l) = &p.layer {
            let _ = write!(info, "layer {} ({}); ", l.index, l.diff_id);
        }
        let _ = write!(
            info,
            "found by {} at {}",
            p.cataloger,
            p.locations.join(", ")
        );
        let mut m = Map::new();
        m.insert("name".into(), json!(p.name));
        m.insert("SPDXID".into(), json!(id));
        if !p.version.is_empty() {
            m.insert("versionInfo".into(), json!(p.version));
        }
        m.insert("downloadLocation".into(), json!("NOASSERTION"));
        m.insert("filesAnalyzed".into(), json!(false));
        m.insert("licenseConcluded".into(), json!("NOASSERTION"));
        m.insert("licenseDeclared".into(), json!(declared));
        m.insert("copyrightText".into(), json!("NOASSERTION"));
        m.insert("sourceInfo".into(), json!(info));
        if let Some(s) = &p.source_name {
            m.insert(
                "comment".into(),
                json!(format!(
                    "source package {s} {}",
                    p.source_version.as_deref().unwrap_or("")
                )
                .trim_end()
                .to_string()),
            );
        }
        m.insert(
            "externalRefs".into(),
            json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl}]),
        );
        m.insert("primaryPackagePurpose".into(), json!("LIBRARY"));
        packages.push(Value::Object(m));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Image",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let ns_id = doc
        .digest
        .map_or_else(|| spdx_id_part(doc.name), |d| d.replace(':', "-"));
    let extracted: Vec<Value> = refs
        .by_id
        .iter()
        .map(|(id, text)| {
            json!({
                "licenseId": id,
                "name": text,
                "extractedText": text,
                "comment": "the license as the package metadata names it; pare keeps no license text",
            })
        })
        .collect();
    let mut out = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": doc.name,
        "documentNamespace": format!("https://pare.invalid/spdx/{}/{ns_id}", spdx_id_part(doc.name)),
        "creationInfo": {
            "created": doc.created.unwrap_or(EPOCH),
            "creators": [format!("Tool: pare-{}", doc.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !extracted.is_empty() {
        out["hasExtractedLicensingInfos"] = Value::Array(extracted);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{declared, Refs};

    fn d(v: &[&str], refs: &mut Refs) -> String {
        declared(&v.iter().map(ToString::to_string).collect::<Vec<_>>(), refs)
    }

    #[test]
    fn declared_expressions() {
        let mut r = Refs::default();
        assert_eq!(d(&[], &mut r), "NOASSERTION");
        assert_eq!(d(&["MIT"], &mut r), "MIT");
        assert_eq!(d(&["MIT OR Apache-2.0"], &mut r), "MIT OR Apache-2.0");
        assert_eq!(
            d(
                &["GPL-2.0-only", "MIT OR Apache-2.0", "public-domain"],
                &mut r
            ),
            "GPL-2.0-only AND (MIT OR Apache-2.0) AND LicenseRef-public-domain"
        );
        // A different text with the same idstring gets its own ref.
        assert_eq!(d(&["public domain"], &mut r), "LicenseRef-public-domain-2");
        assert_eq!(
            d(&["LicenseRef-Proprietary"], &mut r),
            "LicenseRef-Proprietary"
        );
        let ids: Vec<_> = r.by_id.keys().cloned().collect();
        assert_eq!(
            ids,
            [
                "LicenseRef-Proprietary",
                "LicenseRef-public-domain",
                "LicenseRef-public-domain-2"
            ]
        );
    }
}
