#!/usr/bin/env bash
# pare sbom vs syft on the same real image, in each transport, side by side: median wall time of
# RUNS interleaved rounds (scripts/interleave.py: every command once per round, so this VM's
# drift hits all alike) and peak RSS, plus the floor of each transport:
#   docker-archive: max(reading the archive, SHA-256 of its largest layer);
#   OCI layouts:    decompressing the largest layer with the library pare uses, and the
#                   two-core decompression-and-hashing floor (that decompression with the diff_id
#                   SHA-256 on a second thread, nothing else), see crates/pare_image/examples/floor.rs.
#
# Usage: scripts/bench-sbom.sh [IMAGE]   (default: fat, the >=600 MB fleet image)
# Env:   PARE_FLEET (default .fleet), SYFT (default /opt/pare-peers/bin/syft), RUNS (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-fat}
FLEET=${PARE_FLEET:-.fleet}
SYFT=${SYFT:-/opt/pare-peers/bin/syft}
RUNS=${RUNS:-5}
export SYFT_CHECK_FOR_APP_UPDATE=false
D="$FLEET/$IMG"
[ -f "$D/docker.tar" ] || { echo "error: fleet image \`$IMG\` is missing at \`$D\`" >&2; echo "hint: scripts/fleet.sh $IMG" >&2; exit 2; }
[ -x "$SYFT" ] || { echo "error: syft not found at \`$SYFT\`" >&2; exit 2; }
command -v jq >/dev/null || { echo "error: jq is missing (apt-get install -y jq)" >&2; exit 2; }
cargo build --release -q -p pare --bin pare
cargo build --release -q -p pare_image --example floor
TARGET=${CARGO_TARGET_DIR:-target}
PARE=$TARGET/release/pare
FLOOR=$TARGET/release/examples/floor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

printf '| transport | syft | pare | speed-up | syft RSS | pare RSS | RSS ratio | floor | pare / floor | two-core floor | pare / two-core |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for t in docker-archive oci-zstd oci; do
  case $t in
    docker-archive) spec="docker-archive:$D/docker.tar" ;;
    oci-zstd) spec="oci-dir:$D/oci-zstd" ;;
    oci) spec="oci-dir:$D/oci" ;;
  esac
  cmds=("$(q "$PARE") sbom $(q "$spec") --format json" "$(q "$SYFT") -q $(q "$spec") -o syft-json")
  if [ $t = docker-archive ]; then
    layer=$(largest_member "$D/docker.tar" "$TMP")
    cmds+=("cat $(q "$D/docker.tar")" "$(q "$FLOOR") sha256 $(q "$layer")")
  else
    blob=$(largest_blob "$D/$t")
    mode=gzip; [ $t = oci-zstd ] && mode=zstd
    cmds+=("$(q "$FLOOR") $mode $(q "$blob")" "$(q "$FLOOR") $mode+sha256 $(q "$blob")")
  fi
  out=$(scripts/interleave.py "$RUNS" "${cmds[@]}")
  { read -r ps pm _; read -r ss sm _; read -r f1 _; read -r f2 _; } <<<"$out"
  if [ $t = docker-archive ]; then
    fw=$(larger "$f1" "$f2"); tw=-; rt=-
  else
    fw=$f1; tw=${f2}s; rt=$(ratio "$ps" "$f2")
  fi
  printf '| %s | %ss | %ss | %.1fx | %s MB | %s MB | 1/%.1f | %ss | %s | %s | %s |\n' "$t" "$ss" "$ps" \
    "$(awk "BEGIN{print $ss/$ps}")" "$sm" "$pm" "$(awk "BEGIN{print $sm/$pm}")" "$fw" "$(ratio "$ps" "$fw")" "$tw" "$rt"
done
