#!/usr/bin/env python3
"""Scores variant clusters, gp-lint's or a peer's, against the truth bench/gen_variants.py wrote.

Reads gp-lint's findings (--format=json, one per line) and keeps the <kind>.variants
ones of topics, institutions, countries and regions. A cluster's members come from the
finding's "cluster" field (its members' values), or, from a gp-lint without that field,
from its "value" ("a | b | c"). With --clusters the file holds clusters in a neutral form
instead, one JSON object a line, {"field": "topics", "values": ["Pensions", "Pensinos"]}
(bench/openrefine_peer.py writes them). A member's true value is the truth's, or the
member itself when the truth does not list it (the rules' spelling of a value no record
wrote).
Per field it prints
  typos      the distinct typo variants the data holds
  found      those put in a cluster with a member that is their true value written
             without a typo (or the rules' spelling of it)
  recall     found / typos
  clusters   the clusters reported
  false      clusters joining two different true values
  hard       hard-negative pairs joined in one cluster (must be 0)
and a total line; --json prints the same as one JSON object.
"""
import argparse
import collections
import json
import sys

KIND_FIELD = {"topic": "topics", "institution": "institution", "country": "country",
              "region": "region"}
FIELDS = ("topics", "institution", "country", "region")


def members(finding):
    cluster = finding.get("cluster")
    if isinstance(cluster, dict):
        return [m["value"] for m in cluster.get("members", [])]
    return (finding.get("value") or "").split(" | ")


def gp_lint_clusters(findings):
    """(field, members) of each <kind>.variants finding of a vocabulary field."""
    for d in findings:
        kind, _, rest = (d.get("rule") or "").partition(".")
        if rest == "variants" and kind in KIND_FIELD:
            yield KIND_FIELD[kind], members(d)


def score(clusters, truth):
    true = {f: {} for f in FIELDS}
    typos = {f: set() for f in FIELDS}
    for v in truth["values"]:
        true[v["field"]][v["value"]] = v["true"]
        if v["typo"]:
            typos[v["field"]].add(v["value"])
    hard = {f: [] for f in FIELDS}
    for h in truth["hard_negatives"]:
        hard[h["field"]].append(set(h["values"]))

    res = {f: collections.Counter() for f in FIELDS}
    found = {f: set() for f in FIELDS}
    for f, vals in clusters:
        if f not in true:
            continue
        trues = [true[f].get(m, m) for m in vals]
        res[f]["clusters"] += 1
        if len(set(trues)) > 1:
            res[f]["false"] += 1
        res[f]["hard"] += sum(1 for pair in hard[f] if pair <= set(trues))
        # the true values present as themselves: written right, or the rules' spelling
        right = {t for m, t in zip(vals, trues) if m not in typos[f]}
        for m, t in zip(vals, trues):
            if m in typos[f] and t in right:
                found[f].add(m)
    out = {}
    for f in FIELDS + ("total",):
        if f == "total":
            r = {k: sum(out[g][k] for g in FIELDS) for k in ("typos", "found", "clusters", "false", "hard")}
        else:
            r = {"typos": len(typos[f]), "found": len(found[f]), "clusters": res[f]["clusters"],
                 "false": res[f]["false"], "hard": res[f]["hard"]}
        r["recall"] = r["found"] / r["typos"] if r["typos"] else 1.0
        out[f] = r
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0] + "\n",
                                epilog=__doc__.partition("\n\n")[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("findings", help="gp-lint --format=json output (or clusters, with --clusters)")
    p.add_argument("truth", help="the truth file of bench/gen_variants.py")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--clusters", action="store_true",
                   help='read clusters {"field": ..., "values": [...]} instead of findings')
    args = p.parse_args(argv)
    with open(args.truth, encoding="utf-8") as f:
        truth = json.load(f)
    with open(args.findings, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    if args.clusters:
        clusters = [(c["field"], c["values"]) for c in lines]
    else:
        clusters = list(gp_lint_clusters(lines))
    out = score(clusters, truth)
    if args.json:
        print(json.dumps(out, sort_keys=True))
        return 0
    print(f"{'field':<12} {'typos':>7} {'found':>7} {'recall':>7} {'clusters':>9} {'false':>6} {'hard':>5}")
    for f, r in out.items():
        print(f"{f:<12} {r['typos']:>7} {r['found']:>7} {r['recall']:>7.3f} {r['clusters']:>9} "
              f"{r['false']:>6} {r['hard']:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
