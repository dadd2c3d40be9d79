#!/usr/bin/env python3
"""Makes a synthetic dataset with known duplicate groups, for gp-dedup's benchmark.

Usage: gen_dedup.py SEED_RECORDS.jsonl N OUT.jsonl OUT.truth

Writes N raw records (gp-extract's JSON Lines form) in random order, and a truth file
with one line per record: "file<TAB>line<TAB>practice". Each practice is written one to
four times, the copies varied the way real dumps vary:
  - white space, quote and dash variants, institution in capitals, another spelling of
    the country, the topic list reordered (the id does not change: exact duplicates);
  - typos in the description, words replaced, inserted or dropped, the description cut
    short, the topic list partly different, a typo in the institution's name;
  - a second source: a booklet entry with a title, a summary (the description or its
    first part), priority areas, an award and a jury comment, but no topics.
Hard negatives: some practices have a sibling, another practice of the same institution,
country and award year whose description shares its opening paragraph (like the two ZUS
practices of the seeds); siblings are distinct and must not be merged.

Descriptions are drawn from the words of the seed descriptions with their frequencies,
so distinct practices share common words but hardly any three-word run, as real ones
do, and each opens with the institution's name as real ones often do. Deterministic for
a given N (random.Random(N)).
"""
import bisect
import itertools
import json
import random
import re
import sys

ADJ = ["National", "Federal", "State", "Central", "General", "Public", "Regional", "Social",
       "Municipal", "Autonomous", "Joint", "Unified", "Provincial", "Mutual", "Civil"]
BRANCH = ["Pension", "Health Insurance", "Social Security", "Employment", "Labour",
          "Family Benefits", "Disability", "Accident Insurance", "Welfare", "Insurance",
          "Retirement", "Workers' Compensation", "Sickness Insurance", "Maternity",
          "Unemployment Insurance", "Old-Age Insurance", "Social Protection", "Provident"]
KIND = ["Fund", "Institute", "Service", "Agency", "Board", "Office", "Corporation",
        "Administration", "Organization", "Authority", "Institution", "Bank", "Centre"]
COUNTRY_ALIASES = {"Korea, Republic of": "Republic of Korea", "Viet Nam": "Vietnam",
                   "Türkiye": "Turkey", "Iran, Islamic Republic of": "Islamic Republic of Iran",
                   "Russian Federation": "Russia", "Moldova, Republic of": "Republic of Moldova"}
AWARDS = ["winner", "certificate of merit with special mention", "certificate of merit",
          "attestation"]
DASHES = ["-", "\u2011", "\u2010", "\u2013"]


def words_of(recs):
    counts = {}
    for r in recs:
        for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", r.get("description") or ""):
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    words = sorted(counts)
    return words, [counts[w] for w in words]


class Gen:
    def __init__(self, seeds, n):
        self.rnd = random.Random(n)
        self.words, weights = words_of(seeds)
        self.cum = list(itertools.accumulate(weights))
        self.topics = sorted({t for r in seeds for t in r["topics"]})
        self.areas = sorted({t.replace("\xa0", " ") for r in seeds for t in r["priority_areas"]})
        iso = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))
        names = sorted(c["name"] for c in iso["3166-1"])
        self.countries = self.rnd.sample(names, 120)
        n_inst = max(40, n // 40)
        self.institutions = []
        used = set()
        while len(self.institutions) < n_inst:
            name = " ".join([self.rnd.choice(ADJ), self.rnd.choice(BRANCH), self.rnd.choice(KIND)])
            country = self.rnd.choice(self.countries)
            if (name, country) not in used:
                used.add((name, country))
                self.institutions.append((name, country))
        # a mild skew: a few institutions have many practices
        self.inst_weights = [1.0 / (i + 1) ** 0.6 for i in range(n_inst)]
        self.inst_cum = []
        total = 0.0
        for w in self.inst_weights:
            total += w
            self.inst_cum.append(total)

    def text(self, nwords):
        out = []
        words = self.rnd.choices(self.words, cum_weights=self.cum, k=nwords)
        i = 0
        while i < nwords:
            n = self.rnd.randint(8, 24)
            out.append(" ".join(words[i:i + n]).capitalize() + ".")
            i += n
        return " ".join(out)

    def opening(self, inst):
        acronym = "".join(w[0] for w in inst[0].split() if w[0].isupper())
        return f"The {inst[0]} ({acronym}) of {inst[1]} {self.text(self.rnd.randint(5, 12)).lower()}"

    def description(self, inst):
        paras = [self.opening(inst) + " " + self.text(self.rnd.randint(25, 70))]
        for _ in range(self.rnd.randint(0, 2)):
            paras.append(self.text(self.rnd.randint(20, 60)))
        return "\n\n".join(paras)

    def practice(self, k):
        i = bisect.bisect_left(self.inst_cum, self.rnd.random() * self.inst_cum[-1])
        inst = self.institutions[min(i, len(self.institutions) - 1)]
        year = self.rnd.randint(2000, 2024)
        return inst, {
            "institution": inst[0], "country": inst[1], "region": None,
            "award_year": year, "implementation_year": year - self.rnd.randint(0, 5),
            "title": None, "description": self.description(inst),
            "topics": self.rnd.sample(self.topics, self.rnd.randint(3, 9)),
            "priority_areas": [], "award": None, "jury_comment": None,
        }

    def sibling(self, p, inst):
        """Another practice of the same institution and year that repeats about half of
        the sentences of `p` after an opening of its own (as the two ZUS practices do)."""
        s = dict(p)
        sentences = re.split(r"(?<=\.) ", p["description"].replace("\n\n", " "))[1:]
        kept = [x for x in sentences if self.rnd.random() < 0.5]
        s["description"] = " ".join([self.opening(inst) + "."] + kept +
                                    [self.text(self.rnd.randint(20, 60))])
        s["implementation_year"] = p["implementation_year"] - self.rnd.randint(1, 3)
        s["topics"] = self.rnd.sample(self.topics, self.rnd.randint(3, 9))
        return s

    # ---- variations ----
    def typo(self, word):
        if len(word) < 4:
            return word
        i = self.rnd.randrange(1, len(word) - 1)
        op = self.rnd.randrange(3)
        if op == 0:
            return word[:i] + word[i + 1:]
        if op == 1:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + self.rnd.choice("aeiourstn") + word[i:]

    def typos(self, text, n):
        words = text.split(" ")
        for _ in range(n):
            k = self.rnd.randrange(len(words))
            words[k] = self.typo(words[k])
        return " ".join(words)

    def edit(self, text, n):
        words = text.split(" ")
        for _ in range(n):
            k = self.rnd.randrange(len(words))
            op = self.rnd.randrange(3)
            if op == 0:
                words[k] = self.rnd.choices(self.words, cum_weights=self.cum)[0]
            elif op == 1:
                words.insert(k, self.rnd.choices(self.words, cum_weights=self.cum)[0])
            elif len(words) > 10:
                del words[k]
        return " ".join(words)

    def cut(self, text, share):
        words = text.split(" ")
        return " ".join(words[:max(8, int(len(words) * share))])

    def format_noise(self, r):
        d = r["description"]
        roll = self.rnd.random()
        if roll < 0.3:
            d = d.replace(" ", "  ", 4).replace(". ", ".\n", 1)
        elif roll < 0.5:
            d = d.replace("'", "’")
        elif roll < 0.7:
            d = d.replace("-", self.rnd.choice(DASHES))
        r["description"] = d
        if self.rnd.random() < 0.15:
            r["institution"] = r["institution"].upper()
        if r["country"] in COUNTRY_ALIASES and self.rnd.random() < 0.5:
            r["country"] = COUNTRY_ALIASES[r["country"]]
        if self.rnd.random() < 0.5:
            self.rnd.shuffle(r["topics"])

    def variant(self, p, booklet):
        r = dict(p)
        r["topics"] = list(p["topics"])
        if booklet:
            paras = p["description"].split("\n\n")
            summary = paras[0] if len(paras) > 1 and self.rnd.random() < 0.5 else p["description"]
            if self.rnd.random() < 0.3:
                summary = self.cut(summary, self.rnd.uniform(0.6, 1.0))
            r.update(title=self.text(self.rnd.randint(5, 12)).rstrip("."), description=summary,
                     topics=[], implementation_year=None,
                     priority_areas=self.rnd.sample(self.areas, self.rnd.randint(1, 3)),
                     award=self.rnd.choice(AWARDS), jury_comment=self.text(self.rnd.randint(20, 50)))
            self.format_noise(r)
            return r
        kinds = self.rnd.sample(["typos", "edit", "cut", "topics", "institution", "none"],
                                self.rnd.randint(1, 2))
        for kind in kinds:
            nwords = r["description"].count(" ") + 1
            if kind == "typos":  # one typo in 40 words at most
                r["description"] = self.typos(r["description"], self.rnd.randint(1, max(1, nwords // 40)))
            elif kind == "edit":  # a word in 25 replaced, inserted or dropped at most
                r["description"] = self.edit(r["description"], self.rnd.randint(1, max(1, nwords // 25)))
            elif kind == "cut":
                r["description"] = self.cut(r["description"], self.rnd.uniform(0.5, 0.9))
            elif kind == "topics":
                t = r["topics"]
                for _ in range(self.rnd.randint(1, 2)):
                    if len(t) > 2:
                        t.pop(self.rnd.randrange(len(t)))
                for _ in range(self.rnd.randint(1, 2)):
                    c = self.rnd.choice(self.topics)
                    if c not in t:
                        t.append(c)
            elif kind == "institution":
                r["institution"] = self.typo(r["institution"])
        self.format_noise(r)
        return r


def main(seed_path, n, out_path, truth_path):
    seeds = [json.loads(line) for line in open(seed_path, encoding="utf-8")]
    g = Gen(seeds, n)
    rnd = g.rnd
    records = []  # (record, practice, source kind)
    practice = 0
    while len(records) < n:
        inst, p = g.practice(practice)
        group = [p]
        roll = rnd.random()
        copies = 0 if roll < 0.65 else 1 if roll < 0.85 else 2 if roll < 0.95 else 3
        has_booklet = False
        for _ in range(copies):
            booklet = not has_booklet and rnd.random() < 0.25
            has_booklet |= booklet
            group.append(g.variant(p, booklet))
        for r in group:
            records.append((r, practice, "booklet" if r["award"] else "listing"))
        practice += 1
        if rnd.random() < 0.03 and len(records) < n:
            records.append((g.sibling(p, inst), practice, "listing"))
            practice += 1
    records = records[:n]
    rnd.shuffle(records)
    lines = {}
    with open(out_path, "w", encoding="utf-8") as out, open(truth_path, "w") as truth:
        for i, (r, pid, kind) in enumerate(records):
            if kind == "booklet":
                name = f"synthetic/booklet-{r['award_year']}.txt"
            else:
                name = f"synthetic/listing-{i % max(1, n // 1000):04d}.txt"
            line = lines.get(name, 1)
            lines[name] = line + 1 + r["description"].count("\n") + 8
            rec = {"award": r["award"], "award_year": r["award_year"], "country": r["country"],
                   "country_code": None, "description": r["description"], "id": None,
                   "implementation_year": r["implementation_year"],
                   "institution": r["institution"], "jury_comment": r["jury_comment"],
                   "priority_areas": r["priority_areas"], "region": r["region"],
                   "sources": [{"file": name, "format": kind, "line": line}],
                   "title": r["title"], "topics": r["topics"]}
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
            out.write("\n")
            truth.write(f"{name}\t{line}\t{pid}\n")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
