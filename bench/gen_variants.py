#!/usr/bin/env python3
"""Makes a variant-discovery benchmark: records whose vocabulary values carry typos, and the truth.

Each record is a seed record (numbered, so that every record is another practice) whose
institution, country, region and topics are drawn again, by frequency: a value the seeds
use weighs its count there plus one, a value only the rules know weighs one. The country
comes first; the institution is one of that country's (institutions are scoped by country),
the region the country's ISSA region. Values are written as the rules spell them.

In TYPO_RATE of the records one of those values gets a one-letter typo of one kind, drawn
evenly: insertion, deletion, substitution or transposition of adjacent letters. A typo
that would read as a value the rules or the data already know (or only differ from its
true value in case) is drawn again.

Hard negatives are real values, written without a typo like any other, that a discovery
must never join: the topics Employment/Unemployment and Pensions/Old-age pensions, the
institutions Social Insurance Institution/Social Security Institution (both in Finland and
in Poland, where the rules know only the first), and short country names (Iran/Iraq,
Mali/Malawi, Niger/Nigeria, Austria/Australia, Gambia/Zambia).

The truth (one JSON document) lists every distinct written value per field with its true
value, its count, and the kind of typo or null, and the hard-negative pairs:
  {"values": [{"field": "topics", "value": "Emplyment", "true": "Employment",
               "typo": "deletion", "count": 12}, ...],
   "hard_negatives": [{"field": "topics", "values": ["Employment", "Unemployment"]}, ...]}
bench/score_variants.py scores gp-lint's findings against it. Deterministic for a --seed.
"""
import argparse
import collections
import json
import os
import random
import sys
import unicodedata

import yaml

FIELDS = ("institution", "country", "region", "topics")
KINDS = ("insertion", "deletion", "substitution", "transposition")
HARD_TOPICS = [("Employment", "Unemployment"), ("Pensions", "Old-age pensions")]
HARD_COUNTRIES = [("IR", "IQ"), ("ML", "MW"), ("NE", "NG"), ("AT", "AU"), ("GM", "ZM")]
# Written as the short name, which the rules know as an alias of the ISO name.
SHORT_NAMES = {"IR": "Iran"}
HARD_INSTITUTIONS = ("Social Insurance Institution", "Social Security Institution")
HARD_INSTITUTION_COUNTRIES = ("FI", "PL")
HARD_WEIGHT = 4


def fold(text):
    """A matching key close to the rules' lookups: case, accents, punctuation, &/and, spacing."""
    text = unicodedata.normalize("NFKD", text or "").casefold().replace("&", " and ")
    return "".join(ch for ch in text if ch.isalnum())


class Rules:
    def __init__(self, folder):
        def load(name):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                # every scalar a string: YAML 1.1 would read Norway's code NO as false
                return yaml.load(f, Loader=yaml.BaseLoader)

        countries = load("countries.yaml")["countries"]
        iso_path = countries.get("iso_codes", "/usr/share/iso-codes/json/iso_3166-1.json")
        with open(iso_path, encoding="utf-8") as f:
            iso = {e["alpha_2"]: e for e in json.load(f)["3166-1"]}
        self.country_name = {code: e["name"] for code, e in iso.items()}
        self.country_region = {}
        self.country_key = {}  # folded name or alias -> code
        for code, e in iso.items():
            for k in ("name", "official_name", "common_name"):
                if k in e:
                    self.country_key.setdefault(fold(e[k]), code)
        for e in countries.get("entries", []):
            self.country_region[e["code"]] = e.get("region")
            for a in e.get("aliases", []) or []:
                a = a["name"] if isinstance(a, dict) else a
                self.country_key[fold(a)] = e["code"]
        self.regions, self.region_key = [], {}
        for e in load("regions.yaml")["regions"]:
            self.regions.append(e["name"])
            for a in [e["name"]] + (e.get("aliases") or []) + (e.get("translations") or []):
                self.region_key[fold(a)] = e["name"]
        self.topics, self.topic_key = [], {}
        for e in load("topics.yaml")["topics"]:
            self.topics.append(e["name"])
            for a in [e["name"]] + (e.get("aliases") or []) + (e.get("translations") or []):
                a = a["name"] if isinstance(a, dict) else a
                self.topic_key[fold(a)] = e["name"]
        self.institutions = collections.defaultdict(list)  # code -> canonical names
        self.institution_key = {}  # (code, folded) -> canonical
        for e in load("institutions.yaml")["institutions"]:
            code = e["country"]
            if e["name"] not in self.institutions[code]:
                self.institutions[code].append(e["name"])
            names = [e["name"]] + [a["name"] if isinstance(a, dict) else a for a in e.get("aliases") or []]
            for a in names:
                self.institution_key[(code, fold(a))] = e["name"]


def seed_counts(rules, path):
    """Counts of the seeds' values, resolved to the rules' spelling where the rules know them."""
    counts = {f: collections.Counter() for f in FIELDS}
    templates = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for s in rec.get("sources", []):
                s.pop("fields", None)
            templates.append(rec)
            code = rules.country_key.get(fold(rec.get("country")))
            if code:
                counts["country"][code] += 1
                inst = rules.institution_key.get((code, fold(rec.get("institution"))))
                if inst:
                    counts["institution"][(code, inst)] += 1
            region = rules.region_key.get(fold(rec.get("region")))
            if region:
                counts["region"][region] += 1
            for t in rec.get("topics") or []:
                topic = rules.topic_key.get(fold(t))
                if topic:
                    counts["topics"][topic] += 1
    return counts, templates


class Pool:
    """Values drawn by weight."""

    def __init__(self, weights):
        self.values = list(weights)
        self.cum, total = [], 0
        for v in self.values:
            total += weights[v]
            self.cum.append(total)
        self.total = total

    def draw(self, rnd):
        import bisect
        return self.values[bisect.bisect_right(self.cum, rnd.random() * self.total)]


def typo(text, kind, rnd):
    letters = [k for k, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 2:
        return None
    k = rnd.choice(letters)
    lower = "abcdefghijklmnopqrstuvwxyz"
    def letter_like(ch):
        c = rnd.choice(lower)
        return c.upper() if ch.isupper() else c
    if kind == "insertion":
        return text[:k] + letter_like(text[k]) + text[k:]
    if kind == "deletion":
        return text[:k] + text[k + 1:]
    if kind == "substitution":
        c = letter_like(text[k])
        return None if c.casefold() == text[k].casefold() else text[:k] + c + text[k + 1:]
    pairs = [k for k in letters if k + 1 < len(text) and text[k + 1].isalpha()
             and text[k].casefold() != text[k + 1].casefold()]
    if not pairs:
        return None
    k = rnd.choice(pairs)
    return text[:k] + text[k + 1] + text[k] + text[k + 2:]


def main(argv=None):
    args = parse_args(argv)
    rules = Rules(args.rules)
    counts, templates = seed_counts(rules, args.seeds)
    rnd = random.Random(args.seed)

    # countries: the rules' entries, the institutions' countries, the hard negatives
    codes = set(rules.country_region) | set(rules.institutions)
    for pair in HARD_COUNTRIES:
        codes.update(pair)
    cweights = {c: counts["country"][c] + 1 for c in sorted(codes) if c in rules.country_name}
    for pair in HARD_COUNTRIES:
        for c in pair:
            cweights[c] = max(cweights[c], HARD_WEIGHT)
    countries = Pool(cweights)
    regions = Pool({r: counts["region"][r] + 1 for r in rules.regions})
    tweights = {t: counts["topics"][t] + 1 for t in rules.topics}
    for pair in HARD_TOPICS:
        for t in pair:
            tweights[t] = max(tweights[t], HARD_WEIGHT)
    topics = Pool(tweights)
    institutions = {}
    for code, names in rules.institutions.items():
        w = {n: counts["institution"][(code, n)] + 1 for n in names}
        if code in HARD_INSTITUTION_COUNTRIES:
            for n in HARD_INSTITUTIONS:
                w[n] = max(w.get(n, 0), HARD_WEIGHT)
        institutions[code] = Pool(w)

    # what a typo must not read as: any value the rules know, per field
    taken = {
        "institution": {k[1] for k in rules.institution_key} | {fold(n) for n in HARD_INSTITUTIONS},
        "country": set(rules.country_key),
        "region": set(rules.region_key),
        "topics": set(rules.topic_key),
    }
    truth = {f: {} for f in FIELDS}  # written -> [true, typo kind, count]

    def write(field, value, true, kind=None):
        t = truth[field].get(value)
        if t:
            t[2] += 1
        else:
            truth[field][value] = [true, kind, 1]
        return value

    def misspell(field, value):
        for _ in range(20):
            kind = KINDS[rnd.randrange(len(KINDS))]
            bad = typo(value, kind, rnd)
            if not bad:
                continue
            key = fold(bad)
            if key in taken[field]:
                continue
            seen = truth[field].get(bad)
            if seen and seen[0] != value:
                continue
            return write(field, bad, value, kind)
        return write(field, value, value)

    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    for i in range(args.n):
        rec = dict(templates[i % len(templates)])
        code = countries.draw(rnd)
        country = SHORT_NAMES.get(code, rules.country_name[code])
        region = rules.country_region.get(code) or regions.draw(rnd)
        inst = institutions[code].draw(rnd) if code in institutions else None
        chosen = []
        for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
            t = topics.draw(rnd)
            if t not in chosen:
                chosen.append(t)
        values = {"institution": inst, "country": country, "region": region}
        slot = None
        if rnd.random() < args.typo_rate:
            slots = [f for f in ("institution", "country", "region") if values[f]]
            slots += [("topics", k) for k in range(len(chosen))]
            slot = slots[rnd.randrange(len(slots))]
        for f in ("institution", "country", "region"):
            v = values[f]
            if v is None:
                continue
            true = rules.country_name[code] if f == "country" else v
            values[f] = misspell(f, v) if slot == f else write(f, v, true)
        written = [misspell("topics", t) if slot == ("topics", k) else write("topics", t, t)
                   for k, t in enumerate(chosen)]
        rec.update(values)
        rec["topics"] = written
        desc = rec.get("description") or rec.get("title") or "A practice"
        rec["description"] = f"Practice {i}: " + desc
        src = rec["sources"][0]
        rec["sources"] = [{"file": src["file"], "line": i + 1, "format": src["format"]}]
        out.write(json.dumps(rec, ensure_ascii=False))
        out.write("\n")
    if out is not sys.stdout:
        out.close()

    # a typo of the short name "Iran" is true to the ISO name, as the rules resolve "Iran"
    for f in FIELDS:
        for t in truth[f].values():
            if f == "country":
                code = rules.country_key.get(fold(t[0]))
                t[0] = rules.country_name.get(code, t[0])
    hard = [{"field": "topics", "values": list(p)} for p in HARD_TOPICS]
    hard.append({"field": "institution", "values": list(HARD_INSTITUTIONS)})
    hard += [{"field": "country", "values": [rules.country_name[a], rules.country_name[b]]}
             for a, b in HARD_COUNTRIES]
    doc = {
        "records": args.n,
        "typo_rate": args.typo_rate,
        "seed": args.seed,
        "values": [{"field": f, "value": v, "true": t[0], "typo": t[1], "count": t[2]}
                   for f in FIELDS for v, t in sorted(truth[f].items())],
        "hard_negatives": hard,
    }
    truth_path = args.truth or ((args.output or "variants.jsonl") + ".truth.json")
    with open(truth_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
        f.write("\n")
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0] + "\n",
                                epilog=__doc__.partition("\n\n")[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", required=True, metavar="SEED_RECORDS.jsonl",
                   help="gp-extract's records of the seeds (the templates and the frequencies)")
    p.add_argument("-n", type=int, default=100000, help="how many records to write (default 100000)")
    p.add_argument("--typo-rate", type=float, default=0.05,
                   help="share of records with a typo in one value (default 0.05)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--rules", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules"),
                   help="the rules folder whose values are drawn (default: the bundled rules)")
    p.add_argument("-o", "--output", help="the records (default: standard output)")
    p.add_argument("--truth", help="the truth file (default: OUTPUT.truth.json)")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
