#!/usr/bin/env bash
# Build pare's fleet of real container images from Debian packages, with no Docker engine
# (mmdebstrap + umoci + skopeo), into ${PARE_FLEET:-<repo>/.fleet}. See scripts/README.md.
#
#   scripts/fleet.sh                 build every default image that is not built yet
#   scripts/fleet.sh IMAGE...        build only these (e.g. `slim layers`, or `big`)
#   scripts/fleet.sh --list          list image names (default ones, then on-demand ones)
#   scripts/fleet.sh --force IMAGE   rebuild even if its stamp is there
#
# Each image lands in $PARE_FLEET/<name>/: oci/ (gzip), oci-zstd/, docker.tar, oci.tar,
# rootfs/ (small images only) and facts.json, then a `.stamp` written last. Base rootfs tars,
# payloads and a shared .deb cache live in $PARE_FLEET/_work/ so rebuilding one image is cheap.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
FLEET=${PARE_FLEET:-$REPO/.fleet}
mkdir -p "$FLEET"
FLEET=$(cd "$FLEET" && pwd)
WORK=$FLEET/_work
TARKIT=$HERE/fleet/tarkit.py
PAYLOAD=$HERE/fleet/payload
SUITE=bookworm
# Bump when a recipe changes: every image whose stamp differs is rebuilt.
FLEET_VERSION=2
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# host python (stdlib only) runs tarkit; pyenv's shim or Debian's both do
PY=${PYTHON:-python3}

DEFAULT_IMAGES=(slim distroless layers go-distroless rust-distroless java-app python-app node-app fat rpm-app rpm-bdb
  python-flat extract secrets nginx-app python-pg)
ONDEMAND_IMAGES=(big fat-flat)

log() { printf '[fleet %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'fleet: error: %s\n' "$*" >&2; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "\`$1\` not found: run .ci/run or \`apt-get install $2\`"; }

# ------------------------------------------------------------------ building blocks

# The Debian rootfs variants: minbase + these mmdebstrap arguments.
BASE_slim=()
BASE_python=(--include=python3,login)
BASE_node=(--include=nodejs
  --customize-hook='chroot "$1" useradd --uid 1000 --user-group --create-home --shell /bin/bash node')
BASE_fat=(--include=build-essential,curl,ca-certificates,python3,python3-pip,git,libpq-dev)
BASE_nginx=(--include=nginx-light)
# which base tars each image needs (for the parallel prefetch)
declare -A NEEDS=([slim]="slim" [python-app]="slim python" [node-app]="slim node" [fat]="slim fat"
  [big]="slim fat" [fat-flat]="fat" [distroless]="distroless" [go-distroless]="distroless" [rust-distroless]="distroless"
  [java-app]="distroless" [layers]="" [rpm-app]="" [rpm-bdb]="" [python-flat]="slim python" [extract]="" [secrets]="slim" [nginx-app]="slim nginx" [python-pg]="slim python")

# base_tar NAME -> $WORK/base/NAME.tar (minbase + BASE_NAME args; cached, rebuilt when they change).
# .debs are shared between runs: each run reads $WORK/debs and writes what it fetched to its own
# dir, merged back with atomic renames, so concurrent runs never see a half-copied .deb.
base_tar() {
  local name=$1
  local -n args=BASE_$name
  local out=$WORK/base/$name.tar own=$WORK/debs-$name
  [[ -s $out && -f $out.args && $(cat "$out.args") == "${args[*]}" ]] && return 0
  mkdir -p "$WORK/base" "$WORK/debs" "$WORK/empty/dev"
  rm -rf "$own"; mkdir -p "$own"
  log "mmdebstrap $name (${args[*]})"
  mmdebstrap --quiet --variant=minbase --skip=output/dev \
    --skip=download/empty --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $WORK/debs /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $own" \
    "${args[@]}" "$SUITE" "$out.tmp.tar" </dev/null
  # --skip=output/dev also drops ./dev itself: put the empty directory back
  tar -rf "$out.tmp.tar" --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" -C "$WORK/empty" ./dev
  mv "$out.tmp.tar" "$out"
  printf '%s' "${args[*]}" > "$out.args"
  local d
  for d in "$own"/*.deb; do
    [[ -e $WORK/debs/${d##*/} ]] || { cp "$d" "$WORK/debs/.${d##*/}.$name" && mv "$WORK/debs/.${d##*/}.$name" "$WORK/debs/${d##*/}"; }
  done
  rm -rf "$own"
}

# prefetch_bases IMAGE...: build the missing base tars the images need, in parallel
# (slim first, so the others find its .debs). mmdebstrap mostly waits on the mirror and dpkg.
prefetch_bases() {
  local want=() b img pids=() names=() i rc=0
  for img in "$@"; do
    [[ -z ${FORCE:-} && -f $FLEET/$img/.stamp && $(cat "$FLEET/$img/.stamp") == "$FLEET_VERSION" ]] && continue
    for b in ${NEEDS[$img]:-}; do [[ " ${want[*]} " == *" $b "* ]] || want+=("$b"); done
  done
  [[ " ${want[*]} " == *" slim "* ]] && base_tar slim
  for b in "${want[@]}"; do
    [[ $b == slim ]] && continue
    if [[ $b == distroless ]]; then distroless_tar & else base_tar "$b" & fi
    pids+=($!); names+=("$b")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { log "base ${names[$i]} failed"; rc=1; }
  done
  ((rc == 0)) || die "building base rootfs tars failed"
}

# distroless_tar -> $WORK/base/distroless.tar: no shell, no dpkg/apt, status.d per package
distroless_tar() {
  local out=$WORK/base/distroless.tar
  [[ -s $out ]] && return 0
  local root=$WORK/distroless-root
  rm -rf "$root"; mkdir -p "$WORK/base"
  log "mmdebstrap distroless (extract variant)"
  mmdebstrap --quiet --variant=extract --skip=cleanup/apt/cache \
    --include=base-files,netbase,tzdata,libc6,libgcc-s1,gcc-12-base,libssl3,ca-certificates \
    "$SUITE" "$root" </dev/null
  mkdir -p "$root/var/lib/dpkg/status.d"
  local deb pkg ctl
  for deb in "$root"/var/cache/apt/archives/*.deb; do
    pkg=$(dpkg-deb -f "$deb" Package)
    # the control stanza, as distroless writes it (syft reads these)
    dpkg-deb -f "$deb" | awk 'NR==1{print; print "Status: install ok installed"; next} {print}' \
      > "$root/var/lib/dpkg/status.d/$pkg"
    ctl=$(mktemp -d); dpkg-deb -e "$deb" "$ctl"
    [[ -f $ctl/md5sums ]] && cp "$ctl/md5sums" "$root/var/lib/dpkg/status.d/$pkg.md5sums"
    rm -rf "$ctl"
  done
  # the ca-certificates postinst never ran
  mkdir -p "$root/etc/ssl/certs"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt > "$root/etc/ssl/certs/ca-certificates.crt"
  cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat > "$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  rm -rf "$root"/var/cache/apt "$root"/var/lib/apt "$root"/etc/apt "$root"/var/cache/debconf \
    "$root"/var/log/* "$root"/etc/machine-id
  find "$root/var/lib/dpkg" -mindepth 1 -maxdepth 1 ! -name status.d -exec rm -rf {} +
  mkdir -p "$root"/{dev,proc,sys,tmp,root,home/nonroot}
  chmod 1777 "$root/tmp"; chmod 700 "$root/root"; chown 65532:65532 "$root/home/nonroot"
  for f in bin/sh usr/bin/sh bin/bash usr/bin/dpkg usr/bin/apt; do
    [[ -e $root/$f || -L $root/$f ]] && die "distroless base unexpectedly has /$f"
  done
  tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime -C "$root" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  rm -rf "$root"
}

# layer_from_spec NAME < spec -> prints the path of $WORK/layers/NAME.tar
layer_from_spec() {
  mkdir -p "$WORK/layers"
  "$PY" "$TARKIT" layer "$WORK/layers/$1.tar"
  echo "$WORK/layers/$1.tar"
}

# diff_layer BASE FULL NAME -> prints the path of the layer turning base tar into full tar
diff_layer() {
  local out=$WORK/layers/$3.tar
  mkdir -p "$WORK/layers"
  if [[ ! -s $out || $1 -nt $out || $2 -nt $out ]]; then
    "$PY" "$TARKIT" diff "$1" "$2" "$out.tmp"
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# extract_file TAR PATH DEST: one file out of a rootfs tar (paths as ./x/y)
extract_file() { tar -xOf "$1" "./${2#/}" > "$3"; }

IMG= OUT=
# new_image NAME: fresh layout at $FLEET/NAME.tmp/oci, tag latest
new_image() {
  OUT=$FLEET/$1.tmp
  IMG=$OUT/oci:latest
  rm -rf "$OUT"; mkdir -p "$OUT"
  umoci init --layout "$OUT/oci"
  umoci new --image "$IMG"
}

# add_layer TAR CREATED_BY
add_layer() {
  umoci raw add-layer --image "$IMG" --history.created "$CREATED" --history.created_by "$2" "$1"
}

# configure [umoci config args...] (created time fixed for reproducible digests)
configure() {
  umoci config --image "$IMG" --created "$CREATED" --author pare-fleet \
    --history.created "$CREATED" --history.created_by "umoci config" "$@"
}

# finish NAME EXTRA_JSON [rootfs] [formats]: gc, other encodings, rootfs, facts, stamp
finish() {
  local name=$1 extra=$2 want_rootfs=${3:-} formats=${4:-"oci-zstd docker.tar oci.tar"}
  umoci gc --layout "$OUT/oci"
  [[ $formats == *oci-zstd* ]] && skopeo copy -q --dest-compress-format zstd "oci:$OUT/oci:latest" "oci:$OUT/oci-zstd:latest"
  [[ $formats == *docker.tar* ]] && skopeo copy -q "oci:$OUT/oci:latest" "docker-archive:$OUT/docker.tar:pare/$name:latest"
  [[ $formats == *oci.tar* ]] && skopeo copy -q "oci:$OUT/oci:latest" "oci-archive:$OUT/oci.tar:latest"
  if [[ -n $want_rootfs ]]; then
    rm -rf "$WORK/unpack-$name"
    umoci unpack --image "$IMG" "$WORK/unpack-$name" >/dev/null
    mv "$WORK/unpack-$name/rootfs" "$OUT/rootfs"
    rm -rf "$WORK/unpack-$name"
  fi
  "$PY" "$TARKIT" facts "$OUT/oci" "$OUT" "$name" - <<<"$extra" > "$OUT/facts.json"
  echo "$FLEET_VERSION" > "$OUT/.stamp"
  rm -rf "${FLEET:?}/$name"
  mv "$OUT" "$FLEET/$name"
}

# json helpers for the facts a recipe declares
jarr() { jq -cn '$ARGS.positional' --args "$@"; }

# ------------------------------------------------------------------ recipes

# slim: debian:bookworm-slim stand-in. 1 layer, root, bash.
image_slim() {
  base_tar slim
  local base=$WORK/base/slim.tar
  new_image slim
  add_layer "$base" "mmdebstrap --variant=minbase $SUITE"
  configure --config.entrypoint /bin/bash --config.env "$PATH_ENV"
  local extra
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$base")" \
    --argjson present "$(jarr /usr/bin/bash /usr/bin/sh /usr/bin/env /usr/bin/dpkg /etc/os-release /var/lib/dpkg/status)" \
    '{purpose: "debian:bookworm-slim stand-in: the base-image baseline",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, paths_present: $present, known_files: ["/usr/bin/env", "/etc/os-release"]}')
  finish slim "$extra" rootfs
}

# distroless: gcr.io/distroless/base stand-in. 1 layer, uid 65532, no shell/dpkg/apt.
image_distroless() {
  distroless_tar
  local base=$WORK/base/distroless.tar
  new_image distroless
  add_layer "$base" "distroless-like base (mmdebstrap --variant=extract + status.d)"
  configure --config.user 65532:65532 --config.env "$PATH_ENV" \
    --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --config.workingdir /home/nonroot
  local extra
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$base")" \
    --argjson present "$(jarr /etc/passwd /etc/ssl/certs/ca-certificates.crt /var/lib/dpkg/status.d/libc6 /home/nonroot /usr/lib/os-release)" \
    --argjson absent "$(jarr /bin/sh /usr/bin/sh /bin/bash /usr/bin/bash /usr/bin/dpkg /usr/bin/apt /var/lib/dpkg/status)" \
    '{purpose: "distroless-like hardened base: no shell, no package manager, nonroot user",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, paths_present: $present, paths_absent: $absent,
      known_files: ["/etc/passwd"]}')
  finish distroless "$extra" rootfs
}

# layers: tiny hand-made image exercising layer semantics (whiteouts, opaque dir, links).
image_layers() {
  new_image layers
  local l0 l1 l2
  l0=$(layer_from_spec layers-0 <<'EOF'
dir etc
file etc/passwd content='root:x:0:0:root:/root:/bin/sh\n'
dir data
file data/keep.txt content='keep me\n'
file data/overwrite.txt content='version 1\n'
file data/gone.txt content='deleted in layer 1, back in layer 2 (v1)\n'
file data/late-mode.sh content='#!/bin/sh\necho hi\n' mode=0644
file data/hl-a content='hard-linked content\n'
hardlink data/hl-b data/hl-a
symlink data/link-a link-b
symlink data/link-b link-c
symlink data/link-c keep.txt
symlink data/abs-link /data/keep.txt
symlink data/loop-x loop-y
symlink data/loop-y loop-x
dir data/opq
file data/opq/old-1.txt content='hidden by the opaque marker\n'
dir data/opq/sub
file data/opq/sub/old-2.txt size=4096 seed=old-2
dir data/dir-gone
file data/dir-gone/a.bin size=65536 seed=dir-gone-a
dir data/dir-gone/nested
file data/dir-gone/nested/b.bin size=32768 seed=dir-gone-b
file data/wasted.bin size=1048576 seed=wasted
EOF
)
  l1=$(layer_from_spec layers-1 <<'EOF'
dir data
file data/overwrite.txt content='version 2, longer than version 1\n'
whiteout data/gone.txt
whiteout data/dir-gone
opaque data/opq
file data/opq/new.txt content='only file left in opq\n'
file data/late.txt content='added in layer 1, deleted in layer 2\n'
whiteout data/wasted.bin
EOF
)
  l2=$(layer_from_spec layers-2 <<'EOF'
dir data
file data/gone.txt content='deleted in layer 1, back in layer 2 (v2)\n'
whiteout data/late.txt
file data/late-mode.sh content='#!/bin/sh\necho hi\n' mode=0755
symlink data/dangling /nonexistent/target
file data/setuid-tool content='not really a binary\n' mode=4755
file data/world-writable.txt content='anyone can write me\n' mode=0666
EOF
)
  add_layer "$l0" "COPY base/ /"
  add_layer "$l1" "RUN overwrite, rm, opaque"
  add_layer "$l2" "RUN re-add, chmod, links"
  configure --config.label org.opencontainers.image.title=layers
  local extra
  extra=$(jq -cn \
    --argjson present "$(jarr /data/keep.txt /data/overwrite.txt /data/gone.txt /data/opq/new.txt /data/hl-a /data/hl-b /data/link-a /data/loop-x /data/dangling)" \
    --argjson absent "$(jarr /data/dir-gone /data/dir-gone/a.bin /data/dir-gone/nested/b.bin /data/opq/old-1.txt /data/opq/sub /data/late.txt /data/wasted.bin)" \
    '{purpose: "layer semantics: file and dir whiteouts, opaque dir, re-added file, overwrite, mode change, hardlinks, symlink chain/loop/dangling",
      full_tree: true, paths_present: $present, paths_absent: $absent,
      known_files: ["/data/overwrite.txt", "/data/gone.txt", "/data/late-mode.sh", "/data/hl-b", "/data/link-a"],
      expect: {
        overwrite_txt: "version 2, longer than version 1\n",
        gone_txt: "deleted in layer 1, back in layer 2 (v2)\n",
        symlink_chain: {"/data/link-a": "/data/keep.txt"},
        symlink_loop: ["/data/loop-x", "/data/loop-y"],
        wasted_bytes_min: (1048576 + 65536 + 32768 + 4096)}}')
  finish layers "$extra" rootfs
}

# fat: node:18 / python:3.11 (non-slim) stand-in: build tools, waste and mistakes in later layers.
image_fat() {
  base_tar slim
  base_tar fat
  local slim=$WORK/base/slim.tar full=$WORK/base/fat.tar l1 l2 l3 key
  l1=$(diff_layer "$slim" "$full" fat-1)
  mkdir -p "$WORK/fat"
  extract_file "$slim" usr/bin/env "$WORK/fat/env"
  { extract_file "$slim" etc/bash.bashrc /dev/stdout; echo 'export HISTFILE=/dev/null  # added by a later layer'; } > "$WORK/fat/bash.bashrc"
  key=$WORK/fat/id_ed25519
  [[ -f $key ]] || ssh-keygen -q -t ed25519 -N '' -C 'builder@pare-fleet' -f "$key"
  l2=$(layer_from_spec fat-2 <<'EOF'
dir tmp mode=1777
file tmp/toolchain.tar.gz size=20971520 seed=toolchain
dir opt
dir opt/cache
file opt/cache/blob-1.bin size=1048576 seed=cache-1
file opt/cache/blob-2.bin size=1048576 seed=cache-2
file opt/cache/blob-3.bin size=1048576 seed=cache-3
dir opt/cache/sub
file opt/cache/sub/blob-4.bin size=1048576 seed=cache-4
file opt/cache/sub/blob-5.bin size=1048576 seed=cache-5
EOF
)
  l3=$(layer_from_spec fat-3 <<EOF
whiteout tmp/toolchain.tar.gz
whiteout opt/cache
file etc/bash.bashrc src=$WORK/fat/bash.bashrc
file usr/local/bin/env-suid src=$WORK/fat/env mode=4755
dir usr/local/etc
file usr/local/etc/app.conf content='token = changeme\n' mode=0666
dir root mode=0700
dir root/.ssh mode=0700
file root/.ssh/id_ed25519 src=$key mode=0600
file root/.ssh/id_ed25519.pub src=$key.pub mode=0644
EOF
)
  new_image fat
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install build-essential curl ca-certificates python3 python3-pip git libpq-dev"
  add_layer "$l2" "RUN curl -o /tmp/toolchain.tar.gz … && fill /opt/cache"
  add_layer "$l3" "RUN rm /tmp/toolchain.tar.gz && rm -rf /opt/cache && setup"
  configure --config.cmd bash --config.env "$PATH_ENV" --config.label maintainer=pare-fleet
  local extra
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$full")" \
    --argjson present "$(jarr /usr/bin/python3 /usr/bin/git /usr/bin/curl /usr/bin/make /usr/include/postgresql/libpq-fe.h /usr/local/bin/env-suid /root/.ssh/id_ed25519)" \
    --argjson absent "$(jarr /tmp/toolchain.tar.gz /opt/cache /opt/cache/blob-1.bin /opt/cache/sub/blob-5.bin)" \
    '{purpose: "big build image: benchmark subject; wasted bytes behind a file and a dir whiteout, setuid copy, world-writable file, SSH private key, edited base file",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, paths_present: $present, paths_absent: $absent,
      known_files: ["/usr/local/bin/env-suid", "/usr/local/etc/app.conf", "/etc/bash.bashrc", "/root/.ssh/id_ed25519"],
      secrets: [{path: "/root/.ssh/id_ed25519", kind: "ssh-private-key"}],
      expect: {wasted_file_whiteout: {path: "/tmp/toolchain.tar.gz", bytes: 20971520},
               wasted_dir_whiteout: {path: "/opt/cache", bytes: 5242880, files: 5},
               edited_base_file: "/etc/bash.bashrc", setuid_added: "/usr/local/bin/env-suid",
               world_writable_added: "/usr/local/etc/app.conf"}}')
  finish fat "$extra"
}

# python-app: python:3.11-slim + Flask app, root, AWS-key-like ENV, pip deps with advisories.
image_python_app() {
  base_tar slim
  base_tar python
  local slim=$WORK/base/slim.tar full=$WORK/base/python.tar site=$WORK/payload/python-site l1 l2 l3
  # every distribution pinned (transitive ones too) so the image, its facts and the SBOM
  # snapshot do not drift when a dependency publishes a release
  local direct="flask==3.0.3 requests==2.31.0 psycopg2-binary==2.9.9 urllib3==1.26.18 pillow==10.1.0"
  local reqs="$direct blinker==1.9.0 certifi==2026.10.18 charset-normalizer==3.5.2 click==8.5.1"
  reqs+=" idna==3.20 itsdangerous==2.2.0 jinja2==3.1.6 markupsafe==3.0.4 werkzeug==3.1.9"
  l1=$(diff_layer "$slim" "$full" python-1)
  # the cached site is reused only if it was installed from the same requirements
  if [[ ! -f $site.done || $(cat "$site.done") != "$reqs" ]]; then
    rm -rf "$site"
    log "pip install --target (cp311 manylinux wheels)"
    local pip=("$PY" -m pip)
    if ! "${pip[@]}" --version >/dev/null 2>&1; then
      # no pip for this python (Debian's python3 without python3-pip): a private venv has one
      [[ -x $WORK/pyvenv/bin/pip ]] || "$PY" -m venv "$WORK/pyvenv"
      pip=("$WORK/pyvenv/bin/pip")
    fi
    "${pip[@]}" install -q --no-cache-dir --disable-pip-version-check --root-user-action=ignore --target "$site" \
      --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
      $reqs
    find "$site" -name __pycache__ -prune -exec rm -rf {} +
    printf '%s' "$reqs" > "$site.done"
  fi
  rm -f "$WORK/layers/python-2.tar" "$WORK/layers/python-3.tar"
  l2=$(layer_from_spec python-2 <<EOF
dir usr/local/lib/python3.11
tree usr/local/lib/python3.11/dist-packages $site
EOF
)
  l3=$(layer_from_spec python-3 <<EOF
dir app
file app/app.py src=$PAYLOAD/python-app/app.py
EOF
)
  new_image python-app
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install python3 login"
  add_layer "$l2" "RUN pip install $direct"
  add_layer "$l3" "COPY app.py /app/"
  configure --config.entrypoint python3 --config.entrypoint /app/app.py --config.workingdir /app \
    --config.env "$PATH_ENV" --config.env AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2 \
    --config.env AWS_SECRET_ACCESS_KEY=q8Vd2fPareFleetTestOnly0nlyNotReal7xKz3W \
    --config.env PORT=8080 --config.exposedports 8080/tcp
  local py extra
  py=$(for d in "$site"/*.dist-info; do
         awk -F': ' '/^Name: /{n=$2} /^Version: /{v=$2} END{printf "{\"name\":\"%s\",\"version\":\"%s\"}\n", n, v}' "$d/METADATA"
       done | jq -cs 'sort_by(.name | ascii_downcase)')
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$full")" --argjson py "$py" \
    --argjson present "$(jarr /usr/bin/python3 /usr/bin/perl /usr/bin/login /app/app.py /usr/local/lib/python3.11/dist-packages/flask/__init__.py)" \
    '{purpose: "python:3.11-slim stand-in app: root user, secrets in ENV, pip deps with advisories, unused packages (perl, login)",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, python_packages: $py, paths_present: $present,
      known_files: ["/app/app.py"],
      secrets: [{env: "AWS_ACCESS_KEY_ID", kind: "aws-access-key-id"}, {env: "AWS_SECRET_ACCESS_KEY", kind: "aws-secret-access-key"}],
      unused_packages_hint: ["perl-base", "login"]}')
  finish python-app "$extra"
}

# node-app: node:18-slim stand-in + express app (uid 1000), npm deps with advisories + dev deps.
image_node_app() {
  base_tar slim
  base_tar node
  local slim=$WORK/base/slim.tar full=$WORK/base/node.tar app=$WORK/payload/node-app l1 l2
  l1=$(diff_layer "$slim" "$full" node-1)
  if [[ ! -f $app.done ]]; then
    need npm "npm"
    rm -rf "$app"; mkdir -p "$app"
    log "npm install (express, lodash; mocha as dev dependency)"
    echo '{"name":"node-app","version":"1.0.0","private":true,"main":"index.js"}' > "$app/package.json"
    (cd "$app" && npm install --no-audit --no-fund --no-update-notifier --loglevel=error express@4.18.2 lodash@4.17.20 \
      && npm install --no-audit --no-fund --no-update-notifier --loglevel=error -D mocha@10.2.0) >&2
    cp "$PAYLOAD/node-app/index.js" "$app/index.js"
    touch "$app.done"
  fi
  rm -f "$WORK/layers/node-2.tar"
  l2=$(layer_from_spec node-2 <<EOF
tree app $app uid=1000 gid=1000
EOF
)
  new_image node-app
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install nodejs && useradd node"
  add_layer "$l2" "COPY --chown=1000:1000 . /app"
  configure --config.user 1000:1000 --config.entrypoint node --config.entrypoint /app/index.js \
    --config.workingdir /app --config.env "$PATH_ENV" --config.env NODE_ENV=production \
    --config.exposedports 8080/tcp
  local npmpk extra
  # every package-lock entry; `installed` is false for optional ones npm skipped (fsevents on Linux)
  npmpk=$(jq -c '[.packages | to_entries[] | select(.key != "") |
      {path: .key, name: (.key | sub(".*node_modules/"; "")), version: .value.version,
       dev: (.value.dev // false), optional: (.value.optional // false)}] | sort_by(.path)' "$app/package-lock.json")
  npmpk=$(for p in $(jq -r '.[].path' <<<"$npmpk"); do [[ -f $app/$p/package.json ]] && echo true || echo false; done \
    | jq -cs --argjson pk "$npmpk" '[range(0; $pk | length) as $i | $pk[$i] + {installed: .[$i]}]')
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$full")" --argjson npm "$npmpk" \
    --argjson present "$(jarr /usr/bin/node /app/index.js /app/package.json /app/package-lock.json /app/node_modules/express/package.json /app/node_modules/lodash/package.json /app/node_modules/mocha/package.json /home/node)" \
    '{purpose: "node:18-slim stand-in app: uid 1000, npm deps with advisories, dev deps left in node_modules",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, npm_packages: $npm, paths_present: $present,
      known_files: ["/app/index.js", "/app/package-lock.json"]}')
  finish node-app "$extra"
}

# python-pg: the seeds' first migration failure as it happened. psycopg2 2.9.9 built from source
# (`pip install --no-binary psycopg2`, with Debian's python3-dev and libpq-dev on the host: its
# extension links the system's libpq.so.5) on python-app's base, which has no libpq5: verify must
# name libpq.so.5, and `import psycopg2` dies at run time.
image_python_pg() {
  base_tar slim
  base_tar python
  local slim=$WORK/base/slim.tar full=$WORK/base/python.tar pg=$WORK/payload/python-pg l1 l2 l3 extra
  l1=$(diff_layer "$slim" "$full" python-1)
  if [[ ! -f $pg.done ]]; then
    need pg_config libpq-dev
    [[ -f /usr/include/python3.11/Python.h ]] || die "Python.h not found: run .ci/run or \`apt-get install python3-dev\`"
    rm -rf "$pg"
    [[ -x $WORK/pgvenv/bin/pip ]] || /usr/bin/python3 -m venv "$WORK/pgvenv"
    log "pip install --no-binary psycopg2 (built against libpq-dev: links libpq.so.5)"
    "$WORK/pgvenv/bin/pip" install -q --no-cache-dir --disable-pip-version-check --use-pep517 --no-binary psycopg2 \
      --target "$pg" psycopg2==2.9.9 >&2
    find "$pg" -name __pycache__ -prune -exec rm -rf {} +
    touch "$pg.done"
  fi
  rm -f "$WORK/layers/python-pg-2.tar" "$WORK/layers/python-pg-3.tar"
  l2=$(layer_from_spec python-pg-2 <<SPEC
dir usr/local/lib/python3.11
tree usr/local/lib/python3.11/dist-packages $pg
SPEC
)
  l3=$(layer_from_spec python-pg-3 <<SPEC
dir app
file app/app.py src=$PAYLOAD/python-pg/app.py
SPEC
)
  new_image python-pg
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install python3 login"
  add_layer "$l2" "RUN pip install --no-binary psycopg2 psycopg2==2.9.9 (built with libpq-dev)"
  add_layer "$l3" "COPY app.py /app/"
  configure --config.entrypoint python3 --config.entrypoint /app/app.py --config.env "$PATH_ENV"
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$full")" \
    --argjson present "$(jarr /usr/bin/python3 /app/app.py /usr/local/lib/python3.11/dist-packages/psycopg2/__init__.py)" \
    '{purpose: "psycopg2 built from source on a base without libpq5: the seeds first migration failure",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, paths_present: $present, known_files: ["/app/app.py"]}')
  finish python-pg "$extra"
}

# nginx-app: nginx:stable stand-in, Debian's nginx-light run as its packages set it up (a root
# master, `pid /run/nginx.pid`, logs under /var/log/nginx, temp files under /var/lib/nginx): what
# breaks under a read-only root filesystem unless volumes cover it.
image_nginx_app() {
  base_tar slim
  base_tar nginx
  local slim=$WORK/base/slim.tar full=$WORK/base/nginx.tar l1 extra
  l1=$(diff_layer "$slim" "$full" nginx-1)
  new_image nginx-app
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install nginx-light"
  configure --config.entrypoint nginx --config.cmd -g --config.cmd 'daemon off;' \
    --config.env "$PATH_ENV" --config.exposedports 80/tcp
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$full")" \
    --argjson present "$(jarr /usr/sbin/nginx /etc/nginx/nginx.conf /etc/nginx/sites-enabled/default)" \
    '{purpose: "nginx:stable stand-in: Debian nginx-light as packaged, for read-only-root checks",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, paths_present: $present, known_files: ["/etc/nginx/nginx.conf"]}')
  finish nginx-app "$extra"
}

# go-distroless: distroless base + static Go binary (Debian's go 1.19, stdlib only), uid 65532.
image_go_distroless() {
  distroless_tar
  need go golang-go
  local bin=$WORK/payload/go/hello l1 gov
  mkdir -p "$WORK/payload/go"
  log "go build"
  (cd "$PAYLOAD/go-hello" && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-buildvcs=false GOCACHE=$WORK/gocache \
    go build -trimpath -o "$bin" .)
  l1=$(layer_from_spec go-1 <<EOF
dir app
file app/hello src=$bin mode=0755
EOF
)
  new_image go-distroless
  add_layer "$WORK/base/distroless.tar" "distroless-like base (mmdebstrap --variant=extract + status.d)"
  add_layer "$l1" "COPY hello /app/hello"
  configure --config.user 65532:65532 --config.entrypoint /app/hello --config.env "$PATH_ENV" \
    --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  gov=$(go version -m "$bin" | awk 'NR==1{print $2}')
  local extra
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$WORK/base/distroless.tar")" --arg gov "$gov" \
    --arg buildinfo "$(go version -m "$bin")" \
    '{purpose: "hardened reference: static Go binary on distroless, nonroot",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, go_binaries: [{path: "/app/hello", main_module: "example.com/pare/hello", go_version: $gov, buildinfo: $buildinfo}],
      paths_present: ["/app/hello"], paths_absent: ["/bin/sh", "/usr/bin/sh"],
      known_files: ["/app/hello"], run: {argv: ["/app/hello"], stdout: "hello from go 65532\n"}}')
  finish go-distroless "$extra" rootfs
}

# rust-distroless: distroless base + `cargo auditable` binary (.dep-v0 section), uid 65532.
image_rust_distroless() {
  distroless_tar
  if ! cargo auditable --version >/dev/null 2>&1; then
    log "cargo install --locked cargo-auditable"
    cargo install --locked --quiet cargo-auditable
  fi
  local tgt=$WORK/payload/rust-target bin l1
  log "cargo auditable build"
  (cd "$PAYLOAD/rs-hello" && CARGO_TARGET_DIR=$tgt cargo auditable build --release --locked --quiet)
  bin=$tgt/release/rs-hello
  l1=$(layer_from_spec rust-1 <<EOF
dir app
file app/rshello src=$bin mode=0755
EOF
)
  new_image rust-distroless
  add_layer "$WORK/base/distroless.tar" "distroless-like base (mmdebstrap --variant=extract + status.d)"
  add_layer "$l1" "COPY rs-hello /app/rshello"
  configure --config.user 65532:65532 --config.entrypoint /app/rshello --config.env "$PATH_ENV"
  local crates extra
  crates=$(awk '/^\[\[package\]\]/{if(n)print n" "v; n="";v=""} /^name = /{n=$3} /^version = /{v=$3} END{print n" "v}' \
    "$PAYLOAD/rs-hello/Cargo.lock" | tr -d '"' | jq -Rcs 'split("\n") | map(select(length>0) | split(" ") | {name: .[0], version: .[1]})')
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$WORK/base/distroless.tar")" --argjson crates "$crates" \
    '{purpose: "hardened reference: Rust binary with a cargo-auditable .dep-v0 section on distroless",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, rust_binaries: [{path: "/app/rshello", crates: $crates}],
      paths_present: ["/app/rshello"], paths_absent: ["/bin/sh", "/usr/bin/sh"],
      known_files: ["/app/rshello"], run: {argv: ["/app/rshello"], stdout: "hello from rust 42\n"}}')
  finish rust-distroless "$extra" rootfs
}

# java-app: distroless + real jars from Debian's Java library packages under /app/lib, and a
# Spring-Boot-style /app/app.jar nesting them (BOOT-INF/lib). No JRE: it is a cataloguing subject.
image_java_app() {
  distroless_tar
  local debs=$WORK/payload/java-debs jars=$WORK/payload/java-jars pkgs l1 j spec
  pkgs=(libcommons-lang3-java libcommons-text-java libjackson2-databind-java libjackson2-core-java
    libjackson2-annotations-java)
  if [[ ! -f $jars.done ]]; then
    rm -rf "$debs" "$jars"; mkdir -p "$debs" "$jars"
    log "apt-get download ${pkgs[*]}"
    local get=(apt-get -q -o APT::Sandbox::User=root download "${pkgs[@]}")
    (cd "$debs" && { "${get[@]}" || { apt-get update -q && "${get[@]}"; }; }) >&2
    local deb x
    for deb in "$debs"/*.deb; do
      x=$(mktemp -d); dpkg-deb -x "$deb" "$x"
      # the versioned jar files (the unversioned names are symlinks to them)
      for j in $(find "$x/usr/share/java" -maxdepth 1 -type f -name '*.jar'); do
        # Maven-style file name from the jar's own pom.properties: artifactId-version.jar
        cp "$j" "$jars/$("$PY" "$TARKIT" jars "x=$j" | jq -r '.[0].pom_properties[0] | "\(.artifactId)-\(.version).jar"')"
      done
      rm -rf "$x"
    done
    touch "$jars.done"
  fi
  spec="dir app"$'\n'"dir app/lib"$'\n'
  local pairs=() jarfacts=()
  for j in "$jars"/*.jar; do
    spec+="file app/lib/$(basename "$j") src=$j"$'\n'
    pairs+=("$(basename "$j")=$j"); jarfacts+=("/app/lib/$(basename "$j")=$j")
  done
  "$PY" "$TARKIT" fatjar "$WORK/payload/app.jar" "${pairs[@]}"
  spec+="file app/app.jar src=$WORK/payload/app.jar"$'\n'
  jarfacts+=("/app/app.jar=$WORK/payload/app.jar")
  l1=$(layer_from_spec java-1 <<<"$spec")
  new_image java-app
  add_layer "$WORK/base/distroless.tar" "distroless-like base (mmdebstrap --variant=extract + status.d)"
  add_layer "$l1" "COPY target/app.jar lib/ /app/"
  configure --config.user 65532:65532 --config.entrypoint java --config.entrypoint -jar \
    --config.entrypoint /app/app.jar --config.env "$PATH_ENV" --config.workingdir /app
  local extra
  extra=$(jq -cn --argjson deb "$("$PY" "$TARKIT" dpkg "$WORK/base/distroless.tar")" \
    --argjson jars "$("$PY" "$TARKIT" jars "${jarfacts[@]}")" \
    '{purpose: "Java cataloguing: Debian-built jars (pom.properties) and a Spring-Boot fat jar nesting them; no JRE",
      os_release: {id: "debian", version_id: "12"},
      deb_packages: $deb, java_archives: $jars, paths_present: ["/app/app.jar"],
      paths_absent: ["/usr/bin/java", "/bin/sh"], known_files: ["/app/app.jar"]}')
  finish java-app "$extra"
}

# rpm_payload -> $WORK/payload/rpm/: RPMs built with rpmbuild from scripts/fleet/payload/rpm/*.spec,
# installed by the real rpm (sqlite backend) into base/ (layer 0) and full/ (layer 1 on top);
# listings of both from `rpm -qa`. Debian's rpm writes sqlite and reads BDB (bdb_ro), so the
# Berkeley DB `Packages` is written by libdb's own db5.3_load from the same header blobs.
rpm_payload() {
  local p=$WORK/payload/rpm
  [[ -f $p.done ]] && return 0
  need rpmbuild rpm; need db5.3_load db5.3-util
  rm -rf "$p"; mkdir -p "$p"
  local top=$p/top spec
  log "rpmbuild (scripts/fleet/payload/rpm)"
  local defs=(--define "_topdir $top" --define "_buildhost pare-fleet"
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1")
  for spec in "$PAYLOAD"/rpm/*.spec; do rpmbuild -bb --quiet "${defs[@]}" "$spec" >&2; done
  # the upgrade the app layer installs
  rpmbuild -bb --quiet "${defs[@]}" --define "hver 2.13" --define "hrel 1.pare1" "$PAYLOAD/rpm/pare-hello.spec" >&2
  local r=$top/RPMS R=(rpm --dbpath /var/lib/rpm --define "_db_backend sqlite")
  # base: one transaction, then an imported signing key (a gpg-pubkey pseudo-package, as on any
  # Fedora/RHEL system; the public key is committed, made once with `gpg --quick-gen-key`)
  mkdir -p "$p/base"
  "${R[@]}" --root "$p/base" -i --nodeps --noscripts "$r"/noarch/pare-release-1-1.noarch.rpm \
    "$r"/x86_64/pare-hello-2.12-3.pare1.x86_64.rpm "$r"/noarch/pare-libfoo-1.4.0-7.pare1.noarch.rpm \
    "$r"/noarch/pare-meta-5-0.noarch.rpm 2> >(grep -v -e Alien -e 'know what you are doing' >&2)
  "${R[@]}" --root "$p/base" --import "$PAYLOAD/rpm/pare-fleet-key.asc" 2> >(grep -v -e Alien -e 'know what you are doing' >&2)
  # app: a later transaction (rpm's INSTALLTID has 1 s resolution; separate builds are seconds apart)
  cp -a "$p/base" "$p/full"
  sleep 1
  "${R[@]}" --root "$p/full" -U --nodeps --noscripts "$r"/noarch/pare-app-0.9.1-1.pare1.noarch.rpm \
    "$r"/noarch/pare-app-data-0.9.1-1.pare1.noarch.rpm "$r"/x86_64/pare-hello-2.13-1.pare1.x86_64.rpm \
    2> >(grep -v -e Alien -e 'know what you are doing' >&2)
  local d
  for d in base full; do
    # rpm checkpoints its WAL on close; a leftover -wal would hold packages no reader sees
    [[ ! -s $p/$d/var/lib/rpm/rpmdb.sqlite-wal ]] || die "rpm left a non-empty WAL in $d"
    rm -f "$p/$d"/var/lib/rpm/{.rpm.lock,rpmdb.sqlite-shm,rpmdb.sqlite-wal}
    mkdir -p "$p/$d"/{dev,proc,tmp}
  done
  "$PY" "$HERE/fleet/rpmdb.py" list "$p/base" > "$p/base.json"
  "$PY" "$HERE/fleet/rpmdb.py" facts "$p/full" "$p/base.json" > "$p/full.json"
  # the same packages in a Berkeley DB hash file, checked by rpm's own bdb_ro reader
  cp -a "$p/full" "$p/bdb"; rm "$p/bdb/var/lib/rpm/rpmdb.sqlite"
  "$PY" "$HERE/fleet/rpmdb.py" bdb-dump "$p/full/var/lib/rpm/rpmdb.sqlite" "$p/bdb.dump"
  db5.3_load -f "$p/bdb.dump" "$p/bdb/var/lib/rpm/Packages"
  "$PY" "$HERE/fleet/rpmdb.py" list "$p/bdb" bdb_ro 2>/dev/null > "$p/bdb.json"
  cmp -s <(jq -S 'map(del(.layer))' "$p/full.json") <(jq -S . "$p/bdb.json") \
    || die "rpm reads different packages from the Berkeley DB copy"
  for d in base full bdb; do
    tar --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
      -C "$p/$d" -cf "$p/$d.tar" .
  done
  touch "$p.done"
}

# rpm-app: an RPM-based image (rpmdb.sqlite, as Fedora 33+ / RHEL 9): a base layer of packages and
# a layer that installs an app and upgrades one base package. Distro `pare-rpm` (ID_LIKE=fedora),
# from the pare-release package: the RPMs are built here, so no real distro ID would be honest.
image_rpm_app() {
  rpm_payload
  local p=$WORK/payload/rpm l1
  l1=$(diff_layer "$p/base.tar" "$p/full.tar" rpm-app-1)
  new_image rpm-app
  add_layer "$p/base.tar" "rpm -i pare-release pare-hello pare-libfoo pare-meta && rpm --import key.asc"
  add_layer "$l1" "rpm -U pare-app pare-app-data pare-hello-2.13"
  configure --config.cmd /opt/pare-app/bin/run --config.env "$PATH_ENV"
  local extra
  extra=$(jq -cn --argjson rpm "$(jq -c '[.[] | select(.name != "gpg-pubkey")]' "$p/full.json")" \
    --argjson keys "$(jq -c '[.[] | select(.name == "gpg-pubkey") | .name + "-" + .version]' "$p/full.json")" \
    '{purpose: "RPM cataloguing: rpmdb.sqlite written by rpm, packages in two layers (one upgraded in the second), an epoch, subpackages, a file-less package, an imported key",
      os_release: {id: "pare-rpm", version_id: "1"},
      rpm_db: "/var/lib/rpm/rpmdb.sqlite", rpm_packages: $rpm, rpm_pubkeys: $keys,
      paths_present: ["/var/lib/rpm/rpmdb.sqlite", "/opt/pare-app/bin/run", "/usr/bin/pare-hello"],
      known_files: ["/var/lib/rpm/rpmdb.sqlite", "/usr/bin/pare-hello"]}')
  finish rpm-app "$extra" rootfs
}

# rpm-bdb: the same packages in a Berkeley DB hash `Packages` (as CentOS 7 / RHEL 8 / Amazon Linux 2).
# One layer, so every package is attributed to layer 0.
image_rpm_bdb() {
  rpm_payload
  local p=$WORK/payload/rpm
  new_image rpm-bdb
  add_layer "$p/bdb.tar" "rpm -i … (Berkeley DB backend)"
  configure --config.cmd /opt/pare-app/bin/run --config.env "$PATH_ENV"
  local extra
  extra=$(jq -cn --argjson rpm "$(jq -c '[.[] | select(.name != "gpg-pubkey") | .layer = 0]' "$p/full.json")" \
    '{purpose: "RPM cataloguing: a Berkeley DB hash Packages written by libdb (db5.3_load) and read back by rpm (bdb_ro)",
      os_release: {id: "pare-rpm", version_id: "1"},
      rpm_db: "/var/lib/rpm/Packages", rpm_packages: $rpm,
      paths_present: ["/var/lib/rpm/Packages"], paths_absent: ["/var/lib/rpm/rpmdb.sqlite"],
      known_files: ["/var/lib/rpm/Packages"]}')
  finish rpm-bdb "$extra" rootfs
}

# big (on demand): >= 2 GB uncompressed, for memory-flatness benchmarks.
image_big() {
  base_tar slim
  base_tar fat
  local slim=$WORK/base/slim.tar l1 l2
  l1=$(diff_layer "$slim" "$WORK/base/fat.tar" fat-1)
  l2=$WORK/layers/big-2.tar
  if [[ ! -s $l2 ]]; then
    { echo "dir srv"; echo "dir srv/data"
      for i in 1 2 3 4; do echo "file srv/data/random-$i.bin size=268435456 seed=big-random-$i"; done
      for i in 1 2 3 4; do echo "file srv/data/log-$i.txt size=268435456 seed=big-log-$i kind=text"; done
    } | layer_from_spec big-2 >/dev/null
  fi
  new_image big
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "RUN apt-get install build-essential curl ca-certificates python3 python3-pip git libpq-dev"
  add_layer "$l2" "COPY data/ /srv/data/"
  configure --config.cmd bash --config.env "$PATH_ENV"
  finish big '{"purpose": "memory-flatness benchmark subject: >= 2 GB uncompressed (1 GB random + 1 GB log-like text on top of fat)", "paths_present": ["/srv/data/random-4.bin", "/srv/data/log-4.txt"]}' "" "oci-zstd docker.tar"
}

# fat-flat (on demand): fat's Debian rootfs (build tools, curl, python3, git, libpq-dev) as one
# layer, the shape of the reader benchmark's reference (a ~600 MB single-layer Debian image):
# there the floor, decompressing the largest layer, is decompressing the whole image.
image_fat_flat() {
  base_tar fat
  new_image fat-flat
  add_layer "$WORK/base/fat.tar" "mmdebstrap --variant=minbase ${BASE_fat[*]} $SUITE"
  configure --config.cmd bash --config.env "$PATH_ENV"
  finish fat-flat '{"purpose": "reader benchmark subject: one ~600 MB layer", "os_release": {"id": "debian", "version_id": "12"}, "paths_present": ["/usr/bin/python3", "/usr/bin/git"]}' "" "oci-zstd docker.tar"
}

# python-flat: python-app squashed into one layer (`docker build --squash`, apko, flattening
# tools): the same files, config and app, but no layer boundary between base and app.
image_python_flat() {
  build_one python-app
  local root=$WORK/unpack-python-flat flat=$WORK/layers/python-flat.tar
  rm -rf "$root"
  umoci unpack --image "$FLEET/python-app/oci:latest" "$root" >/dev/null
  tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime -C "$root/rootfs" -cf "$flat.tmp" .
  mv "$flat.tmp" "$flat"
  rm -rf "$root"
  new_image python-flat
  add_layer "$flat" "squashed: python-app's four layers as one"
  configure --config.entrypoint python3 --config.entrypoint /app/app.py --config.workingdir /app \
    --config.env "$PATH_ENV" --config.env PORT=8080 --config.exposedports 8080/tcp
  finish python-flat '{"purpose": "python-app squashed into one layer: base and app cannot be told apart", "os_release": {"id": "debian", "version_id": "12"}, "paths_present": ["/usr/bin/python3", "/app/app.py", "/usr/local/lib/python3.11/dist-packages/PIL/__init__.py"]}'
}

# extract: Debian 12 files without a package database (`mmdebstrap --variant=extract`, as
# images that delete /var/lib/dpkg to look smaller): libc6 and libssl3 are there, dpkg's
# records are not, so a scanner that reads only package databases sees nothing.
image_extract() {
  local tar=$WORK/base/extract.tar
  if [[ ! -s $tar ]]; then
    log "mmdebstrap extract (no package database)"
    mmdebstrap --quiet --variant=extract --include=base-files,libc6,libssl3,openssl,zlib1g \
      --skip=output/dev "$SUITE" "$tar.tmp.tar" </dev/null
    mv "$tar.tmp.tar" "$tar"
  fi
  new_image extract
  add_layer "$tar" "mmdebstrap --variant=extract base-files libc6 libssl3 openssl zlib1g"
  configure --config.entrypoint /usr/bin/openssl --config.cmd version --config.env "$PATH_ENV"
  finish extract '{"purpose": "Debian 12 libraries without a package database", "os_release": {"id": "debian", "version_id": "12"}, "paths_present": ["/usr/bin/openssl", "/etc/os-release", "/var/lib/dpkg/status"]}'
}

# secrets: planted credentials of every kind pare_secrets knows, all generated here (keys by
# ssh-keygen/openssl, tokens spelled out with "PareFleet" in them: never real, never valid),
# in live files, in files a later layer deletes or overwrites, in ENV, in history and in a label.
# facts.json `secrets` lists exactly what must be reported (code, where, status).
image_secrets() {
  base_tar slim
  local slim=$WORK/base/slim.tar d=$WORK/secrets l1 l2 l3
  rm -rf "$d"; mkdir -p "$d"
  ssh-keygen -q -t ed25519 -N '' -C 'deleted@pare-fleet' -f "$d/id_ed25519"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/app.key" 2>/dev/null
  local gh=ghp_PareFleet0Generated9NotReal4u7Kx2QmZ
  local aws_id=AKIAQ7PARE4FLEETW6Z2 aws_secret=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
  printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nDEBUG=false\n' "$aws_id" "$aws_secret" > "$d/env"
  cat > "$d/settings.yaml" <<EOF
github:
  token: $gh
gitlab:
  token: glpat-Pare7Fleet3Gen9NotReal
slack:
  bot_token: xoxb-2718281828-3141592653-PareFleetGenNotReal7
stripe:
  secret_key: sk_live_PareFleet0Gen7NotReal4Kx9Qz
session:
  jwt: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwYXJlLWZsZWV0Iiwibm90ZSI6ImdlbmVyYXRlZCJ9.UGFyZUZsZWV0R2VuTm90UmVhbFNpZw
EOF
  printf '//registry.npmjs.org/:_authToken=npm_PareFleetGen0NotReal7Kx9QzW2mB4vYta1\n' > "$d/npmrc-token"
  printf 'registry=https://npm.pare-fleet.invalid/\n//npm.pare-fleet.invalid/:_auth=cGFyZS1mbGVldDpnZW5lcmF0ZWQ=\n' > "$d/npmrc-auth"
  printf '[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc%s\n' "PareFleetGen0NotReal7Kx9QzPareFleetGen0NotReal7Kx9QzPareFleet" > "$d/pypirc-token"
  printf '[internal]\nrepository = https://pypi.pare-fleet.invalid/\nusername = ci\npassword = Pare0Fleet7Gen9NotReal\n' > "$d/pypirc-password"
  printf 'machine git.pare-fleet.invalid login ci password Pare0Fleet7Gen9NotReal\n' > "$d/netrc"
  printf '{\n  "auths": {\n    "registry.pare-fleet.invalid": {\n      "auth": "cGFyZS1mbGVldDpnZW5lcmF0ZWQtbm90LXJlYWw="\n    }\n  }\n}\n' > "$d/docker-config.json"
  printf 'https://ci:Pare0Fleet7Gen9NotReal@git.pare-fleet.invalid\n' > "$d/git-credentials"
  printf 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: pare-fleet generated\nPrivate-Lines: 1\nPareFleetGen0NotReal7Kx9QzPareFleetGen0NotReal\n' > "$d/deploy.ppk"
  printf '#!/bin/sh\ngit clone https://x-access-token:%s@github.com/pare-fleet/app.git\n' "$gh" > "$d/deploy-v1.sh"
  printf '#!/bin/sh\ngit clone "https://x-access-token:${GITHUB_TOKEN}@github.com/pare-fleet/app.git"\n' > "$d/deploy-v2.sh"
  l1=$(layer_from_spec secrets-1 <<EOF
dir app
file app/.env src=$d/env mode=0600
dir app/config
file app/config/settings.yaml src=$d/settings.yaml
file app/deploy.sh src=$d/deploy-v1.sh mode=0755
dir root mode=0700
file root/.npmrc src=$d/npmrc-token mode=0600
file root/.pypirc src=$d/pypirc-token mode=0600
file root/.netrc src=$d/netrc mode=0600
file root/.git-credentials src=$d/git-credentials mode=0600
dir root/.docker mode=0700
file root/.docker/config.json src=$d/docker-config.json mode=0600
dir root/.ssh mode=0700
file root/.ssh/deploy.ppk src=$d/deploy.ppk mode=0600
dir srv
file srv/.pypirc src=$d/pypirc-password mode=0600
dir home
dir home/app
file home/app/.npmrc src=$d/npmrc-auth mode=0600
dir etc
dir etc/ssl
dir etc/ssl/private mode=0700
file etc/ssl/private/app.key src=$d/app.key mode=0600
EOF
)
  l2=$(layer_from_spec secrets-2 <<EOF
dir build
file build/id_ed25519 src=$d/id_ed25519 mode=0600
file build/.env src=$d/env mode=0600
EOF
)
  l3=$(layer_from_spec secrets-3 <<EOF
whiteout build
dir app
file app/deploy.sh src=$d/deploy-v2.sh mode=0755
EOF
)
  new_image secrets
  add_layer "$slim" "mmdebstrap --variant=minbase $SUITE"
  add_layer "$l1" "COPY app/ root/ srv/ home/ etc/ /"
  add_layer "$l2" "RUN |1 NPM_TOKEN=Pare0Fleet7Gen9NotReal /bin/sh -c git clone https://oauth2:glpat-Pare7Fleet3Gen9NotReal@gitlab.pare-fleet.invalid/app.git /build"
  add_layer "$l3" "RUN rm -rf /build && sed -i s/token/GITHUB_TOKEN/ /app/deploy.sh"
  configure --config.cmd /app/deploy.sh --config.env "$PATH_ENV" \
    --config.env GITHUB_TOKEN=$gh --config.env DB_PASSWORD=Pare0Fleet7Gen9NotReal \
    --config.env POSTGRES_PASSWORD_FILE=/run/secrets/pg --config.env SECRET_TOKEN=x \
    --config.label org.opencontainers.image.title=secrets --config.label deploy.api-key=Pare0Fleet7Gen9NotReal
  local extra
  extra=$(jq -cn '{purpose: "secrets analysis subject: a generated credential of every SEC kind in live, deleted and overwritten files, ENV, history and a label",
      os_release: {id: "debian", version_id: "12"},
      paths_absent: ["/build", "/build/id_ed25519"],
      planted_values: ["PareFleet", "Pare0Fleet7Gen9NotReal", "Q7PARE4FLEETW6Z2", "Zr8Vd2fPareFleet", "cGFyZS1mbGVldD"],
      secrets: [
        {code: "SEC004", where: "env:GITHUB_TOKEN"},
        {code: "SEC017", where: "env:DB_PASSWORD"},
        {code: "SEC005", where: "history[2]"},
        {code: "SEC018", where: "history[2]"},
        {code: "SEC019", where: "label:deploy.api-key"},
        {code: "SEC002", where: "/app/.env", layer: 1, status: "present"},
        {code: "SEC003", where: "/app/.env", layer: 1, status: "present"},
        {code: "SEC004", where: "/app/config/settings.yaml", layer: 1, status: "present"},
        {code: "SEC005", where: "/app/config/settings.yaml", layer: 1, status: "present"},
        {code: "SEC006", where: "/app/config/settings.yaml", layer: 1, status: "present"},
        {code: "SEC007", where: "/app/config/settings.yaml", layer: 1, status: "present"},
        {code: "SEC010", where: "/app/config/settings.yaml", layer: 1, status: "present"},
        {code: "SEC004", where: "/app/deploy.sh", layer: 1, status: "overwritten"},
        {code: "SEC001", where: "/etc/ssl/private/app.key", layer: 1, status: "present"},
        {code: "SEC011", where: "/home/app/.npmrc", layer: 1, status: "present"},
        {code: "SEC014", where: "/root/.docker/config.json", layer: 1, status: "present"},
        {code: "SEC015", where: "/root/.git-credentials", layer: 1, status: "present"},
        {code: "SEC013", where: "/root/.netrc", layer: 1, status: "present"},
        {code: "SEC008", where: "/root/.npmrc", layer: 1, status: "present"},
        {code: "SEC009", where: "/root/.pypirc", layer: 1, status: "present"},
        {code: "SEC016", where: "/root/.ssh/deploy.ppk", layer: 1, status: "present"},
        {code: "SEC012", where: "/srv/.pypirc", layer: 1, status: "present"},
        {code: "SEC002", where: "/build/.env", layer: 2, status: "deleted"},
        {code: "SEC003", where: "/build/.env", layer: 2, status: "deleted"},
        {code: "SEC001", where: "/build/id_ed25519", layer: 2, status: "deleted"}
      ]}')
  finish secrets "$extra"
}

# ------------------------------------------------------------------ driver

build_one() {
  local name=$1 fn=image_${1//-/_} t0
  declare -F "$fn" >/dev/null || die "unknown image \`$name\` (see --list)"
  if [[ -z ${FORCE:-} && -f $FLEET/$name/.stamp && $(cat "$FLEET/$name/.stamp") == "$FLEET_VERSION" ]]; then
    log "$name: up to date"
    return 0
  fi
  log "$name: building"
  t0=$(date +%s)
  "$fn"
  local dt=$(( $(date +%s) - t0 ))
  printf '%s\t%s\t%ss\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$dt" \
    "$(du -sh "$FLEET/$name" | cut -f1)" >> "$FLEET/build.log"
  log "$name: done in ${dt}s ($(jq -r '"\(.layer_count) layers, \(.uncompressed_size) bytes uncompressed"' "$FLEET/$name/facts.json"))"
}

main() {
  local images=()
  FORCE=
  while (($#)); do
    case $1 in
      --list) printf '%s\n' "${DEFAULT_IMAGES[@]}"; printf '%s (on demand)\n' "${ONDEMAND_IMAGES[@]}"; return 0 ;;
      -f|--force) FORCE=1 ;;
      -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      -*) die "unknown option \`$1\`" ;;
      *) images+=("$1") ;;
    esac
    shift
  done
  ((${#images[@]})) || images=("${DEFAULT_IMAGES[@]}")
  [[ $(id -u) == 0 ]] || die "mmdebstrap and umoci unpack need root here"
  need mmdebstrap mmdebstrap; need umoci umoci; need skopeo skopeo; need jq jq; need dpkg-deb dpkg
  need ssh-keygen openssh-client
  mkdir -p "$WORK"
  # one build at a time per fleet dir (several people share one)
  exec 9>"$FLEET/.lock"
  flock 9
  local t0=$SECONDS name
  for name in "${images[@]}"; do
    declare -F "image_${name//-/_}" >/dev/null || die "unknown image \`$name\` (see --list)"
  done
  prefetch_bases "${images[@]}"
  for name in "${images[@]}"; do build_one "$name"; done
  log "fleet ready in $FLEET ($((SECONDS - t0))s): ${images[*]}"
}

main "$@"
