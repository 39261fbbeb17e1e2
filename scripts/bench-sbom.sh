#!/usr/bin/env bash
# pare sbom vs syft on the same real image, in each transport: wall time and
# peak RSS (GNU time -v), plus hyperfine's mean when installed.
#
# Usage: scripts/bench-sbom.sh [IMAGE]   (default: fat, the >=600 MB fleet image)
# Env:   PARE_FLEET (default .fleet), SYFT (default /opt/pare-peers/bin/syft),
#        RUNS (pare runs per transport, default 5), SYFT_RUNS (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-fat}
FLEET=${PARE_FLEET:-.fleet}
SYFT=${SYFT:-/opt/pare-peers/bin/syft}
RUNS=${RUNS:-5}
SYFT_RUNS=${SYFT_RUNS:-1}
export SYFT_CHECK_FOR_APP_UPDATE=false
D="$FLEET/$IMG"
[ -f "$D/docker.tar" ] || { echo "error: fleet image \`$IMG\` is missing at \`$D\`" >&2; echo "hint: scripts/fleet.sh $IMG" >&2; exit 2; }
[ -x "$SYFT" ] || { echo "error: syft not found at \`$SYFT\`" >&2; exit 2; }
cargo build --release -q -p pare
PARE=target/release/pare
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# best-of-N wall seconds and max RSS (MB) of a command
measure() {
  local n=$1; shift
  local best="" rss=0
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$OUT/t" "$@" >/dev/null 2>"$OUT/err" || { rc=$?; [ $rc -eq 2 ] || { cat "$OUT/err" >&2; exit 1; }; }
    read -r wall kb < "$OUT/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$best $((rss / 1024))"
}

printf '%-14s %10s %10s %10s %10s %8s %8s\n' transport syft_s pare_s speedup syft_MB pare_MB rss_ratio
for t in docker-archive oci-zstd oci; do
  case $t in
    docker-archive) spec="docker-archive:$D/docker.tar"; sspec="docker-archive:$D/docker.tar" ;;
    oci-zstd) spec="oci-dir:$D/oci-zstd"; sspec="oci-dir:$D/oci-zstd" ;;
    oci) spec="oci-dir:$D/oci"; sspec="oci-dir:$D/oci" ;;
  esac
  read -r ps pm < <(measure "$RUNS" "$PARE" sbom "$spec" --format json)
  read -r ss sm < <(measure "$SYFT_RUNS" "$SYFT" -q "$sspec" -o syft-json)
  printf '%-14s %10s %10s %9.1fx %10s %8s %7.1fx\n' "$t" "$ss" "$ps" "$(awk "BEGIN{print $ss/$ps}")" "$sm" "$pm" "$(awk "BEGIN{print $sm/$pm}")"
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 1 -r "$RUNS" "$PARE sbom $spec --format json" 2>/dev/null | grep -E "Time|Range" | sed "s/^/  [$t] /"
  fi
done
