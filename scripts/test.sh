#!/usr/bin/env bash
# pare's test command: builds the real-image fleet if missing, then fmt, clippy and the whole
# test suite against it. Exits non-zero if any step fails; every step runs, and a summary ends it.
#
#   scripts/test.sh             the full run (what CI does after installing tools in .ci/run)
#   scripts/test.sh --no-fleet  skip the fleet and the `real-images` tests (quick local loop)
#
# Environment: PARE_FLEET (fleet dir, default <repo>/.fleet, exported as an absolute path),
# CARGO_TARGET_DIR (as usual).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
FLEET_MODE=1
for arg in "$@"; do
  case $arg in
    --no-fleet) FLEET_MODE= ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: error: unknown argument \`$arg\`" >&2; exit 2 ;;
  esac
done

export PARE_FLEET=${PARE_FLEET:-$REPO/.fleet}
mkdir -p "$PARE_FLEET"
PARE_FLEET=$(cd "$PARE_FLEET" && pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT

NAMES=() RESULTS=() TIMES=()
FAILED=0
# step NAME CMD...: run, time, remember the outcome (output streams through)
step() {
  local name=$1; shift
  local t0=$SECONDS rc
  printf '\n==> %s: %s\n' "$name" "$*" >&2
  "$@"
  rc=$?
  NAMES+=("$name"); TIMES+=("$((SECONDS - t0))s")
  if ((rc == 0)); then RESULTS+=(ok); else RESULTS+=("FAILED (exit $rc)"); FAILED=1; fi
}

cargo_test() {
  cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$LOGDIR/test.log"
}

if [[ -n $FLEET_MODE ]]; then
  step fleet "$REPO/scripts/fleet.sh"
fi
step fmt cargo fmt --all -- --check
step clippy cargo clippy --workspace --all-targets -- -D warnings
if [[ -n $FLEET_MODE ]]; then
  step test cargo_test --features pare/real-images
else
  step test cargo_test
fi
fuzz_build() {
  # cargo-fuzz wants nightly for its sanitizer flags; `-s none` needs none of
  # them, and RUSTC_BOOTSTRAP lets the stable toolchain accept the rest.
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -s none)
}
if [[ -f fuzz/Cargo.toml ]]; then
  if cargo fuzz --version >/dev/null 2>&1; then
    step fuzz-build fuzz_build
  else
    echo "cargo-fuzz is not installed (cargo install cargo-fuzz): only type-checking the fuzz targets" >&2
    step fuzz-check cargo check --manifest-path fuzz/Cargo.toml --bins
  fi
fi

passed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($(i+1) ~ /^passed/) s+=$i} END{print s+0}' "$LOGDIR/test.log" 2>/dev/null)
failed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($(i+1) ~ /^failed/) s+=$i} END{print s+0}' "$LOGDIR/test.log" 2>/dev/null)

echo
echo "==================== pare test summary ===================="
for i in "${!NAMES[@]}"; do
  printf '  %-11s %-20s %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
done
[[ -n $FLEET_MODE ]] && echo "  fleet dir:  $PARE_FLEET" || echo "  (fleet and real-image tests skipped: --no-fleet)"
echo "==========================================================="
echo "tests: $passed passed, $failed failed"
if ((FAILED)); then
  echo "test.sh: FAILED" >&2
  exit 1
fi
echo "test.sh: all steps passed"
