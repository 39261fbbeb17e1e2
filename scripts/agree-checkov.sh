#!/usr/bin/env bash
# Per-check agreement of pare's Kubernetes rules with checkov over the corpus.
# Usage: [PARE_PROFILE=dev] scripts/agree-checkov.sh [CORPUS_DIR]   (default /work/shared/corpus)
# checkov's JSON is cached in $PARE_SCRATCH (default /tmp/pare-agree); delete
# it to re-run checkov (about 50 s, 900 MB).
set -euo pipefail
corpus=${1:-/work/shared/corpus}
scratch=${PARE_SCRATCH:-/tmp/pare-agree}
checkov=${CHECKOV:-/opt/pare-peers/bin/checkov}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$scratch"
if [ ! -s "$scratch/checkov-k8s.json" ]; then
  [ -x "$checkov" ] || { echo "error: checkov not found at \`$checkov\` (pip install checkov into /opt/pare-peers)" >&2; exit 2; }
  (cd "$corpus" && BC_SKIP_MAPPING=TRUE "$checkov" -d k8s --framework kubernetes --skip-download --quiet --compact -o json > "$scratch/checkov-k8s.json") || true
fi
# PARE_PROFILE=dev uses a debug build (no release build on a shared machine).
profile=${PARE_PROFILE:-release}
(cd "$here" && cargo run -q --profile "$profile" -p pare_k8s --example k8s_findings -- "$corpus/k8s") > "$scratch/pare-k8s.tsv" 2> "$scratch/pare-k8s.err"
python3 "$here/scripts/agree_checkov.py" "$scratch/pare-k8s.tsv" "$scratch/checkov-k8s.json" "$corpus"
