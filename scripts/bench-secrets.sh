#!/usr/bin/env bash
# Benchmarks what the secrets analysis costs `pare inspect` (issue 20): `pare inspect` (secrets
# on, the default) against `pare inspect --no-secrets` on the same real image in each transport,
# warm page cache, median of RUNS interleaved rounds (scripts/interleave.py), plus peak RSS and
# `pare secrets` alone. The target is secrets/no-secrets <= 1.3.
#
#   scripts/bench-secrets.sh [FLEET_IMAGE...]     default: fat
#
# Needs: a release build (built here), python3, jq.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
FLEET=${PARE_FLEET:-$REPO/.fleet}
RUNS=${RUNS:-5}
cargo build --release -q -p pare --bin pare
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
PARE=$TARGET/release/pare
IMAGES=("$@")
((${#IMAGES[@]})) || IMAGES=(fat)

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

printf '| image | transport | inspect --no-secrets | inspect (secrets) | secrets / no-secrets | peak RSS (no / with) | pare secrets |\n'
printf '|---|---|---|---|---|---|---|\n'
for img in "${IMAGES[@]}"; do
  d=$FLEET/$img
  [[ -f $d/facts.json ]] || { echo "missing fleet image $img: run scripts/fleet.sh $img" >&2; exit 2; }
  for t in docker.tar oci oci-zstd; do
    [[ -e $d/$t ]] || continue
    out=$(scripts/interleave.py "$RUNS" \
      "$(q "$PARE") inspect --format json --no-secrets $(q "$d/$t")" \
      "$(q "$PARE") inspect --format json $(q "$d/$t")" \
      "$(q "$PARE") secrets --format json $(q "$d/$t")")
    { read -r nw nr _; read -r sw sr _; read -r xw _; } <<<"$out"
    printf '| %s | %s | %ss | %ss | %s | %s / %s MB | %ss |\n' "$img" "$t" "$nw" "$sw" "$(ratio "$sw" "$nw")" \
      "$nr" "$sr" "$xw"
  done
done
