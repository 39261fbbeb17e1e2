//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>).
//!
//! Each package is a `library` component with its PURL, its declared
//! licenses ([`licenses`]) and pare's facts as properties:
//! `pare:layer:index`, `pare:layer:diffId`, `pare:location`,
//! `pare:cataloger`, `pare:source:name`, `pare:source:version`, and the
//! CycloneDX taxonomy's `cdx:npm:package:development` for npm dev
//! dependencies. The image is `metadata.component` (type `container`) and
//! the OS, when known, an `operating-system` component.

use super::license::{classify, Declared};
use super::SbomDoc;
use serde_json::{json, Map, Value};

/// The SPDX identifiers CycloneDX 1.6's `spdx.schema.json` enumerates
/// (SPDX license list 3.24.0, as the vendored schema in
/// `crates/pare/tests/data/schemas` has it; one per line, sorted). A newer
/// identifier in `license.id` fails validation against the official schema,
/// so those are written as names.
const SCHEMA_IDS: &str = include_str!("cyclonedx-spdx-ids.txt");

/// Whether the CycloneDX schema accepts `id` in `license.id`.
fn schema_knows(id: &str) -> bool {
    static IDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| SCHEMA_IDS.lines().collect())
        .binary_search(&id)
        .is_ok()
}

/// A component's `licenses`, as CycloneDX 1.6 allows them: either a list of
/// `license` objects or a single `expression`, never both.
///
/// - only SPDX identifiers: one `{"license": {"id"}}` each (a name for an
///   identifier newer than the schema's list);
/// - SPDX identifiers and expressions, no names: one `{"expression"}`
///   joining them with `AND` (each declared license applies);
/// - any name: one `{"license": {"name"}}` per name, `{"license": {"id"}}`
///   per identifier, and each expression as a name (the schema cannot mix
///   the two forms; syft does the same).
#[must_use]
pub fn licenses(values: &[String]) -> Option<Value> {
    if values.is_empty() {
        return None;
    }
    let classes: Vec<Declared<'_>> = values.iter().map(|v| classify(v)).collect();
    let has_name = classes.iter().any(|c| matches!(c, Declared::Name(_)));
    let has_expr = classes.iter().any(|c| matches!(c, Declared::Expression(_)));
    if has_expr && !has_name {
        let parts: Vec<String> = classes
            .iter()
            .map(|c| match c {
                Declared::Expression(e) if classes.len() > 1 => format!("({e})"),
                other => other.text().to_string(),
            })
            .collect();
        return Some(json!([{"expression": parts.join(" AND ")}]));
    }
    Some(Value::Array(
        classes
            .iter()
            .map(|c| match c {
                Declared::Id(id) if schema_knows(id) => json!({"license": {"id": id}}),
                other => json!({"license": {"name": other.text()}}),
            })
            .collect(),
    ))
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

/// Render the document.
#[must_use]
pub fn render(doc: &SbomDoc<'_>) -> Value {
    let mut components: Vec<Value> = Vec::with_capacity(doc.packages.len() + 1);
    if let Some(d) = doc.distro {
        let mut c = Map::new();
        c.insert("bom-ref".into(), json!(format!("os:{}", d.id)));
        c.insert("type".into(), json!("operating-system"));
        c.insert("name".into(), json!(d.id));
        if let Some(v) = &d.version_id {
            c.insert("version".into(), json!(v));
        }
        if let Some(p) = &d.pretty_name {
            c.insert("description".into(), json!(p));
        }
        components.push(Value::Object(c));
    }
    let mut seen = std::collections::HashSet::new();
    for p in doc.packages {
        let loc = p.locations.first().map_or("", String::as_str);
        let mut bom_ref = format!("{}#{loc}", p.purl);
        let mut n = 1;
        while !seen.insert(bom_ref.clone()) {
            n += 1;
            bom_ref = format!("{}#{loc}#{n}", p.purl);
        }
        let mut props = vec![prop("pare:cataloger", p.cataloger)];
        if let Some(l) = &p.layer {
            props.push(prop("pare:layer:index", l.index.to_string()));
            props.push(prop("pare:layer:diffId", l.diff_id.clone()));
        }
        for l in &p.locations {
            props.push(prop("pare:location", l.clone()));
        }
        if let Some(s) = &p.source_name {
            props.push(prop("pare:source:name", s.clone()));
        }
        if let Some(s) = &p.source_version {
            props.push(prop("pare:source:version", s.clone()));
        }
        if let Some(a) = &p.arch {
            props.push(prop("pare:arch", a.clone()));
        }
        if p.dev {
            props.push(prop("cdx:npm:package:development", "true"));
        }
        let mut c = Map::new();
        c.insert("bom-ref".into(), json!(bom_ref));
        c.insert("type".into(), json!("library"));
        c.insert("name".into(), json!(p.name));
        if !p.version.is_empty() {
            c.insert("version".into(), json!(p.version));
        }
        if let Some(l) = licenses(&p.licenses) {
            c.insert("licenses".into(), l);
        }
        c.insert("purl".into(), json!(p.purl));
        c.insert("properties".into(), Value::Array(props));
        components.push(Value::Object(c));
    }
    let mut image = Map::new();
    image.insert("bom-ref".into(), json!("image"));
    image.insert("type".into(), json!("container"));
    image.insert("name".into(), json!(doc.name));
    if let Some(d) = doc.digest {
        image.insert("version".into(), json!(d));
    }
    let mut metadata = Map::new();
    if let Some(t) = doc.created {
        metadata.insert("timestamp".into(), json!(t));
    }
    metadata.insert(
        "tools".into(),
        json!({"components": [{"type": "application", "name": "pare", "version": doc.tool_version}]}),
    );
    metadata.insert("component".into(), Value::Object(image));
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": Value::Object(metadata),
        "components": components,
    })
}

#[cfg(test)]
mod tests {
    use super::licenses;
    use serde_json::json;

    fn l(v: &[&str]) -> serde_json::Value {
        licenses(&v.iter().map(ToString::to_string).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn license_forms() {
        assert_eq!(l(&["MIT"]), json!([{"license": {"id": "MIT"}}]));
        assert_eq!(
            l(&["GPL-2.0-only", "BSD-3-Clause"]),
            json!([{"license": {"id": "GPL-2.0-only"}}, {"license": {"id": "BSD-3-Clause"}}])
        );
        assert_eq!(
            l(&["MIT OR Apache-2.0"]),
            json!([{"expression": "MIT OR Apache-2.0"}])
        );
        assert_eq!(
            l(&["MIT OR Apache-2.0", "Zlib"]),
            json!([{"expression": "(MIT OR Apache-2.0) AND Zlib"}])
        );
        assert_eq!(
            l(&["GPL-2.0-only", "public-domain", "MIT OR Apache-2.0"]),
            json!([
                {"license": {"id": "GPL-2.0-only"}},
                {"license": {"name": "public-domain"}},
                {"license": {"name": "MIT OR Apache-2.0"}}
            ])
        );
        assert!(licenses(&[]).is_none());
        // SMAIL-GPL is on the SPDX list since 3.25, after the schema's 3.24.
        assert_eq!(
            l(&["SMAIL-GPL", "MIT"]),
            json!([{"license": {"name": "SMAIL-GPL"}}, {"license": {"id": "MIT"}}])
        );
    }

    /// The embedded list is the vendored schema's enum, sorted.
    #[test]
    fn schema_ids_match_the_vendored_schema() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../pare/tests/data/schemas/spdx.SNAPSHOT.schema.json"
        );
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut ids: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let embedded: Vec<&str> = super::SCHEMA_IDS.lines().collect();
        assert_eq!(embedded, ids);
        assert!(super::schema_knows("MIT") && !super::schema_knows("SMAIL-GPL"));
    }
}
