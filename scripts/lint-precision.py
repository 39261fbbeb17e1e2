#!/usr/bin/env python3
"""Precision and recall of pare's lint rules against the peers' own test
expectations, per mapped peer rule, and agreement with checkov run on the
same files.

Usage: scripts/lint-precision.py [--pare BIN] [--corpus DIR] [--peers DIR] [--no-run-peers]

- hadolint: the cases of `scripts/lint-expectations/hadolint-cases.json`,
  extracted by `scripts/hadolint_spec_cases.py` from hadolint's
  `test/Hadolint/Rule/DLxxxxSpec.hs` (commits cited per case). A case
  without `FROM` gets `FROM debian:12` first (pare refuses a file without
  one, as BuildKit does); `onBuild` cases wrap every `RUN` in `ONBUILD`, as
  hadolint's test helper does. hadolint itself is run on the same files as
  a check of the extraction.
- checkov: checkov's own test resources in the corpus
  (`bridgecrewio__checkov/tests__kubernetes__checks__example_<Check>__*-PASSED|FAILED.yaml`
  and `tests__dockerfile__checks__example_<Check>__success|failure*`), the
  check's id read from checkov's installed source (`<Check>.py`). checkov
  is run on them too, for agreement per (file, check).

pare "catches" a case when a diagnostic in that file lists the peer code in
its `peers`. Prints Markdown tables.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def mapped_peer_codes(tool):
    """Peer codes pare maps, read from the rule sources."""
    codes = set()
    for f in glob.glob(os.path.join(ROOT, "crates/pare_dockerfile/src/rules/*.rs")) + glob.glob(
        os.path.join(ROOT, "crates/pare_k8s/src/rules/*.rs")
    ):
        codes.update(re.findall(rf'"{tool}:([A-Z0-9_]+)"', open(f).read()))
    return codes


def pare_json(pare, paths):
    """pare's diagnostics per path, and the paths it could not parse."""
    r = subprocess.run(
        [pare, "lint", "--format", "json", "--no-peer-suppressions", *paths],
        capture_output=True,
        text=True,
    )
    if r.returncode not in (0, 1, 2):
        sys.exit(f"pare failed: {r.stderr}")
    per = defaultdict(list)
    for d in json.loads(r.stdout)["diagnostics"]:
        per[d["path"]].append(d)
    errors = {line.split(":", 2)[1].strip() for line in r.stderr.splitlines() if line.startswith("error:")}
    return per, errors


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r


def table(title, rows, extra_cols=()):
    print(f"\n### {title}\n")
    head = "| peer rule | cases | TP | FP | FN | TN | precision | recall |" + "".join(f" {c} |" for c in extra_cols)
    print(head)
    print("|" + "---|" * (8 + len(extra_cols)))
    tot = [0, 0, 0, 0, 0]
    for rule in sorted(rows):
        tp, fp, fn, tn, *extra = rows[rule]
        p, r = prf(tp, fp, fn)
        tot = [a + b for a, b in zip(tot, [tp + fp + fn + tn, tp, fp, fn, tn])]
        print(f"| {rule} | {tp+fp+fn+tn} | {tp} | {fp} | {fn} | {tn} | {p:.2f} | {r:.2f} |" + "".join(f" {e} |" for e in extra))
    n, tp, fp, fn, tn = tot
    p, r = prf(tp, fp, fn)
    print(f"| **all** | {n} | {tp} | {fp} | {fn} | {tn} | **{p:.2f}** | **{r:.2f}** |" + " |" * len(extra_cols))


def hadolint_part(args, diffs):
    cases = json.load(open(os.path.join(HERE, "lint-expectations/hadolint-cases.json")))
    mapped = mapped_peer_codes("hadolint")
    tmp = tempfile.mkdtemp(prefix="pare-hadolint-cases-")
    paths = []
    for i, c in enumerate(cases):
        text = c["dockerfile"]
        if c["onbuild"]:
            out, cont = [], False
            for line in text.split("\n"):
                if not cont and re.match(r"\s*run\b", line, re.I):
                    line = "ONBUILD " + line.lstrip()
                out.append(line)
                cont = line.rstrip().endswith("\\")
            text = "\n".join(out)
        if not re.search(r"^\s*FROM\b", text, re.I | re.M):
            text = "FROM debian:12\n" + text
        p = os.path.join(tmp, f"case{i:03d}.Dockerfile")
        open(p, "w").write(text)
        paths.append(p)
    per, errors = pare_json(args.pare, paths)
    rows = {}
    had = defaultdict(lambda: [0, 0])
    for c, p in zip(cases, paths):
        if c["rule"] not in mapped:
            continue
        caught = any(f"hadolint:{c['rule']}" in d["peers"] for d in per.get(p, []))
        row = rows.setdefault(c["rule"], [0, 0, 0, 0])
        idx = {(True, True): 0, (False, True): 1, (True, False): 2, (False, False): 3}[(c["expect"], caught)]
        row[idx] += 1
        if c["expect"] != caught:
            diffs.append(f"{c['rule']} {'FN' if c['expect'] else 'FP'} `{c['title']}`{' (onbuild)' if c['onbuild'] else ''}"
                         f"{' [pare parse error]' if p in errors else ''}: {c['dockerfile'].strip()!r}")
        if args.run_peers:
            r = subprocess.run([os.path.join(args.peers, "hadolint"), "--no-fail", "-f", "json", p],
                               capture_output=True, text=True)
            try:
                hc = any(x["code"] == c["rule"] for x in json.loads(r.stdout or "[]"))
            except json.JSONDecodeError:
                hc = False
            had[c["rule"]][0 if hc == c["expect"] else 1] += 1
    extra = ()
    if args.run_peers:
        for rule, row in rows.items():
            ok, bad = had[rule]
            row.append(f"{ok}/{ok+bad}")
        extra = ("hadolint meets its own expectation",)
    srcs = sorted({c["source"].split(":")[0] for c in cases})
    table(f"hadolint's expectations ({len(cases)} cases from {', '.join(srcs)})", rows, extra)


def checkov_ids(kind):
    base = glob.glob(os.path.join(args_global.peers, "..", "lib", "python3*", "site-packages", "checkov"))
    if not base:
        sys.exit("checkov's source not found beside the peers (pip install checkov into /opt/pare-peers)")
    sub = "kubernetes/checks/resource/k8s" if kind == "k8s" else "dockerfile/checks"
    ids = {}
    for f in glob.glob(os.path.join(base[0], sub, "*.py")):
        m = re.search(r'id = "(CKV_[A-Z0-9_]+)"', open(f).read())
        if m:
            ids[os.path.basename(f)[:-3]] = m.group(1)
    return ids


def checkov_part(args, diffs):
    mapped = mapped_peer_codes("checkov")
    cases = []
    k8s_ids = checkov_ids("k8s")
    for p in sorted(glob.glob(os.path.join(args.corpus, "k8s/bridgecrewio__checkov/tests__kubernetes__checks__example_*"))):
        # `x-PASSED.yaml`, `xFAILED2.yaml`, `x-pass.yaml`; files holding both
        # (`1PASSED-1FAILED`) and `UNKNOWN` ones have no per-file expectation.
        m = re.search(r"example_([A-Za-z0-9]+)__(.*?)(PASSED|FAILED|-pass|-fail)[0-9]*\.ya?ml$", p)
        if m and ("PASSED" in m.group(2) or "FAILED" in m.group(2)):
            continue
        if m and k8s_ids.get(m.group(1)) in mapped:
            cases.append((p, k8s_ids[m.group(1)], m.group(3) in ("FAILED", "-fail"), "kubernetes"))
    df_ids = checkov_ids("dockerfile")
    for p in sorted(glob.glob(os.path.join(args.corpus, "dockerfiles/bridgecrewio__checkov/tests__dockerfile__checks__example_*"))):
        m = re.search(r"example_([A-Za-z0-9]+)__(success|failure)", p)
        if m and df_ids.get(m.group(1)) in mapped:
            cases.append((p, df_ids[m.group(1)], m.group(2) == "failure", "dockerfile"))
    per, errors = pare_json(args.pare, [c[0] for c in cases])
    ck = {}
    if args.run_peers:
        for fw in ("kubernetes", "dockerfile"):
            files = [c[0] for c in cases if c[3] == fw]
            back = {}
            if fw == "dockerfile":
                # checkov finds Dockerfiles by name: stage each as `Dockerfile`.
                stage = tempfile.mkdtemp(prefix="pare-checkov-df-")
                staged = []
                for i, f in enumerate(files):
                    d = os.path.join(stage, str(i))
                    os.makedirs(d)
                    t = os.path.join(d, "Dockerfile")
                    open(t, "w").write(open(f).read())
                    back[os.path.abspath(t)] = os.path.abspath(f)
                    staged.append(t)
                files = staged
            cmd = [os.path.join(args.peers, "checkov"), "--framework", fw, "--skip-download", "--quiet",
                   "--compact", "-o", "json"]
            for f in files:
                cmd += ["-f", f]
            r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
            out = json.loads(r.stdout or "{}")
            for rep in out if isinstance(out, list) else [out]:
                for res in rep.get("results", {}).get("failed_checks", []):
                    f = os.path.abspath(res["file_abs_path"])
                    ck[(back.get(f, f), res["check_id"])] = True
    rows, agree = {}, defaultdict(lambda: [0, 0])
    for p, cid, expect, _ in cases:
        caught = any(f"checkov:{cid}" in d["peers"] for d in per.get(p, []))
        row = rows.setdefault(cid, [0, 0, 0, 0])
        row[{(True, True): 0, (False, True): 1, (True, False): 2, (False, False): 3}[(expect, caught)]] += 1
        if expect != caught:
            diffs.append(f"{cid} {'FN' if expect else 'FP'} {os.path.basename(p)}{' [pare parse error]' if p in errors else ''}")
        if args.run_peers:
            agree[cid][0 if ck.get((os.path.abspath(p), cid), False) == caught else 1] += 1
    extra = ()
    if args.run_peers:
        for cid, row in rows.items():
            a, b = agree[cid]
            row.append(f"{a}/{a+b}")
        extra = ("agrees with checkov run",)
    table(f"checkov's expectations ({len(cases)} test resources of checkov's own suite in the corpus)", rows, extra)


def main():
    global args_global
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", default=os.path.join(ROOT, "target/debug/pare"))
    ap.add_argument("--corpus", default=os.environ.get("PARE_CORPUS", "/work/shared/corpus"))
    ap.add_argument("--peers", default=os.environ.get("PARE_PEERS", "/opt/pare-peers/bin"))
    ap.add_argument("--no-run-peers", dest="run_peers", action="store_false")
    args = ap.parse_args()
    args_global = args
    diffs = []
    hadolint_part(args, diffs)
    checkov_part(args, diffs)
    print("\n### Every difference\n")
    for d in diffs:
        print(f"- {d}")


if __name__ == "__main__":
    main()
