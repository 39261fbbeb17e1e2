#!/usr/bin/env bash
# Overhead of reachability on the SBOM pipeline: index + catalog an image
# without, then with, the reachability capture globs, probes and
# `reach::analyze` (crates/pare_reach/examples/reach_bench.rs). Reports
# CPU time and wall time (`perf stat -r`, when perf is installed) and the
# example's own interleaved medians.
#
# Usage: scripts/bench-reach.sh [IMAGE]   (default: fat, the >=600 MB fleet image)
# Env:   PARE_FLEET (default .fleet), RUNS (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-fat}
FLEET=${PARE_FLEET:-.fleet}
RUNS=${RUNS:-7}
TAR="$FLEET/$IMG/docker.tar"
[ -f "$TAR" ] || { echo "error: fleet image \`$IMG\` is missing at \`$TAR\`" >&2; echo "hint: scripts/fleet.sh $IMG" >&2; exit 2; }
cargo build --release -q -p pare_reach --example reach_bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/reach_bench
"$BIN" "docker-archive:$TAR" "$RUNS"
if command -v perf >/dev/null; then
  for mode in without with; do
    printf '%-8s ' "$mode"
    perf stat -r "$RUNS" "$BIN" "docker-archive:$TAR" 1 "$mode" 2>&1 \
      | awk '/task-clock/{cpu=$1} /elapsed/{wall=$1; pm=$3} END{printf "cpu %s ms  wall %s s (+- %s)\n", cpu, wall, pm}'
  done
fi
