#!/usr/bin/env python3
"""Extract hadolint's own rule expectations from its Haskell test specs.

Usage: scripts/hadolint_spec_cases.py COMMIT SPEC.hs... > cases.json

Each `ruleCatches "DLxxxx" <dockerfile>` (the rule must fire),
`ruleCatchesNot` (it must not), and their `onBuildRuleCatches[Not]` forms
(every `RUN` wrapped in `ONBUILD`, as hadolint's test helper does) becomes
one case. The Dockerfile is a string literal (with Haskell escapes and
string gaps), or a `dockerFile` binding of a list of lines joined as
`Text.unlines` does. Files are hadolint's `test/Hadolint/Rule/DLxxxxSpec.hs`
(GPL-3.0); only the Dockerfile snippets and expectations are kept.
"""

import json
import re
import sys

ASSERTS = {
    "ruleCatches": (True, False),
    "ruleCatchesNot": (False, False),
    "onBuildRuleCatches": (True, True),
    "onBuildRuleCatchesNot": (False, True),
}


def tokens(src):
    """Haskell tokens enough for specs: strings, identifiers, punctuation."""
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("--", i) and (i + 2 >= n or src[i + 2] in " -\n"):
            while i < n and src[i] != "\n":
                i += 1
        elif c.isspace():
            i += 1
        elif c == '"':
            i += 1
            out = []
            while i < n and src[i] != '"':
                if src[i] == "\\":
                    nxt = src[i + 1]
                    if nxt.isspace():  # string gap: \   \
                        i += 1
                        while src[i] != "\\":
                            i += 1
                        i += 1
                        continue
                    out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "&": ""}.get(nxt, nxt))
                    i += 2
                else:
                    out.append(src[i])
                    i += 1
            i += 1
            yield ("str", "".join(out))
        elif c.isalpha() or c == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_'.]*", src[i:])
            yield ("id", m.group(0))
            i += len(m.group(0))
        else:
            yield ("p", c)
            i += 1


def cases(path, commit):
    src = open(path, encoding="utf-8").read()
    toks = list(tokens(src))
    bindings = {}
    title = ""
    out = []
    k = 0
    while k < len(toks):
        kind, val = toks[k]
        if kind == "id" and val == "it" and k + 1 < len(toks) and toks[k + 1][0] == "str":
            title = toks[k + 1][1]
        elif kind == "id" and k + 1 < len(toks) and toks[k + 1] == ("p", "=") and val[0].islower():
            j = k + 2
            joined = False
            if toks[j] == ("id", "Text.unlines"):
                joined = True
                j += 1
            if toks[j] == ("p", "["):
                lines = []
                j += 1
                while toks[j] != ("p", "]"):
                    if toks[j][0] == "str":
                        lines.append(toks[j][1])
                    j += 1
                bindings[val] = ("\n".join(lines) + "\n") if joined else lines
        elif kind == "id" and val in ASSERTS:
            expect, onbuild = ASSERTS[val]
            code = toks[k + 1][1]
            j = k + 2
            if toks[j] == ("p", "$"):
                j += 1
            unlines = False
            if toks[j] == ("id", "Text.unlines"):
                unlines = True
                j += 1
            tk, tv = toks[j]
            if tk == "str":
                text = tv
            else:
                b = bindings[tv]
                text = b if isinstance(b, str) else "\n".join(b) + "\n"
                del unlines
            out.append({
                "rule": code,
                "expect": expect,
                "onbuild": onbuild,
                "title": title,
                "dockerfile": text,
                "source": f"hadolint/hadolint@{commit}:test/Hadolint/Rule/{path.rsplit('/', 1)[-1]}",
            })
        k += 1
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    commit = sys.argv[1]
    allc = []
    for p in sys.argv[2:]:
        c = commit
        if "@" in p:
            p, c = p.split("@", 1)
        allc.extend(cases(p, c))
    json.dump(allc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
