#!/usr/bin/env python3
"""docs/bad-input.md: every row names a test, and every test it names exists.

Usage: check-bad-input-doc.py SOURCE_DIR
"""
import glob
import os
import re
import sys

src = sys.argv[1]
doc = open(os.path.join(src, "docs", "bad-input.md"), encoding="utf-8").read()
units = set()
for path in glob.glob(os.path.join(src, "tests", "test_*.c")):
    units.update(re.findall(r"^static void (test_\w+)\(", open(path, encoding="utf-8").read(), re.M))
others = {"memory/one-huge-line": "tests/check-memory.sh",
          "property/conservation": "tests/property/conservation.py"}
bad = 0
rows = 0
for line in doc.splitlines():
    if not line.startswith("| ") or line.startswith("| input") or line.startswith("| ---"):
        continue
    rows += 1
    cell = line.rstrip(" |").rsplit("|", 1)[-1]
    names = re.findall(r"`([^`]+)`", cell)
    if not names and "not tested" not in cell:
        print("row names no test: " + line[:100])
        bad = 1
    for name in names:
        if name.startswith("cli/"):
            ok = os.path.isfile(os.path.join(src, "tests", name, "cmd"))
        elif name.startswith("test_"):
            ok = name in units
        else:
            ok = name in others and os.path.exists(os.path.join(src, others[name]))
        if not ok:
            print("no such test: %s" % name)
            bad = 1
print("%d rows checked" % rows)
sys.exit(bad)
