//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).
//!
//! The image is a package (`SPDXRef-Image`) that the document `DESCRIBES`
//! and that `CONTAINS` every catalogued package. Each package carries its
//! PURL as a `PACKAGE-MANAGER` external reference, its declared license
//! when it is a plain SPDX expression (otherwise `NOASSERTION`, with the
//! declared text in `licenseComments`), and the layer and locations in
//! `sourceInfo`.
//!
//! SPDX requires `creationInfo.created`. Without `--timestamp`, pare writes
//! the Unix epoch, so that the document stays a pure function of the image.

use super::SbomDoc;
use serde_json::{json, Map, Value};
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

/// Whether `s` is a simple SPDX license expression (ids joined by `AND`,
/// `OR`, `WITH`), the only form pare passes through.
fn is_spdx_expression(s: &str) -> bool {
    let mut expect_id = true;
    for tok in s.split_whitespace() {
        let tok = tok.trim_matches(|c| c == '(' || c == ')');
        if expect_id {
            if tok.is_empty()
                || !tok
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
            {
                return false;
            }
        } else if !matches!(tok, "AND" | "OR" | "WITH") {
            return false;
        }
        expect_id = !expect_id;
    }
    !expect_id
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
    for (i, p) in doc.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{i}",
            p.ecosystem.as_str(),
            spdx_id_part(&p.name)
        );
        let declared = match p.licenses.as_slice() {
            [] => "NOASSERTION".to_string(),
            ls if ls.iter().all(|l| is_spdx_expression(l)) => {
                if ls.len() == 1 {
                    ls[0].clone()
                } else {
                    ls.iter()
                        .map(|l| format!("({l})"))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                }
            }
            _ => "NOASSERTION".to_string(),
        };
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
        m.insert("versionInfo".into(), json!(p.version));
        m.insert("downloadLocation".into(), json!("NOASSERTION"));
        m.insert("filesAnalyzed".into(), json!(false));
        m.insert("licenseConcluded".into(), json!("NOASSERTION"));
        m.insert("licenseDeclared".into(), json!(declared));
        if declared == "NOASSERTION" && !p.licenses.is_empty() {
            m.insert("licenseComments".into(), json!(p.licenses.join("; ")));
        }
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
    json!({
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
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn spdx_expressions() {
        assert!(super::is_spdx_expression("MIT"));
        assert!(super::is_spdx_expression("MIT OR Apache-2.0"));
        assert!(super::is_spdx_expression("(MIT AND BSD-3-Clause)"));
        assert!(!super::is_spdx_expression("LGPL with exceptions"));
        assert!(!super::is_spdx_expression("MIT OR"));
        assert!(!super::is_spdx_expression(""));
    }
}
