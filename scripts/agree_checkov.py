#!/usr/bin/env python3
"""Per-check agreement between pare's Kubernetes rules and checkov.

Usage: agree_checkov.py PARE_TSV CHECKOV_JSON CORPUS_ROOT

A pare diagnostic belongs to the checkov resource whose file and line range
contain it. For each checkov check that a pare rule lists as a peer
(RuleMeta.peers), resources are counted as flagged by both, by checkov only
or by pare only. Resources checkov never reported (it silently drops some
files) are counted apart.
"""
import collections, json, os, re, sys

# pare code -> checkov checks, from `RuleMeta.peers` (rule_list snapshot).
PEERS = {}
snap = os.path.join(os.path.dirname(__file__), "..", "crates", "pare_k8s", "src", "rules",
                    "snapshots", "pare_k8s__rules__tests__rule_list.snap")
for line in open(snap):
    m = re.match(r"(K8S\d+) (\S+) \S+ \[(.*)\]", line)
    if m:
        PEERS[m.group(1)] = (m.group(2), [p.split(":", 1)[1] for p in m.group(3).split(", ") if p.startswith("checkov:")])

pare_tsv, checkov_json, root = sys.argv[1:4]
root = os.path.abspath(root)
data = json.load(open(checkov_json))
reports = data if isinstance(data, list) else [data]
resources = collections.defaultdict(list)   # file -> [(start, end, resource)]
failed = collections.defaultdict(set)       # check -> {(file, resource)}
for r in reports:
    for fc in r["results"]["failed_checks"]:
        f = fc["file_path"].lstrip("/")
        lo, hi = fc["file_line_range"]
        key = (f, fc["resource"], lo)
        if (lo, hi, key) not in resources[f]:
            resources[f].append((lo, hi, key))
        failed[fc["check_id"]].add(key)

flagged = collections.defaultdict(set)      # pare code -> {resource key}
unseen = collections.Counter()              # pare code -> diagnostics outside checkov resources
for line in open(pare_tsv):
    path, ln, code, state = line.rstrip("\n").split("\t")
    if state != "active":
        continue
    f = os.path.relpath(os.path.abspath(path), root)
    ln = int(ln)
    hits = [k for lo, hi, k in resources.get(f, []) if lo <= ln <= hi]
    if hits:
        flagged[code].add(min(hits, key=lambda k: k[2]))
    else:
        unseen[code] += 1

print("| pare rule | checkov check | both | checkov only | pare only | agreement | pare outside checkov's resources |")
print("|---|---|---:|---:|---:|---:|---:|")
for code in sorted(PEERS):
    name, checks = PEERS[code]
    p = flagged[code]
    for check in checks or ["—"]:
        c = failed.get(check, set())
        both, c_only, p_only = len(p & c), len(c - p), len(p - c)
        total = both + c_only + p_only
        agree = f"{100 * both / total:.1f}%" if total else "n/a"
        print(f"| {code} `{name}` | {check} | {both} | {c_only} | {p_only} | {agree} | {unseen[code]} |")
