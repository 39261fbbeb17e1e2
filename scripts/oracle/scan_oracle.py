#!/usr/bin/env python3
"""An oracle for `pare scan`, independent of pare's matcher: which OSV records
affect an image's packages, computed from the raw OSV files in
../shared/vulndb with the reference version comparisons (`packaging.version`
for PyPI, `dpkg --compare-versions` for Debian).

Input: the image's facts.json (written by scripts/fleet.sh from `pip list`
and dpkg's database, not by pare). Output (stdout, JSON):
  {"pypi":   {"matched": {package: [record ids]}},
   "debian": {"matched": [record ids], "fixed_before_installed": [record ids]}}
"fixed_before_installed": Debian:<release> records for an installed source
package whose every range is fixed at or below the installed version.

Usage: scan_oracle.py VULNDB_DIR FACTS_JSON DEBIAN_RELEASE
Needs: python `packaging`, `dpkg`."""
import json, pathlib, re, subprocess, sys
from functools import lru_cache

from packaging.version import InvalidVersion, Version

vulndb, facts_path, release = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
facts = json.load(open(facts_path))


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=None)
def dpkg_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def affected(ranges, versions, installed, lt):
    if installed in (versions or []):
        return True
    for r in ranges or []:
        if r.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        # Walk the events in order: introduced opens, fixed/last_affected close.
        hit = False
        for ev in r.get("events", []):
            if "introduced" in ev:
                i = ev["introduced"]
                if i == "0" or not lt(installed, i):
                    hit = True
            elif "fixed" in ev:
                if hit and not lt(installed, ev["fixed"]):
                    hit = False
            elif "last_affected" in ev:
                if hit and lt(ev["last_affected"], installed):
                    hit = False
        if hit:
            return True
    return False


def records(*dirs):
    for d in dirs:
        for p in sorted((vulndb / d).rglob("*.json")):
            try:
                rec = json.loads(p.read_text())
            except ValueError:
                continue
            if isinstance(rec, dict) and "id" in rec and not rec.get("withdrawn"):
                yield rec


out = {"pypi": {"matched": {}}, "debian": {"matched": [], "fixed_before_installed": []}}

pip = {pep503(p["name"]): p["version"] for p in facts.get("python_packages", [])}
if pip:

    def pep_lt(a, b):
        try:
            return Version(a) < Version(b)
        except InvalidVersion:
            return False

    for rec in records("osv-pypi", "ghsa-pypi"):
        for a in rec.get("affected", []):
            pkg = a.get("package", {})
            if pkg.get("ecosystem") != "PyPI":
                continue
            name = pep503(pkg.get("name", ""))
            if name in pip and affected(a.get("ranges"), a.get("versions"), pip[name], pep_lt):
                out["pypi"]["matched"].setdefault(name, []).append(rec["id"])

debs = {}
for p in facts.get("deb_packages", []):
    # A binNMU (`+bN`) binary keeps its source's version without the suffix.
    debs[p.get("source") or p["name"]] = re.sub(r"\+b\d+$", "", p["version"])
if debs:
    eco = f"Debian:{release}"
    for rec in records("osv-debian"):
        for a in rec.get("affected", []):
            pkg = a.get("package", {})
            if pkg.get("ecosystem") != eco or pkg.get("name") not in debs:
                continue
            installed = debs[pkg["name"]]
            if affected(a.get("ranges"), a.get("versions"), installed, dpkg_lt):
                out["debian"]["matched"].append(rec["id"])
            else:
                fixes = [ev["fixed"] for r in a.get("ranges", []) for ev in r.get("events", []) if "fixed" in ev]
                if fixes and all(not dpkg_lt(installed, f) for f in fixes):
                    out["debian"]["fixed_before_installed"].append(rec["id"])

for v in out["pypi"]["matched"].values():
    v.sort()
out["debian"]["matched"] = sorted(set(out["debian"]["matched"]))
out["debian"]["fixed_before_installed"] = sorted(set(out["debian"]["fixed_before_installed"]))
json.dump(out, sys.stdout, indent=1, sort_keys=True)
