#!/usr/bin/env bash
# The shipped binary against another build, side by side: `pare inspect` and `pare sbom` of the
# fleet's `fat` image (docker-archive and OCI zstd), figures in BENCHMARKS.md.
#
#   scripts/bench-dist.sh BASELINE CANDIDATE [RUNS]
#   e.g. scripts/bench-dist.sh target/release/pare target/x86_64-unknown-linux-musl/dist/pare 9
#
# Wall: scripts/interleave.py (median of RUNS interleaved rounds, peak RSS). CPU: the median
# user+sys seconds of RUNS more runs of each (alternating) under /usr/bin/time, which a busy shared machine
# disturbs less than wall time. ratio = candidate CPU / baseline CPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
base=${1:?usage: bench-dist.sh BASELINE CANDIDATE [RUNS]}
cand=${2:?usage: bench-dist.sh BASELINE CANDIDATE [RUNS]}
RUNS=${3:-9}
FLEET=${PARE_FLEET:-.fleet}
[[ -f $FLEET/fat/.stamp ]] || { echo "bench-dist.sh: $FLEET/fat missing: scripts/fleet.sh fat" >&2; exit 2; }
for b in "$base" "$cand"; do [[ -x $b ]] || { echo "bench-dist.sh: \`$b\` is not an executable" >&2; exit 2; }; done

tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
cpu_of() { /usr/bin/time -f '%U %S' -o "$tfile" "$@" >/dev/null 2>&1 || true; awk '{print $1 + $2}' "$tfile"; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# cpu CMD REF: "BASE CAND", the median user+sys seconds of each over RUNS alternating runs
cpu() {
  local i b=() c=()
  for ((i = 0; i < RUNS; i++)); do
    b+=("$(cpu_of "$base" "$1" "$2")")
    c+=("$(cpu_of "$cand" "$1" "$2")")
  done
  echo "$(printf '%s\n' "${b[@]}" | median) $(printf '%s\n' "${c[@]}" | median)"
}

printf '%-8s %-10s %22s %22s %8s %8s %6s\n' command source "wall base (RSS MB)" "wall cand (RSS MB)" "cpu base" "cpu cand" "ratio"
for cmd in inspect sbom; do
  for src in docker.tar oci-zstd; do
    ref=$FLEET/fat/$src
    [[ $src == oci-zstd ]] && ref=oci:$ref
    mapfile -t w < <(scripts/interleave.py "$RUNS" "$base $cmd $ref" "$cand $cmd $ref")
    read -r cb cc <<<"$(cpu "$cmd" "$ref")"
    read -r wb rb _ <<<"${w[0]}"
    read -r wc rc _ <<<"${w[1]}"
    printf '%-8s %-10s %15s (%4s) %15s (%4s) %8s %8s %6s\n' "$cmd" "$src" "$wb" "$rb" "$wc" "$rc" "$cb" "$cc" \
      "$(awk -v a="$cc" -v b="$cb" 'BEGIN {printf "%.2f", a / b}')"
  done
done
