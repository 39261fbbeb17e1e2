#!/usr/bin/env bash
# Benchmarks `pare inspect` side by side with `dive --ci` and the physical floor, on the same
# real image in each transport, warm page cache, median of N runs, plus peak RSS.
#
#   scripts/bench-inspect.sh [FLEET_IMAGE...]     default: fat (and big, if built)
#
# Floor: docker-archive (uncompressed layers) = max(read the archive, SHA-256 of its largest
# layer); compressed OCI layouts = decompress the largest layer with the library pare uses
# (crates/pare_image/examples/floor.rs: zlib-rs gzip, zstd). dive reads docker-archives only.
# Needs: a release build (built here), dive (PARE_PEERS or /opt/pare-peers/bin), GNU time.
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
TIMEFILE=$(mktemp)
trap 'rm -f "$TIMEFILE"' EXIT
IMAGES=("$@")
if ((${#IMAGES[@]} == 0)); then
  IMAGES=(fat)
  [[ -f $FLEET/big/facts.json ]] && IMAGES+=(big)
fi

# median wall seconds and max RSS (MB) of RUNS runs of a command
measure() {
  local walls=() rss=0 out
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f '%e %M' -o "$TIMEFILE" "$@" >/dev/null 2>&1
    out=$(tail -1 "$TIMEFILE")
    walls+=("${out% *}")
    local r=${out#* }
    ((r > rss)) && rss=$r
  done
  local med
  med=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo "$med $((rss / 1024))"
}

largest_blob() { # OCI layout dir -> path of its largest layer blob
  local dir=$1 m
  m=$(jq -r '.manifests[0].digest' "$dir/index.json" | cut -d: -f2)
  jq -r '.layers | max_by(.size) | .digest' "$dir/blobs/sha256/$m" | sed "s#sha256:#$dir/blobs/sha256/#"
}

printf '| image | transport | size | pare inspect | peak RSS | dive --ci | floor | pare/floor | dive/pare |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for img in "${IMAGES[@]}"; do
  d=$FLEET/$img
  [[ -f $d/facts.json ]] || { echo "missing fleet image $img: run scripts/fleet.sh $img" >&2; exit 2; }
  for t in docker.tar oci oci-zstd; do
    [[ -e $d/$t ]] || continue
    size=$(du -sh "$d/$t" | cut -f1)
    read -r pw pr < <(measure "$PARE" inspect --format json "$d/$t")
    if [[ $t == docker.tar ]]; then
      read -r dw _ < <(CI=true measure "$PEERS/dive" --ci --source docker-archive "$d/$t")
      read -r cw _ < <(measure cat "$d/$t")
      # the largest member of the archive (a layer tar)
      big=$(tar -tvf "$d/$t" | sort -k3 -n | tail -1 | awk '{print $NF}')
      tmp=$(mktemp -d); tar -xf "$d/$t" -C "$tmp" "$big"
      read -r sw _ < <(measure "$FLOOR" sha256 "$tmp/$big"); rm -rf "$tmp"
      fw=$(awk -v a="$cw" -v b="$sw" 'BEGIN{print (a>b)?a:b}')
      ratio_dive=$(awk -v a="$dw" -v b="$pw" 'BEGIN{printf "%.2f", a/b}')
    else
      blob=$(largest_blob "$d/$t")
      mode=gzip; [[ $t == oci-zstd ]] && mode=zstd
      read -r fw _ < <(measure "$FLOOR" "$mode" "$blob")
      dw=-; ratio_dive=-
    fi
    ratio=$(awk -v a="$pw" -v b="$fw" 'BEGIN{printf "%.2f", a/b}')
    printf '| %s | %s | %s | %ss | %s MB | %s | %ss | %s | %s |\n' "$img" "$t" "$size" "$pw" "$pr" "${dw}${dw:+s}" "$fw" "$ratio" "$ratio_dive"
  done
done
