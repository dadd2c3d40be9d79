#!/usr/bin/env python3
"""Makes a large raw-record input for the benchmarks by varying the seed records.

Reads gp-extract's JSON Lines of the seeds and writes N records: each a seed record with
its description numbered (so every record is another practice), and, at random, the
variations real dumps show: spacing, case of names, straight/curly quotes, dashes and
non-breaking hyphens, topic order, alias spellings (Programme & evaluation, Asia and
Pacific, Republic of Korea). Deterministic for a given seed.
Usage: gen_records.py SEED_RECORDS.jsonl N [TYPO_RATE] > out.jsonl
TYPO_RATE (default 0): the share of records whose institution gets a typo (two letters
swapped or one dropped), so that gp-lint's variant discovery has clusters to find.
"""
import argparse
import json
import random
import sys

ALIASES = {
    "Programme evaluation": "Programme & evaluation",
    "Social policies & programmes": "Social policies and programmes",
    "Korea, Republic of": "Republic of Korea",
    "Asia and Pacific": "Asia and the Pacific",
    "Türkiye": "Turquie",
    "Viet Nam": "Vietnam",
}


def typo(text, rnd):
    letters = [k for k, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    k = rnd.choice(letters[1:-1])
    if rnd.random() < 0.5:
        return text[:k] + text[k + 1] + text[k] + text[k + 2:]
    return text[:k] + text[k + 1:]


def vary(rec, i, rnd, typo_rate=0.0):
    r = dict(rec)
    r["topics"] = list(rec["topics"])
    r["sources"] = [{"file": rec["sources"][0]["file"], "line": i + 1, "format": rec["sources"][0]["format"]}]
    desc = rec["description"] or rec["title"] or "A practice"
    r["description"] = f"Practice {i}: " + desc
    roll = rnd.random()
    if roll < 0.2:
        r["description"] = r["description"].replace(" ", "  ", 3).replace("’", "'")
    elif roll < 0.3:
        r["description"] = r["description"].replace("-", "\u2011", 2)
    if rnd.random() < 0.1 and r["institution"]:
        r["institution"] = r["institution"].upper()
    if typo_rate and rnd.random() < typo_rate and r["institution"]:
        r["institution"] = typo(r["institution"], rnd)
    if rnd.random() < 0.3:
        rnd.shuffle(r["topics"])
    for field in ("country", "region"):
        if r[field] in ALIASES and rnd.random() < 0.5:
            r[field] = ALIASES[r[field]]
    r["topics"] = [ALIASES.get(t, t) if rnd.random() < 0.5 else t for t in r["topics"]]
    return r


def main(path, n, typo_rate=0.0):
    seeds = [json.loads(line) for line in open(path, encoding="utf-8")]
    for rec in seeds:
        rec["sources"][0].pop("fields", None)
    rnd = random.Random(42)
    out = sys.stdout
    for i in range(n):
        out.write(json.dumps(vary(seeds[i % len(seeds)], i, rnd, typo_rate), ensure_ascii=False))
        out.write("\n")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.partition("Usage:")[0].strip(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("seeds", metavar="SEED_RECORDS.jsonl", help="gp-extract's records of the seeds")
    p.add_argument("n", metavar="N", type=int, help="how many records to write")
    p.add_argument("typo_rate", metavar="TYPO_RATE", type=float, nargs="?", default=0.0,
                   help="share of records whose institution gets a typo (default 0)")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    main(args.seeds, args.n, args.typo_rate)
