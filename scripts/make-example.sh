#!/usr/bin/env bash
# Rebuilds examples/busybox-oci: the small real image the README's first command inspects.
# `scripts/make-example.sh fat` instead builds examples/busybox-fat-oci, its "before": the same
# base-files layer, then glibc (libc6) and the dynamically linked `busybox` package, run as root;
# the README's first command diffs the two (`pare diff`).
# Two layers from real Debian bookworm packages (base-files, then busybox-static), distroless-style
# per-package /var/lib/dpkg/status.d/ records, a nonroot user, no package manager. Deterministic
# for a given pair of .debs (SOURCE_DATE_EPOCH, sorted tars, numeric owners).
# Needs: apt-get (to download the .debs), dpkg-deb, umoci. Run from anywhere.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/examples/busybox-oci
VARIANT=${1:-static}
[[ $VARIANT == fat ]] && OUT=$REPO/examples/busybox-fat-oci
export SOURCE_DATE_EPOCH=1700000000
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
if [[ $VARIANT == fat ]]; then apt-get download base-files libc6 busybox >/dev/null
else apt-get download base-files busybox-static >/dev/null; fi
tarup() { # DIR OUT: a reproducible layer tar of DIR's contents
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@$SOURCE_DATE_EPOCH -C "$1" -cf "$2" .
}
status() { # DEB DIR: write the distroless-style status.d record of DEB into DIR
  local pkg; pkg=$(dpkg-deb -f "$1" Package)
  mkdir -p "$2/var/lib/dpkg/status.d"
  { dpkg-deb -f "$1" Package Source Version Architecture Maintainer Installed-Size Depends Section Priority Homepage Description
  } | sed '/^$/d' > "$2/var/lib/dpkg/status.d/$pkg"
  sed -i '1a Status: install ok installed' "$2/var/lib/dpkg/status.d/$pkg"
}
mkdir -p l1 l2/bin
dpkg-deb -x base-files_*.deb l1
status base-files_*.deb l1
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > l1/etc/passwd
printf 'root:x:0:\nnonroot:x:65532:\n' > l1/etc/group
mkdir -p l1/home/nonroot l1/tmp && chmod 1777 l1/tmp
tarup l1 l1.tar
rm -rf "$OUT"
umoci init --layout "$OUT"
umoci new --image "$OUT:latest"
umoci raw add-layer --image "$OUT:latest" --history.created_by "base-files (Debian bookworm)" --history.created "2023-11-14T22:13:20Z" l1.tar
USER_ARGS=(--config.user 65532:65532)
if [[ $VARIANT == fat ]]; then
  mkdir -p l3/bin
  dpkg-deb -x libc6_*.deb l2
  status libc6_*.deb l2
  dpkg-deb -x busybox_*.deb l3
  status busybox_*.deb l3
  ln -sf busybox l3/bin/sh
  tarup l2 l2.tar
  tarup l3 l3.tar
  umoci raw add-layer --image "$OUT:latest" --history.created_by "libc6 (Debian bookworm)" --history.created "2023-11-14T22:13:20Z" l2.tar
  umoci raw add-layer --image "$OUT:latest" --history.created_by "busybox (Debian bookworm, dynamically linked)" --history.created "2023-11-14T22:13:20Z" l3.tar
  USER_ARGS=(--config.user root)
else
  dpkg-deb -x busybox-static_*.deb l2
  status busybox-static_*.deb l2
  ln -sf busybox l2/bin/sh
  tarup l2 l2.tar
  umoci raw add-layer --image "$OUT:latest" --history.created_by "busybox-static (Debian bookworm)" --history.created "2023-11-14T22:13:20Z" l2.tar
fi
umoci config --image "$OUT:latest" --created "2023-11-14T22:13:20Z" --author pare-example \
  "${USER_ARGS[@]}" --config.entrypoint /bin/busybox --config.cmd httpd --config.cmd -f \
  --config.cmd -p --config.cmd 8080 --config.exposedports 8080/tcp --config.workingdir /home/nonroot \
  --config.label org.opencontainers.image.title=busybox-example \
  --config.label org.opencontainers.image.source=https://packages.debian.org/bookworm/busybox-static
umoci gc --layout "$OUT"
du -sh "$OUT"
