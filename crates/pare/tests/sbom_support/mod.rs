//! Schema validation of SBOM files, shared by the sbom tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Validate with `scripts/validate-sbom.py` (official CycloneDX 1.6 schema;
/// spdx-tools for SPDX 2.3). The peers venv is required, never skipped.
pub fn validate(kind: &str, file: &Path) {
    let py = PathBuf::from("/opt/pare-peers/bin/python");
    assert!(
        py.is_file(),
        "`{}` is missing: python3 -m venv /opt/pare-peers && /opt/pare-peers/bin/pip install jsonschema cyclonedx-python-lib spdx-tools",
        py.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate-sbom.py");
    let o = Command::new(py)
        .arg(script)
        .arg(kind)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{kind} validation of {} failed:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
