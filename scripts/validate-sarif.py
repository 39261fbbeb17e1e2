#!/usr/bin/env python3
"""Validate a SARIF file against the official SARIF 2.1.0 JSON schema
(crates/pare/tests/data/schemas/sarif-2.1.0-rtm.5.json). Exit 0 when valid;
otherwise print the first errors and exit 1.

Usage: validate-sarif.py FILE
Needs: python `jsonschema` (the /opt/pare-peers venv has it)."""
import json, pathlib, sys

import jsonschema

schema_path = pathlib.Path(__file__).resolve().parent.parent / "crates/pare/tests/data/schemas/sarif-2.1.0-rtm.5.json"
schema = json.loads(schema_path.read_text())
doc = json.load(open(sys.argv[1]))
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
for e in errs[:20]:
    print(f"{sys.argv[1]}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
sys.exit(1 if errs else 0)
