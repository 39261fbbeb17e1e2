# Helpers shared by the bench scripts (sourced, not run).

# One word, shell-quoted, for a command line that scripts/interleave.py runs with /bin/sh -c.
q() { printf '%q' "$1"; }

# A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# The larger of two numbers.
larger() { awk -v a="$1" -v b="$2" 'BEGIN{print (a>b)?a:b}'; }

# OCI layout DIR -> the path of its largest layer blob.
largest_blob() {
  local dir=$1 m
  m=$(jq -r '.manifests[0].digest' "$dir/index.json" | cut -d: -f2)
  jq -r '.layers | max_by(.size) | .digest' "$dir/blobs/sha256/$m" | sed "s#sha256:#$dir/blobs/sha256/#"
}

# docker-archive FILE, DIR -> extracts the archive's largest member (a layer tar) into DIR and
# prints its path.
largest_member() {
  local big
  big=$(tar -tvf "$1" | sort -k3 -n | tail -1 | awk '{print $NF}')
  tar -xf "$1" -C "$2" "$big"
  printf '%s/%s\n' "$2" "$big"
}
