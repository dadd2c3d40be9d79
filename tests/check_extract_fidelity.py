#!/usr/bin/env python3
"""Checks that extracted records say what their source says, independently of the C code.

For every record of a gp-extract output (JSON Lines) and every field position it
carries, the source line at that position must begin with the field's text there, and
every text field, with its lines joined, must occur in the source with its lines joined
(page footers and line breaks aside). Usage: check_extract_fidelity.py OUTPUT.jsonl
"""
import json
import re
import sys


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def main(path):
    problems = 0
    sources = {}
    records = [json.loads(line) for line in open(path, encoding="utf-8")]
    for rec in records:
        src = rec["sources"][0]
        if src["file"] not in sources:
            lines = open(src["file"], encoding="utf-8").read().split("\n")
            sources[src["file"]] = (lines, squash(" ".join(lines)))
        lines, flat = sources[src["file"]]
        for pointer, (line, col) in src.get("fields", {}).items():
            parts = pointer.strip("/").split("/")
            value = rec[parts[0]]
            if len(parts) == 2:
                value = value[int(parts[1])]
            value = str(value)
            at = lines[line - 1][col - 1:]
            first = squash(value.split("\n")[0])[:30]
            if not squash(at).startswith(first[: len(squash(at))][:30]) and not first.startswith(squash(at)[:30]):
                print(f"{src['file']}:{line}:{col}: {pointer} is {first!r}, the source has {at[:40]!r}")
                problems += 1
        for field in ("institution", "country", "region", "title", "description", "jury_comment"):
            value = rec[field]
            if value is None:
                continue
            for para in value.split("\n\n"):
                if squash(para) not in flat:
                    # a page break inside a paragraph: each piece must be in the source
                    pieces = [p for p in re.split(r"(?<=\S) (?=\S)", squash(para))]
                    if not all(p in flat for p in pieces):
                        print(f"{src['file']}:{src['line']}: {field} paragraph not in source: {para[:60]!r}")
                        problems += 1
        for field in ("topics", "priority_areas"):
            for item in rec[field]:
                if squash(item) not in flat:
                    print(f"{src['file']}:{src['line']}: {field} item not in source: {item!r}")
                    problems += 1
    print(f"{len(records)} records checked, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
