#!/usr/bin/env bash
# Benchmark `pare lint` on the Kubernetes corpus side by side with checkov:
# the whole corpus, then every 150-file slice (sorted paths, consecutive).
# Usage: scripts/bench-lint-k8s.sh [CORPUS_DIR]     (default /work/shared/corpus)
# Env: FORMAT (pare output format, default json), RUNS (default 5),
# PARE (default target/release/pare, built if missing), CHECKOV
# (default /opt/pare-peers/bin/checkov), PARE_SCRATCH (default /tmp/pare-bench;
# checkov timings are cached there: delete `checkov-*.time` to re-run them).
# Prints a Markdown table; wall time and peak RSS come from GNU time.
set -euo pipefail
corpus=${1:-/work/shared/corpus}
here=$(cd "$(dirname "$0")/.." && pwd)
pare=${PARE:-$here/target/release/pare}
checkov=${CHECKOV:-/opt/pare-peers/bin/checkov}
scratch=${PARE_SCRATCH:-/tmp/pare-bench}
runs=${RUNS:-5}
format=${FORMAT:-json}
mkdir -p "$scratch"
[ -x /usr/bin/time ] || { echo "error: GNU time not found at \`/usr/bin/time\`" >&2; exit 2; }
[ -x "$checkov" ] || { echo "error: checkov not found at \`$checkov\`" >&2; exit 2; }
if [ ! -x "$pare" ]; then (cd "$here" && cargo build --release -p pare >&2); fi

# measure OUT CMD...: best wall time of $runs runs (max RSS of that run) into OUT.
measure() {
  local out=$1; shift
  local best=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out.tmp" "$@" > /dev/null 2>&1 || true
    read -r wall rss < <(tail -n1 "$out.tmp")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < ${best%% *})}"; then best="$wall $rss"; fi
  done
  echo "$best" > "$out"
}

# checkov once per input (slow: ~50 s for the corpus), cached.
checkov_time() {
  local name=$1 dir=$2
  if [ ! -s "$scratch/checkov-$name.time" ]; then
    (cd "$dir" && BC_SKIP_MAPPING=TRUE /usr/bin/time -f "%e %M" -o "$scratch/checkov-$name.time" \
      "$checkov" -d . --framework kubernetes --skip-download --quiet --compact -o json > /dev/null 2>&1) || true
  fi
  tail -n1 "$scratch/checkov-$name.time"
}

row() {
  local name=$1 dir=$2 files=$3
  read -r cw cm < <(checkov_time "$name" "$dir")
  measure "$scratch/pare-$name.time" "$pare" lint --format "$format" "$dir"
  read -r pw pm < "$scratch/pare-$name.time"
  awk -v n="$name" -v f="$files" -v cw="$cw" -v cm="$cm" -v pw="$pw" -v pm="$pm" 'BEGIN{
    pw2 = (pw < 0.005 ? 0.005 : pw);
    printf "| %s | %d | %.2f s | %.0f MB | %.3f s | %.1f MB | %.0fx | 1/%.0f |\n", n, f, cw, cm/1024, pw, pm/1024, cw/pw2, cm/pm }'
}

echo "| input | files | checkov wall | checkov RSS | pare --format $format wall (best of $runs) | pare RSS | speed-up | memory |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
row corpus "$corpus/k8s" "$(find "$corpus/k8s" -type f | wc -l)"
mapfile -t all < <(cd "$corpus/k8s" && find . -type f | sort)
i=0
for ((start = 0; start < ${#all[@]}; start += 150)); do
  i=$((i + 1))
  slice="$scratch/slice-$i"
  if [ ! -d "$slice" ]; then
    mkdir -p "$slice"
    for f in "${all[@]:start:150}"; do
      mkdir -p "$slice/$(dirname "$f")"
      cp "$corpus/k8s/$f" "$slice/$f"
    done
  fi
  row "slice-$i" "$slice" "$(find "$slice" -type f | wc -l)"
done
