#!/usr/bin/env bash
# `pare secrets` on one text file larger than the index's 10 MiB per-file cap, read as a stream
# in windows: time and peak RSS for dumps of each SIZE (bytes), to show memory does not grow
# with the file. Each image is an OCI layout of one gzip layer holding `srv/dump.sql` (SIZE bytes
# of one INSERT row repeated) with an AWS key ID on its last line, which must be found there.
#
#   scripts/bench-secrets-large.sh [SIZE...]     default: 40000000 400000000
#
# Needs: a release build (built here), python3.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
cargo build --release -q -p pare --bin pare
PARE=${CARGO_TARGET_DIR:-$REPO/target}/release/pare
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(40000000 400000000)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

make_layout() {
  python3 - "$1" "$2" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(f"{out}/blobs/sha256")
row = b"INSERT INTO t VALUES (1, 'lorem ipsum dolor sit amet');\n"
data = row * (n // len(row)) + b"AWS_ACCESS_KEY_ID=AKIAQ7PARE4TESTW6ZK2\n"
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(b)
    return "sha256:" + d
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
    ti = tarfile.TarInfo("srv/dump.sql"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
tar = buf.getvalue(); gz = gzip.compress(tar, compresslevel=1, mtime=0)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(cfg), "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(gz), "size": len(gz)}]}).encode()
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                               "digest": put(man), "size": len(man)}]}, open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
print(data.count(b"\n"))
PY
}

printf '| dump | pare secrets | peak RSS | key found on line (expected) |\n|---|---|---|---|\n'
for n in "${SIZES[@]}"; do
  lines=$(make_layout "$n" "$WORK/o$n")
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$PARE" secrets --format json "$WORK/o$n" >"$WORK/out.json" || true
  read -r secs kb < <(tail -n 1 "$WORK/time")
  line=$(python3 -c 'import json,sys; print(",".join(str(f["location"]["line"]) for f in json.load(open(sys.argv[1]))["findings"]))' "$WORK/out.json")
  printf '| %s MB | %s s | %s MB | %s (%s) |\n' "$((n / 1000000))" "$secs" "$((kb / 1024))" "$line" "$lines"
done
