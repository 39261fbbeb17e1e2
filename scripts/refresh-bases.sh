#!/usr/bin/env bash
# Measures the replacement bases `pare audit` recommends (crates/pare_audit/data/bases.json):
# each reference's compressed size for linux/amd64, read from its registry with `pare audit`,
# written back with today's date. Needs network access to the registries (gcr.io, Docker Hub),
# which this project's build machines do not have; run it where they are reachable and commit
# the file.
#
# Usage: scripts/refresh-bases.sh [PARE]   (default: target/release/pare, else `pare` on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
PARE=${1:-target/release/pare}
[ -x "$PARE" ] || PARE=pare
FILE=crates/pare_audit/data/bases.json
TODAY=$(date -u +%F)
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
cp "$FILE" "$tmp"
for ref in $(jq -r '.bases[].reference' "$FILE"); do
  size=$("$PARE" audit --no-db --platform linux/amd64 --format json "$ref" | jq '.images[0].compressedSize')
  echo "$ref: $size bytes" >&2
  jq --arg r "$ref" --argjson s "$size" --arg d "$TODAY" \
    '(.bases[] | select(.reference == $r)) |= (.compressedBytes = $s | .checked = $d)' "$tmp" > "$tmp.new"
  mv "$tmp.new" "$tmp"
done
mv "$tmp" "$FILE"
trap - EXIT
