//! `pare sbom --format table`: one row per package.

use crate::table::Table;
use pare_findings::Package;

/// Name, version, type (with `(dev)` for development dependencies), layer
/// and first location of every package.
#[must_use]
pub fn render(packages: &[Package]) -> String {
    let mut t = Table::new(&["NAME", "VERSION", "TYPE", "LAYER", "LOCATION"]);
    for p in packages {
        t.row(vec![
            p.name.clone(),
            p.version.clone(),
            if p.dev {
                format!("{} (dev)", p.ecosystem)
            } else {
                p.ecosystem.to_string()
            },
            p.layer
                .as_ref()
                .map_or_else(|| "-".to_string(), |l| l.index.to_string()),
            p.locations.first().cloned().unwrap_or_default(),
        ]);
    }
    t.render(false, true)
}
