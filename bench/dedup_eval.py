#!/usr/bin/env python3
"""Precision and recall of a gp-dedup dataset against the truth of bench/gen_dedup.py.

Usage: dedup_eval.py OUT.truth DATASET.jsonl

Each record of the dataset is a predicted group: the input records named in its
`sources`. Pairwise measures: a pair of input records is predicted when both are in one
dataset record, and true when both come from one practice.
  precision = true predicted pairs / predicted pairs
  recall    = true predicted pairs / true pairs
Also checks that nothing was lost: every input record is named by exactly one dataset
record. Prints one line: precision recall records_in records_out.
"""
import json
import sys
from collections import Counter


def pairs(n):
    return n * (n - 1) // 2


def main(truth_path, dataset_path):
    truth = {}
    for line in open(truth_path):
        name, ln, pid = line.rstrip("\n").split("\t")
        truth[(name, int(ln))] = int(pid)
    seen = set()
    predicted = correct = 0
    out = 0
    for line in open(dataset_path, encoding="utf-8"):
        rec = json.loads(line)
        out += 1
        members = []
        for s in rec["sources"]:
            key = (s["file"], s["line"])
            if key in seen:
                sys.exit(f"input record {key} is in two dataset records")
            seen.add(key)
            members.append(truth[key])
        predicted += pairs(len(members))
        correct += sum(pairs(c) for c in Counter(members).values())
    if len(seen) != len(truth):
        sys.exit(f"{len(truth) - len(seen)} input records are missing from the dataset")
    true_pairs = sum(pairs(c) for c in Counter(truth.values()).values())
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    print(f"{precision:.4f} {recall:.4f} {len(truth)} {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
