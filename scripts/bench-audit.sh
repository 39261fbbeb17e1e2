#!/usr/bin/env bash
# `pare audit` of the fleet against the sum of `pare scan` of each image (issue 16's budget:
# audit wall <= sum of scans / cores + 10 %). Rounds alternate the two so drift hits both;
# reports each round's wall and CPU (user + sys) and the median ratios.
#
# Usage: scripts/bench-audit.sh [IMAGE...]   (default: the fleet images that are built)
# Env:   PARE_FLEET (default .fleet), PARE_DB (the database; required), RUNS (default 3),
#        BIN (default target/release/pare, else target/debug/pare)
set -euo pipefail
cd "$(dirname "$0")/.."
FLEET=${PARE_FLEET:-.fleet}
RUNS=${RUNS:-3}
: "${PARE_DB:?set PARE_DB to a vulnerability database (pare db import ../shared/vulndb)}"
BIN=${BIN:-target/release/pare}
[ -x "$BIN" ] || BIN=target/debug/pare
IMGS=("$@")
if ((${#IMGS[@]} == 0)); then
  for d in "$FLEET"/*/oci; do IMGS+=("$(basename "$(dirname "$d")")"); done
fi
LAYOUTS=()
for i in "${IMGS[@]}"; do
  [ -d "$FLEET/$i/oci" ] || { echo "error: fleet image \`$i\` is missing; scripts/fleet.sh $i" >&2; exit 2; }
  LAYOUTS+=("$FLEET/$i/oci")
done
CORES=$(nproc)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
echo "binary $BIN, ${#IMGS[@]} images (${IMGS[*]}), $CORES cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
  : > "$T/scan"
  for l in "${LAYOUTS[@]}"; do
    /usr/bin/time -f "%e %U %S" -a -o "$T/scan" "$BIN" scan --db "$PARE_DB" --format json "$l" >/dev/null 2>&1 || true
  done
  /usr/bin/time -f "%e %U %S" -o "$T/audit" "$BIN" audit --db "$PARE_DB" --format json "${LAYOUTS[@]}" >/dev/null 2>&1
  sw=$(awk '{w+=$1} END{print w}' "$T/scan"); sc=$(awk '{c+=$2+$3} END{print c}' "$T/scan")
  aw=$(awk '{print $1}' "$T/audit"); ac=$(awk '{print $2+$3}' "$T/audit")
  awk -v r="$r" -v sw="$sw" -v sc="$sc" -v aw="$aw" -v ac="$ac" -v n="$CORES" 'BEGIN{
    printf "round %d: scans wall %.2f s cpu %.2f s | audit wall %.2f s cpu %.2f s | audit wall / (scans wall / %d) = %.2f, audit cpu / scans cpu = %.2f\n",
      r, sw, sc, aw, ac, n, aw/(sw/n), ac/sc }' | tee -a "$T/rounds"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
