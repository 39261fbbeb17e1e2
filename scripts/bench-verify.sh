#!/usr/bin/env bash
# `pare verify` and `pare slim` against `pare inspect` of the same image, side by side
# (scripts/interleave.py: interleaved rounds, median wall seconds, peak RSS).
#
#   scripts/bench-verify.sh [FLEET_IMAGE...]     default: fat python-app node-app
#
# verify is timed on every image; slim (written to a temporary OCI layout, gzip then zstd, then to
# a temporary docker-archive, removed after each run) on images with an entrypoint it can follow,
# and on `fat`, which runs an interactive `bash` (slim refuses it as it is), with the program a
# pod's `command` would give it (`--cmd`, the one `a_program_given_by_flag_is_what_slim_keeps_and_writes`
# runs). Needs a release build (built here), python3.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
FLEET=${PARE_FLEET:-$REPO/.fleet}
RUNS=${RUNS:-5}
cargo build --release -q -p pare --bin pare
PARE=${CARGO_TARGET_DIR:-$REPO/target}/release/pare
IMAGES=("$@")
((${#IMAGES[@]})) || IMAGES=(fat python-app node-app)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf '| image | pare inspect | pare verify | verify/inspect | pare slim (OCI layout) | slim/inspect | pare slim (OCI, zstd) | slim/inspect | pare slim (docker-archive) | slim/inspect | peak RSS inspect / verify / slim gzip / zstd / archive |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for img in "${IMAGES[@]}"; do
  src=$FLEET/$img/oci
  [[ -f $src/index.json ]] || { echo "missing fleet image $img: run scripts/fleet.sh $img" >&2; exit 2; }
  cmds=("$PARE inspect $src" "$PARE verify $src")
  prog=""
  [[ $img == fat ]] && prog="--cmd '[\"python3\",\"-c\",\"import ssl, sqlite3\"]'"
  if eval "\"$PARE\" slim \"$src\" -o \"$OUT/probe\" --dry-run $prog" >/dev/null 2>&1; then
    cmds+=("rm -rf $OUT/s && $PARE slim $src -o $OUT/s $prog"
      "rm -rf $OUT/z && $PARE slim $src -o $OUT/z --compression zstd $prog"
      "rm -f $OUT/s.tar && $PARE slim $src -o $OUT/s.tar $prog")
  fi
  mapfile -t r < <(python3 scripts/interleave.py "$RUNS" "${cmds[@]}")
  read -r ti mi _ <<<"${r[0]}"; read -r tv mv _ <<<"${r[1]}"
  if ((${#r[@]} > 2)); then
    read -r ts ms _ <<<"${r[2]}"; read -r tz mz _ <<<"${r[3]}"; read -r ta ma _ <<<"${r[4]}"
    ratio() { python3 -c "print(f'{$1/$ti:.2f}x')"; }
    slim="${ts}s | $(ratio "$ts") | ${tz}s | $(ratio "$tz") | ${ta}s | $(ratio "$ta")"
    rss="$mi / $mv / $ms / $mz / $ma MB"
  else
    slim="- (refused) | - | - | - | - | -"; rss="$mi / $mv / - / - / - MB"
  fi
  printf '| %s | %ss | %ss | %s | %s | %s |\n' "$img" "$ti" "$tv" \
    "$(python3 -c "print(f'{$tv/$ti:.2f}x')")" "$slim" "$rss"
done
