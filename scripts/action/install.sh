#!/usr/bin/env bash
# Step 1 of the GitHub Action (action.yml): put a `pare` binary in place and on the job's PATH.
#
# Inputs (environment, as action.yml passes them):
#   INPUT_PARE_BINARY   a release URL (https://…, file://…; a bare binary or a .tar.gz holding
#                       */pare) or a path to a pare binary; empty: build from source with cargo
#   INPUT_PARE_SHA256   expected sha256 of the downloaded file, hex or `sha256:<hex>` (optional;
#                       checked when given)
#   INPUT_SKIP_INSTALL  'true': use the `pare` already on PATH
#   GITHUB_ACTION_PATH  the action's checkout (the pare repository: the source route builds it)
#   RUNNER_TEMP         where the binary goes ($RUNNER_TEMP/pare/bin/pare)
#   GITHUB_PATH, GITHUB_OUTPUT   files the runner reads back
# Outputs: `pare` (the binary's path) in GITHUB_OUTPUT; its folder appended to GITHUB_PATH.
# Exit 2 with one line naming the cause on any failure.
set -euo pipefail

die() { echo "::error title=pare action::$*" >&2; echo "error: $*" >&2; exit 2; }
truthy() { case ${1,,} in true|yes|1|on) return 0 ;; false|no|0|off|'') return 1 ;; *) die "\`$2\` must be true or false, got \`$1\`" ;; esac; }

: "${RUNNER_TEMP:?RUNNER_TEMP is not set (run inside GitHub Actions or set it)}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
: "${GITHUB_PATH:?GITHUB_PATH is not set}"
binary=${INPUT_PARE_BINARY:-}
want_sha=${INPUT_PARE_SHA256:-}
want_sha=${want_sha#sha256:}
root=$RUNNER_TEMP/pare
bindir=$root/bin
dest=$bindir/pare

if truthy "${INPUT_SKIP_INSTALL:-false}" skip-install; then
  [[ -z $binary ]] || die "skip-install and pare-binary exclude each other"
  dest=$(command -v pare) || die "skip-install is true but no \`pare\` is on PATH"
  bindir=$(dirname "$dest")
elif [[ -z $binary ]]; then
  : "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  command -v cargo >/dev/null || die "no pare-binary given and no \`cargo\` to build pare from source (install Rust, e.g. with dtolnay/rust-toolchain, or give pare-binary)"
  echo "pare: building from source: cargo install --locked --path $GITHUB_ACTION_PATH/crates/pare" >&2
  cargo install --locked --path "$GITHUB_ACTION_PATH/crates/pare" --root "$root" \
    || die "cargo install failed"
else
  mkdir -p "$bindir"
  tmp=$(mktemp -d "$RUNNER_TEMP/pare-dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  case $binary in
    *://*)
      echo "pare: downloading $binary" >&2
      curl -fsSL --retry 3 -o "$tmp/download" "$binary" || die "\`$binary\`: download failed" ;;
    *)
      [[ -f $binary ]] || die "\`$binary\`: no such file (pare-binary is a URL or a path)"
      cp "$binary" "$tmp/download" ;;
  esac
  if [[ -n $want_sha ]]; then
    got=$(sha256sum "$tmp/download" | cut -d' ' -f1)
    [[ ${got,,} == "${want_sha,,}" ]] || die "\`$binary\`: sha256 is $got, expected $want_sha"
  fi
  if gzip -t "$tmp/download" 2>/dev/null; then
    mkdir "$tmp/x"
    tar -xzf "$tmp/download" -C "$tmp/x" || die "\`$binary\`: not a readable .tar.gz"
    mapfile -t found < <(find "$tmp/x" -type f -name pare)
    ((${#found[@]} == 1)) || die "\`$binary\`: expected one file named pare in the archive, found ${#found[@]}"
    mv "${found[0]}" "$dest"
  else
    mv "$tmp/download" "$dest"
  fi
  chmod 0755 "$dest"
fi

version=$("$dest" --version 2>&1) || die "\`$dest\` does not run: $version"
echo "pare: $version at $dest" >&2
echo "$bindir" >>"$GITHUB_PATH"
echo "pare=$dest" >>"$GITHUB_OUTPUT"
