#!/usr/bin/env python3
"""Validate an SBOM file: CycloneDX against the official 1.6 JSON schema
(shipped in crates/pare/tests/data/schemas, from cyclonedx-python-lib), SPDX
with spdx-tools' validator (pyspdxtools, which checks the SPDX 2.3 spec,
schema included). Exit 0 when valid; otherwise print the errors, exit 1.

Usage: validate-sbom.py cyclonedx|spdx FILE
Needs: /opt/pare-peers venv (pip install jsonschema cyclonedx-python-lib spdx-tools)."""
import json, pathlib, subprocess, sys

kind, path = sys.argv[1], sys.argv[2]
if kind == "cyclonedx":
    import jsonschema
    from referencing import Registry, Resource
    d = pathlib.Path(__file__).resolve().parent.parent / "crates/pare/tests/data/schemas"
    schemas = {p.name: json.loads(p.read_text()) for p in d.glob("*.json")}
    # The bom schema refers to `spdx.SNAPSHOT.schema.json` relative to its
    # own $id (http://cyclonedx.org/schema/...), so register each file under
    # that base too; otherwise a `license.id` could never be checked.
    base = "http://cyclonedx.org/schema/"
    reg = Registry().with_resources(
        [(name, Resource.from_contents(s)) for name, s in schemas.items()]
        + [(base + name, Resource.from_contents(s)) for name, s in schemas.items()]
        + [(s["$id"], Resource.from_contents(s)) for s in schemas.values() if "$id" in s]
    )
    schema = schemas["bom-1.6.SNAPSHOT.schema.json"]
    v = jsonschema.Draft7Validator(schema, registry=reg, format_checker=jsonschema.FormatChecker())
    errs = sorted(v.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    for e in errs[:20]:
        print(f"{path}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
    sys.exit(1 if errs else 0)
elif kind == "spdx":
    exe = pathlib.Path(sys.executable).parent / "pyspdxtools"
    r = subprocess.run([str(exe), "-i", path, "--novalidation"] if False else [str(exe), "-i", path], capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0 or "error" in out.lower() or "invalid" in out.lower():
        print(out[:4000])
        sys.exit(1)
    sys.exit(0)
else:
    sys.exit(f"unknown kind {kind}")
