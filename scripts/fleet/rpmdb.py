#!/usr/bin/env python3
"""rpm database helpers for the fleet's RPM images (stdlib only).

  rpmdb.py bdb-dump RPMDB.SQLITE OUT      db_load input (`db5.3_load -f OUT Packages`) holding the
                                          same header blobs, keyed by hnum, as rpm's BDB backend
                                          stores them (key 0 = next free instance number)
  rpmdb.py list ROOT [BACKEND]            packages as rpm itself reports them (`rpm -qa`), JSON
  rpmdb.py facts ROOT BASE.json           `list` plus the layer each package came from: 0 when the
                                          base layer's listing (BASE.json) already had it, else 1

Everything about a package comes from the real `rpm` binary's queryformat output, not from
parsing the database ourselves: these are the facts pare is checked against.
"""
import json
import sqlite3
import struct
import subprocess
import sys

SEP = "\x1f"
QF = SEP.join(["%{NAME}", "%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}", "%{ARCH}", "%{LICENSE}",
               "%{SOURCERPM}", "%{VENDOR}", "[%{FILEMODES:perms} %{FILENAMES}\x1e]"]) + "\n"


def rpm(root, backend, *args):
    cmd = ["rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--define", f"_db_backend {backend}", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def cmd_bdb_dump(sqlite_path, out):
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    rows = db.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    with open(out, "w") as f:
        f.write("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n")
        nxt = max((h for h, _ in rows), default=0) + 1
        f.write(f" {struct.pack('<I', 0).hex()}\n {struct.pack('<I', nxt).hex()}\n")
        for h, b in rows:
            f.write(f" {struct.pack('<I', h).hex()}\n {bytes(b).hex()}\n")
        f.write("DATA=END\n")


def listing(root, backend="sqlite"):
    out = []
    for line in rpm(root, backend, "-qa", "--qf", QF).split("\n"):
        if not line:
            continue
        name, evr, arch, lic, srpm, vendor, fl = line.split(SEP)
        # directories are not owned files in pare's sense (as for dpkg)
        files = sorted(l.split(" ", 1)[1] for l in fl.split("\x1e") if l and not l.startswith("d"))
        none = lambda v: None if v == "(none)" else v
        out.append({"name": name, "version": evr, "arch": none(arch), "license": none(lic),
                    "source_rpm": none(srpm), "vendor": none(vendor), "files": files})
    return sorted(out, key=lambda p: (p["name"], p["version"]))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "bdb-dump":
        cmd_bdb_dump(*args)
    elif cmd == "list":
        json.dump(listing(*args), sys.stdout, indent=1)
    elif cmd == "facts":
        root, base = args
        before = {(p["name"], p["version"], p["arch"]) for p in json.load(open(base))}
        pkgs = listing(root)
        for p in pkgs:
            p["layer"] = 0 if (p["name"], p["version"], p["arch"]) in before else 1
        json.dump(pkgs, sys.stdout, indent=1)
    else:
        sys.exit(f"rpmdb.py: unknown command `{cmd}`")


if __name__ == "__main__":
    main()
