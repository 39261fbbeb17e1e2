#!/usr/bin/env bash
# Build pare's release artefacts: static, stripped binaries for Linux (musl), built with the
# `dist` profile (no debug info, fat LTO, one codegen unit, strip), into dist/:
#
#   dist/pare-<version>-<target>          the binary
#   dist/pare-<version>-<target>.tar.gz   the binary and README.md, for a GitHub release
#   dist/SHA256SUMS                       sha256 of every file above
#
# Usage: scripts/release.sh [--target TRIPLE]... [--out DIR] [--check]
#   --target   x86_64-unknown-linux-musl (default) and/or aarch64-unknown-linux-musl
#   --out      output folder (default: dist/ at the repository root)
#   --check    only check that the toolchain for each target is here, and say what is missing
#
# Needs: the rustup target (`rustup target add TRIPLE`), and a C compiler for the target, since
# rusqlite (bundled SQLite), zstd-sys and ring compile C:
#   x86_64:  Debian's musl-tools (musl-gcc)
#   aarch64: `pip install ziglang cargo-zigbuild` (zig cross-compiles C for aarch64 musl); the
#            binary is smoke-tested with qemu-aarch64 (Debian's qemu-user) when it is installed.
# Every binary is checked to be static (no PT_INTERP, no DT_NEEDED) and to run (`pare --version`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=()
out=dist
check_only=0
while (($#)); do
  case $1 in
    --target) targets+=("${2:?--target needs a triple}"); shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --check) check_only=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument \`$1\` (see --help)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(x86_64-unknown-linux-musl)

die() { echo "release.sh: $*" >&2; exit 2; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[[ -n $version ]] || die "no workspace version in Cargo.toml"

# What each target needs; prints the missing pieces, one per line.
missing_for() {
  local t=$1
  rustup target list --installed 2>/dev/null | grep -qx "$t" || echo "rust-std for $t: rustup target add $t"
  case $t in
    x86_64-unknown-linux-musl)
      command -v musl-gcc >/dev/null || echo "musl-gcc: apt-get install musl-tools" ;;
    aarch64-unknown-linux-musl)
      command -v cargo-zigbuild >/dev/null || echo "cargo-zigbuild: pip install cargo-zigbuild"
      if ! command -v zig >/dev/null && ! python3 -c 'import ziglang' 2>/dev/null; then
        echo "zig: pip install ziglang"
      fi ;;
    *) echo "unsupported target $t (x86_64-unknown-linux-musl, aarch64-unknown-linux-musl)" ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  m=$(missing_for "$t")
  if [[ -n $m ]]; then
    echo "release.sh: $t cannot be built here; missing:" >&2
    while IFS= read -r line; do echo "  - $line" >&2; done <<<"$m"
    status=2
  elif ((check_only)); then
    echo "$t: toolchain present"
  fi
done
((status == 0)) || exit 2
((check_only)) && exit 0

# A static binary has no program interpreter and needs no shared library.
check_static() {
  local bin=$1 hdr
  hdr=$(LC_ALL=C readelf -ld "$bin") || die "$bin: readelf failed"
  if grep -q 'Requesting program interpreter' <<<"$hdr"; then die "$bin: has a program interpreter (not static)"; fi
  if grep -q '(NEEDED)' <<<"$hdr"; then die "$bin: needs shared libraries: $(grep '(NEEDED)' <<<"$hdr" | tr -s ' ')"; fi
  if LC_ALL=C readelf -S "$bin" | grep -q '\.debug_'; then die "$bin: has debug sections (not stripped)"; fi
}

mkdir -p "$out"
for t in "${targets[@]}"; do
  echo "release.sh: building $t (profile dist)" >&2
  case $t in
    x86_64-unknown-linux-musl)
      CC_x86_64_unknown_linux_musl=musl-gcc cargo build --locked --profile dist -p pare --target "$t"
      run=() ;;
    aarch64-unknown-linux-musl)
      cargo zigbuild --locked --profile dist -p pare --target "$t"
      run=(qemu-aarch64) ;;
  esac
  bin=target/$t/dist/pare
  check_static "$bin"
  if ((${#run[@]} == 0)) || command -v "${run[0]}" >/dev/null; then
    got=$("${run[@]}" "$bin" --version) || die "$bin --version failed"
    [[ $got == "pare $version" ]] || die "$bin --version printed \`$got\`, expected \`pare $version\`"
  else
    echo "release.sh: ${run[0]} not installed: $t binary built but not run (apt-get install qemu-user)" >&2
  fi
  name=pare-$version-$t
  cp "$bin" "$out/$name"
  stage=$(mktemp -d)
  mkdir "$stage/$name"
  cp "$bin" "$stage/$name/pare"
  cp README.md "$stage/$name/"
  # Deterministic tarball: fixed owner, order and times.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@"${SOURCE_DATE_EPOCH:-1700000000}" \
    -C "$stage" -cf - "$name" | gzip -n -9 >"$out/$name.tar.gz"
  rm -rf "$stage"
  printf '%s: %s bytes (%s)\n' "$out/$name" "$(stat -c %s "$out/$name")" \
    "$(LC_ALL=C file -b "$out/$name" 2>/dev/null | cut -d, -f1-2 || echo ELF)"
done
(cd "$out" && sha256sum pare-"$version"-* >SHA256SUMS)
echo "release.sh: wrote $out/SHA256SUMS" >&2
