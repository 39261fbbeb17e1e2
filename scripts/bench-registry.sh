#!/usr/bin/env bash
# Benchmarks `pare inspect` reading an image from a loopback registry against reading the same
# image from its OCI layout on disk (warm page cache, median of RUNS interleaved rounds of the
# three reads, scripts/interleave.py; peak RSS).
# Registries: Debian's docker-registry, anonymous over plain HTTP, and htpasswd behind TLS
# (CA-signed leaf, `--ca-file`). Images are pushed with `skopeo copy`. Target: registry <= 1.2x.
#
#   scripts/bench-registry.sh [FLEET_IMAGE...]     default: slim fat
#
# Needs: docker-registry skopeo apache2-utils openssl (apt-get install -y docker-registry skopeo
# apache2-utils openssl), python3, the fleet (scripts/fleet.sh).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
FLEET=${PARE_FLEET:-$REPO/.fleet}
RUNS=${RUNS:-5}
for b in docker-registry skopeo htpasswd openssl; do
  command -v $b >/dev/null || { echo "missing $b: apt-get install -y docker-registry skopeo apache2-utils openssl" >&2; exit 2; }
done
cargo build --release -q -p pare --bin pare
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
PARE=$TARGET/release/pare
IMAGES=("$@")
((${#IMAGES[@]} > 0)) || IMAGES=(slim fat)

W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PLAIN=127.0.0.1:$(free_port)
SECURE=127.0.0.1:$(free_port)
mkdir -p "$W/plain" "$W/secure/certs"
cat >"$W/plain/config.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $W/plain/data}}
http: {addr: $PLAIN, secret: pare-bench}
YML
S=$W/secure
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pare bench CA" -keyout "$S/ca.key" -out "$S/certs/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$S/server.key" -out "$S/server.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$S/leaf.ext"
openssl x509 -req -days 2 -CAcreateserial -in "$S/server.csr" -CA "$S/certs/ca.crt" -CAkey "$S/ca.key" -extfile "$S/leaf.ext" -out "$S/server.crt" 2>/dev/null
htpasswd -Bbc "$S/htpasswd" pare s3cret-pw 2>/dev/null
cat >"$S/config.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $S/data}}
http:
  addr: $SECURE
  secret: pare-bench
  tls: {certificate: $S/server.crt, key: $S/server.key}
auth: {htpasswd: {realm: pare-bench, path: $S/htpasswd}}
YML
docker-registry serve "$W/plain/config.yml" >"$W/plain.log" 2>&1 & PIDS+=($!)
docker-registry serve "$S/config.yml" >"$W/secure.log" 2>&1 & PIDS+=($!)
for a in $PLAIN $SECURE; do
  for _ in $(seq 100); do (exec 3<>/dev/tcp/${a%:*}/${a#*:}) 2>/dev/null && break; sleep 0.1; done
done

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

printf '| image | size | OCI layout | registry, HTTP | ratio | registry, TLS + basic auth | ratio | peak RSS layout / HTTP / TLS |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for img in "${IMAGES[@]}"; do
  L=$FLEET/$img/oci
  [[ -f $L/index.json ]] || { echo "missing fleet image $img: run scripts/fleet.sh $img" >&2; exit 2; }
  skopeo copy -q --dest-tls-verify=false "oci:$L:latest" "docker://$PLAIN/pare/$img:latest"
  skopeo copy -q --dest-creds pare:s3cret-pw --dest-cert-dir "$S/certs" "oci:$L:latest" "docker://$SECURE/pare/$img:latest"
  out=$(scripts/interleave.py "$RUNS" "$(q "$PARE") inspect --format json $(q "$L")" \
    "$(q "$PARE") inspect --format json --insecure-registry $PLAIN $PLAIN/pare/$img:latest" \
    "echo s3cret-pw | $(q "$PARE") inspect --format json --ca-file $(q "$S/certs/ca.crt") --username pare --password-stdin $SECURE/pare/$img:latest")
  { read -r lw lr _; read -r hw hr _; read -r tw tr _; } <<<"$out"
  printf '| %s | %s | %ss | %ss | %.2fx | %ss | %.2fx | %s / %s / %s MB |\n' "$img" "$(du -sh "$L" | cut -f1)" \
    "$lw" "$hw" "$(echo "$hw / $lw" | bc -l)" "$tw" "$(echo "$tw / $lw" | bc -l)" "$lr" "$hr" "$tr"
done
