#!/usr/bin/env python3
"""A plain record-linkage baseline for gp-dedup's benchmark, as a curator would write one.

Usage: dedup_peer.py [--window W] [--institution T] [--jaccard T] [--containment T] IN.jsonl... > OUT.jsonl

Reads records (gp-norm's output, one JSON object a line) and groups the ones it takes for
the same practice, in the usual steps of record linkage:
  normalise  casefold, accents and punctuation dropped, white space collapsed, in the
             institution and the description (or summary); the country is its ISO code
             when the record has one;
  block      multi-pass sorted neighbourhood: the records sorted by country, award year,
             institution and description, then by country, award year and description
             (for a typo in the institution), each record compared with the W - 1 before
             it (default W = 10);
  compare    a pair needs the same country and award year, institutions whose
             Jaro-Winkler similarity (jellyfish) is at least --institution (0.85: a
             letter dropped early in a 30-letter name scores below 0.90), and
             descriptions alike: the Jaccard similarity of their three-word shingles at
             least --jaccard (0.50), or, for a shortened copy, the share of the shorter
             one's shingles found in the other at least --containment (0.80);
  group      union-find over the matched pairs.
Titles are not compared: in the benchmark's data a title comes from one source only.
Writes one JSON object a line per group, {"id": ..., "sources": [...]}, the sources of its
members, which bench/dedup_eval.py scores as it scores gp-dedup's dataset. Needs the
python3-jellyfish package (run it with /usr/bin/python3).
"""
import argparse
import json
import sys
import unicodedata
import warnings

# jellyfish 0.8 (Debian 12) warns about its own C argument parsing on every call
warnings.filterwarnings("ignore", category=DeprecationWarning)


def norm(text):
    """Casefolded words without accents or punctuation, one space apart."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text
                            if not unicodedata.combining(c)).split())


def shingles(text):
    words = text.split()
    if len(words) < 3:
        return {text}
    return {hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2)}


class UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0],
                                epilog=__doc__.partition("\n\n")[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="records, one JSON object a line")
    p.add_argument("--window", type=int, default=10, help="sorted-neighbourhood window (10)")
    p.add_argument("--institution", type=float, default=0.85,
                   help="least Jaro-Winkler similarity of the institutions (0.85)")
    p.add_argument("--jaccard", type=float, default=0.50,
                   help="least Jaccard similarity of the descriptions' shingles (0.50)")
    p.add_argument("--containment", type=float, default=0.80,
                   help="least share of the shorter description's shingles in the other (0.80)")
    args = p.parse_args(argv)
    try:  # after the options, so that --help works without it
        import jellyfish
    except ImportError:
        sys.exit("dedup_peer.py: needs Debian's python3-jellyfish (bash scripts/dev peers), "
                 "run by /usr/bin/python3")

    country, year, inst, text, sources = [], [], [], [], []
    for path in args.inputs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                country.append(r.get("country_code") or norm(r.get("country")))
                year.append(r.get("award_year") or 0)
                inst.append(norm(r.get("institution")))
                text.append(norm(r.get("description") or r.get("summary")))
                sources.append(r.get("sources") or [])
    n = len(sources)
    groups = UnionFind(n)

    def alike(a, sa, b, sb):
        if country[a] != country[b] or year[a] != year[b]:
            return False
        if jellyfish.jaro_winkler_similarity(inst[a], inst[b]) < args.institution:
            return False
        common = len(sa & sb)
        if not common:
            return False
        return (common / len(sa | sb) >= args.jaccard or
                common / min(len(sa), len(sb)) >= args.containment)

    passes = [lambda i: (country[i], year[i], inst[i], text[i]),
              lambda i: (country[i], year[i], text[i])]
    for key in passes:
        window = []  # (index, shingles) of the W - 1 records before
        for i in sorted(range(n), key=key):
            si = shingles(text[i])
            for j, sj in window:
                if groups.find(i) != groups.find(j) and alike(i, si, j, sj):
                    groups.union(i, j)
            window.append((i, si))
            if len(window) >= args.window:
                window.pop(0)

    members = {}
    for i in range(n):
        members.setdefault(groups.find(i), []).append(i)
    out = sys.stdout
    for k, (root, idx) in enumerate(sorted(members.items())):
        srcs = [s for i in idx for s in sources[i]]
        out.write(json.dumps({"id": f"peer-{k}", "sources": srcs}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
