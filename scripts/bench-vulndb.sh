#!/usr/bin/env bash
# Import time and DB size for the whole shared vulndb, and the time to match
# 1,000 packages (release build). Usage: scripts/bench-vulndb.sh [VULNDB_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:-$root/../shared/vulndb}"
[ -d "$src" ] || src=/work/shared/vulndb
cargo build --release -p pare_vuln --example vulndb_bench >&2
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"${CARGO_TARGET_DIR:-$root/target}/release/examples/vulndb_bench" "$tmp/pare.db" "$src"
