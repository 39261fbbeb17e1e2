#!/usr/bin/env bash
# Installs the reference implementations the differential tests run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
apt-get install -y --no-install-recommends libdpkg-dev python3-rpm maven default-jdk-headless \
  golang-go golang-golang-x-mod-dev golang-github-knqyf263-go-apk-version-dev nodejs npm
if ! python3 -c 'import packaging.version' 2>/dev/null && ! /opt/pare-peers/bin/python -c 'import packaging.version' 2>/dev/null; then
  if [ -x /opt/pare-peers/bin/pip ]; then /opt/pare-peers/bin/pip install packaging; else apt-get install -y python3-packaging; fi
fi
cd "$here" && npm install --no-save --no-package-lock semver@7
