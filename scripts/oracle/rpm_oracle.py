"""Compares EVR strings with librpm (rpm.ver uses rpmverParse + rpmverCmp).
stdin: "a\tb" lines; stdout: "<cmp> <a_valid> <b_valid>" lines."""
import sys
import rpm


def parse(s):
    try:
        return rpm.ver(s)
    except Exception:
        return None


out = []
for line in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\n"):
    if not line:
        continue
    a, b = line.split("\t", 1)
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        out.append("x %d %d" % (va is not None, vb is not None))
    else:
        out.append("%d 1 1" % ((va > vb) - (va < vb)))
sys.stdout.write("\n".join(out) + "\n")
