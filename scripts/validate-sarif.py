#!/usr/bin/env python3
"""Validate a SARIF file against the official SARIF 2.1.0 JSON schema
(crates/pare/tests/data/schemas/sarif-2.1.0-rtm.5.json), and against what
GitHub code scanning reads. Exit 0 when valid; otherwise print the first
errors and exit 1.

GitHub checks (https://docs.github.com/en/code-security/code-scanning/
integrating-with-code-scanning/sarif-support-for-code-scanning):
- tool.driver has `version` and an absolute `informationUri`;
- every rule has `help.text`, `properties.tags` including `security`, and
  `properties.security-severity` as a number between 0 and 10;
- every result has `partialFingerprints`, a `ruleId` in the rule table and
  at least one location whose artifact URI is relative (no `./`, no leading
  `/`) unless it names a `uriBaseId` declared in `originalUriBaseIds`.

Usage: validate-sarif.py FILE [--schema-only]
Needs: python `jsonschema` (the /opt/pare-peers venv has it)."""
import json, pathlib, sys

import jsonschema

path = sys.argv[1]
schema_path = pathlib.Path(__file__).resolve().parent.parent / "crates/pare/tests/data/schemas/sarif-2.1.0-rtm.5.json"
schema = json.loads(schema_path.read_text())
doc = json.load(open(path))
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errs = [f"{'/'.join(map(str, e.path))}: {e.message[:200]}"
        for e in sorted(v.iter_errors(doc), key=lambda e: list(e.path))]

if "--schema-only" not in sys.argv:
    for ri, run in enumerate(doc.get("runs", [])):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("version"):
            errs.append(f"runs/{ri}/tool/driver: no version")
        if not str(driver.get("informationUri", "")).startswith(("https://", "http://")):
            errs.append(f"runs/{ri}/tool/driver: informationUri is not an absolute URL")
        bases = run.get("originalUriBaseIds", {})
        rules = {}
        for i, r in enumerate(driver.get("rules", [])):
            where = f"runs/{ri}/tool/driver/rules/{i} ({r.get('id')})"
            rules[r.get("id")] = r
            if not r.get("help", {}).get("text"):
                errs.append(f"{where}: no help.text")
            props = r.get("properties", {})
            if "security" not in props.get("tags", []):
                errs.append(f"{where}: tags lack `security`")
            s = props.get("security-severity")
            if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 <= s <= 10:
                errs.append(f"{where}: security-severity is {s!r}, not a number in 0..10")
        for i, res in enumerate(run.get("results", [])):
            where = f"runs/{ri}/results/{i} ({res.get('ruleId')})"
            if not res.get("partialFingerprints"):
                errs.append(f"{where}: no partialFingerprints")
            if res.get("ruleId") not in rules:
                errs.append(f"{where}: ruleId not in the rule table")
            locs = res.get("locations") or []
            if not locs:
                errs.append(f"{where}: no location")
            for loc in locs:
                art = loc.get("physicalLocation", {}).get("artifactLocation", {})
                uri, base = art.get("uri", ""), art.get("uriBaseId")
                if uri.startswith("./") or (uri.startswith("/") and not base):
                    errs.append(f"{where}: artifact URI `{uri}` is not relative to the repository root")
                if base and base not in bases:
                    errs.append(f"{where}: uriBaseId `{base}` is not declared in originalUriBaseIds")

for e in errs[:20]:
    print(f"{path}: {e}")
sys.exit(1 if errs else 0)
