#!/usr/bin/env bash
# Regenerate the documentation pages made from the code: docs/rules.md (every rule's table row
# and documentation, from `pare rules --format markdown`). crates/pare/tests/cli.rs fails when a
# page and the code drift apart.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo run -q -p pare -- rules --format markdown > docs/rules.md
echo "wrote docs/rules.md" >&2
