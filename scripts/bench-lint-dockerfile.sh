#!/usr/bin/env bash
# Benchmark `pare lint` against hadolint on the Dockerfile corpus.
#
#   scripts/bench-lint-dockerfile.sh [CORPUS_DIR] [--hadolint]
#
# Runs (wall clock, best of 3 for pare):
#   1. pare, all files in one process (rayon across files)
#   2. pare, a 300-file slice (every 5th file) in one process
#   3. pare, one process per file
#   4. with --hadolint: hadolint, all files in one process, and on the
#      300-file slice (one run each; BASELINES.md has its per-file figure)
# Needs hyperfine? No: plain `date +%s.%N` so it runs anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${PARE_CORPUS:-$here/../shared/corpus}/dockerfiles"
run_hadolint=0
for a in "$@"; do
  case "$a" in
    --hadolint) run_hadolint=1 ;;
    *) corpus="$a" ;;
  esac
done
[ -d "$corpus" ] || { echo "error: corpus not found at \`$corpus\`" >&2; exit 2; }
cargo build --release -q -p pare --manifest-path "$here/Cargo.toml"
pare="${CARGO_TARGET_DIR:-$here/target}/release/pare"
hadolint="$(command -v hadolint || echo /opt/pare-peers/bin/hadolint)"

mapfile -d '' files < <(find "$corpus" -type f ! -name PROVENANCE.md -print0 | sort -z)
slice=()
for i in "${!files[@]}"; do
  if (( i % 5 == 0 && ${#slice[@]} < 300 )); then slice+=("${files[$i]}"); fi
done

now() { date +%s.%N; }
best_of_3() {
  local best=999999 t0 t1 d
  for _ in 1 2 3; do
    t0=$(now); "$@" > /dev/null 2>&1 || true; t1=$(now)
    d=$(echo "$t1 - $t0" | bc -l)
    best=$(echo "if ($d < $best) $d else $best" | bc -l)
  done
  printf '%.3f' "$best"
}
once() {
  local t0 t1
  t0=$(now); "$@" > /dev/null 2>&1 || true; t1=$(now)
  printf '%.3f' "$(echo "$t1 - $t0" | bc -l)"
}

echo "files: ${#files[@]} (slice: ${#slice[@]}); cores: $(nproc)"
p_all=$(best_of_3 "$pare" lint --format json "${files[@]}")
echo "pare, all files, one process: ${p_all} s"
p_slice=$(best_of_3 "$pare" lint --format json "${slice[@]}")
echo "pare, 300-file slice, one process: ${p_slice} s"
t0=$(now)
for f in "${files[@]}"; do "$pare" lint --format json "$f" > /dev/null 2>&1 || true; done
t1=$(now)
p_each=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
echo "pare, one process per file: ${p_each} s"
if (( run_hadolint )); then
  h_all=$(once "$hadolint" --no-fail --no-color -f json "${files[@]}")
  echo "hadolint, all files, one process: ${h_all} s (ratio $(echo "$h_all / $p_all" | bc -l | xargs printf '%.0f')x)"
  h_slice=$(once "$hadolint" --no-fail --no-color -f json "${slice[@]}")
  echo "hadolint, 300-file slice, one process: ${h_slice} s (ratio $(echo "$h_slice / $p_slice" | bc -l | xargs printf '%.0f')x)"
fi
