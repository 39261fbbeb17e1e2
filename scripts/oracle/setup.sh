#!/usr/bin/env bash
# Installs the reference implementations the differential tests run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=(libdpkg-dev python3-rpm maven default-jdk-headless golang-go golang-golang-x-mod-dev
  golang-github-knqyf263-go-apk-version-dev)
# Debian's npm pulls hundreds of packages; any working npm will do.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! python3 -c 'import packaging.version' 2>/dev/null && ! /opt/pare-peers/bin/python -c 'import packaging.version' 2>/dev/null; then
  if [ -x /opt/pare-peers/bin/pip ]; then /opt/pare-peers/bin/pip install packaging; else apt-get install -y python3-packaging; fi
fi
cd "$here" && npm install --no-save --no-package-lock semver@7
