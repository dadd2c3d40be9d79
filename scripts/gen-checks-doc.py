#!/usr/bin/env python3
"""Writes docs/checks.md from rules/checks.yaml, so the reference never drifts from the
rules. Usage: gen-checks-doc.py rules/checks.yaml > docs/checks.md
(tests/CMakeLists.txt checks that docs/checks.md is what this prints)."""
import sys

import yaml


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def main(path):
    # BaseLoader keeps every scalar a string, as gpkit's loader does: YAML 1.1 would
    # read the level `off` as False.
    checks = yaml.load(open(path, encoding="utf-8"), Loader=yaml.BaseLoader)["checks"]
    out = ["# Checks", "",
           "Every finding gpkit reports has one of these rule ids. The level is the default;",
           "`rules/checks.yaml` may change it (`off` silences a check), and `lint: suppressions`",
           "accepts one finding for one record. This page is generated from",
           "`rules/checks.yaml` by `scripts/gen-checks-doc.py`: edit the rules, not this page.", ""]
    groups = {}
    for c in checks:
        groups.setdefault(c["id"].split(".")[0], []).append(c)
    out.append("| id | level | what it means |")
    out.append("| --- | --- | --- |")
    for c in checks:
        out.append(f"| [`{c['id']}`](#{c['id'].replace('.', '')}) | {c['level']} | {cell(c['description'])} |")
    for group in groups:
        out += ["", f"## {group}"]
        for c in groups[group]:
            out += ["", f"### {c['id']}", "", f"Level: **{c['level']}**. {c['description']}"]
            if c.get("bad"):
                out += ["", "Bad:", "", "```", c["bad"], "```"]
            if c.get("good"):
                out += ["", "Good:", "", "```", c["good"], "```"]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
