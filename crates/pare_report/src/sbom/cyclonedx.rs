//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>).
//!
//! Each package is a `library` component with its PURL, licenses (as
//! names: pare does not guess SPDX ids) and pare's facts as properties:
//! `pare:layer:index`, `pare:layer:diffId`, `pare:location`,
//! `pare:cataloger`, `pare:source:name`, `pare:source:version`, and the
//! CycloneDX taxonomy's `cdx:npm:package:development` for npm dev
//! dependencies. The image is `metadata.component` (type `container`) and
//! the OS, when known, an `operating-system` component.

use super::SbomDoc;
use serde_json::{json, Map, Value};

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
        c.insert("version".into(), json!(p.version));
        if !p.licenses.is_empty() {
            c.insert(
                "licenses".into(),
                Value::Array(
                    p.licenses
                        .iter()
                        .map(|l| json!({"license": {"name": l}}))
                        .collect(),
                ),
            );
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
