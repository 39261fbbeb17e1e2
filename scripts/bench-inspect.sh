#!/usr/bin/env bash
# Benchmarks `pare inspect` side by side with `dive --ci` and the physical floor, on the same
# real image in each transport, warm page cache, median of RUNS interleaved rounds
# (scripts/interleave.py: every command once per round, so machine drift hits all alike), plus
# peak RSS.
#
#   scripts/bench-inspect.sh [FLEET_IMAGE...]     default: fat (and big, if built)
#
# Floor: docker-archive (uncompressed layers) = max(read the archive, SHA-256 of its largest
# layer); compressed OCI layouts = decompress the largest layer with the library pare uses
# (crates/pare_image/examples/floor.rs: zlib-rs gzip, zstd). dive reads docker-archives only.
# Two-core floor (compressed layouts): the same decompression with the SHA-256 of its output (the
# diff_id) on a second thread, nothing else: the least a verifying reader does on two cores.
# Needs: a release build (built here), dive (PARE_PEERS or /opt/pare-peers/bin), python3, jq.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
FLEET=${PARE_FLEET:-$REPO/.fleet}
PEERS=${PARE_PEERS:-/opt/pare-peers/bin}
RUNS=${RUNS:-5}
cargo build --release -q -p pare --bin pare
cargo build --release -q -p pare_image --example floor
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
PARE=$TARGET/release/pare
FLOOR=$TARGET/release/examples/floor
IMAGES=("$@")
if ((${#IMAGES[@]} == 0)); then
  IMAGES=(fat)
  [[ -f $FLEET/big/facts.json ]] && IMAGES+=(big)
fi

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
secs() { if [[ $1 == - ]]; then echo -; else echo "${1}s"; fi; }

printf '| image | transport | size | pare inspect | peak RSS | dive --ci | floor | pare/floor | dive/pare | two-core floor | pare/two-core |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for img in "${IMAGES[@]}"; do
  d=$FLEET/$img
  [[ -f $d/facts.json ]] || { echo "missing fleet image $img: run scripts/fleet.sh $img" >&2; exit 2; }
  for t in docker.tar oci oci-zstd; do
    [[ -e $d/$t ]] || continue
    size=$(du -sh "$d/$t" | cut -f1)
    pare="$(q "$PARE") inspect --format json $(q "$d/$t")"
    if [[ $t == docker.tar ]]; then
      tmp=$(mktemp -d); layer=$(largest_member "$d/$t" "$tmp")
      out=$(scripts/interleave.py "$RUNS" "$pare" "CI=true $(q "$PEERS/dive") --ci --source docker-archive $(q "$d/$t")" \
        "cat $(q "$d/$t")" "$(q "$FLOOR") sha256 $(q "$layer")")
      rm -rf "$tmp"
      { read -r pw pr _; read -r dw _; read -r cw _; read -r sw _; } <<<"$out"
      fw=$(larger "$cw" "$sw")
      ratio_dive=$(ratio "$dw" "$pw"); tw=-; ratio_two=-
    else
      blob=$(largest_blob "$d/$t")
      mode=gzip; [[ $t == oci-zstd ]] && mode=zstd
      out=$(scripts/interleave.py "$RUNS" "$pare" "$(q "$FLOOR") $mode $(q "$blob")" "$(q "$FLOOR") $mode+sha256 $(q "$blob")")
      { read -r pw pr _; read -r fw _; read -r tw _; } <<<"$out"
      dw=-; ratio_dive=-; ratio_two=$(ratio "$pw" "$tw")
    fi
    printf '| %s | %s | %s | %ss | %s MB | %s | %ss | %s | %s | %s | %s |\n' "$img" "$t" "$size" "$pw" "$pr" \
      "$(secs "$dw")" "$fw" "$(ratio "$pw" "$fw")" "$ratio_dive" "$(secs "$tw")" "$ratio_two"
  done
done
