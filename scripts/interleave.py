#!/usr/bin/env python3
"""Time commands side by side in interleaved rounds, for the bench scripts.

    scripts/interleave.py RUNS CMD [CMD ...]

Each CMD is a shell command line (run with /bin/sh -c, output discarded). One
warm-up round, then RUNS rounds; each round runs every command once, in an
order rotated from round to round. Prints one line per command, in argument
order: median wall seconds, peak RSS in MB (the largest of the runs), fastest
wall seconds.

Why interleaved: this VM's speed drifts by 10-25 % over tens of seconds, so N
runs of one command followed by N runs of the next put the drift into the
ratio between them. Run side by side, both commands see the same machine.

A command that exits with a status other than 0 or 1 (pare's "policy failed")
stops the benchmark with its stderr.
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["/bin/sh", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # wait4 reports this child's own peak RSS (and its waited-for children's)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"interleave.py: `{cmd}` exited with {code}:\n{err}")
    return wall, usage.ru_maxrss // 1024


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    cmds = sys.argv[2:]
    walls = [[] for _ in cmds]
    rss = [0 for _ in cmds]
    for c in cmds:
        run(c)
    for r in range(runs):
        for k in range(len(cmds)):
            i = (k + r) % len(cmds)
            w, m = run(cmds[i])
            walls[i].append(w)
            rss[i] = max(rss[i], m)
    for i in range(len(cmds)):
        print(f"{statistics.median(walls[i]):.3f} {rss[i]} {min(walls[i]):.3f}")


if __name__ == "__main__":
    main()
