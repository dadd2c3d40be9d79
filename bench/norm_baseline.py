#!/usr/bin/env python3
"""A straightforward Python normaliser doing gp-norm's job, the benchmark's yardstick.

Same steps as gp-norm: typography folding (from rules/typography.yaml), NFC, white space
collapsed with paragraphs kept, country/region/institution/topic/priority-area lookups by
a matching key (NFKD, case fold, marks dropped, & as "and", punctuation as spaces), topics
de-duplicated in the rules' order, a hashed id, sorted-key compact JSON out. It leaves out
what needs ICU (transliteration of other scripts, ICU's country names in other languages).
Usage: norm_baseline.py RULES_DIR < raw.jsonl > canonical.jsonl
"""
import glob
import hashlib
import json
import os
import re
import sys
import unicodedata

import yaml

PARAGRAPHS = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def key(text):
    text = unicodedata.normalize("NFKD", text.casefold())
    out = []
    for ch in text:
        if ch.isalnum():
            out.append(ch)
        elif ch == "&":
            out.append(" and ")
        elif ch in "'’‘`":
            continue
        elif unicodedata.combining(ch):
            continue
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def load_rules(folder):
    docs = []
    for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            docs.append(yaml.safe_load(f) or {})
    vocab = {"countries": {}, "regions": {}, "topics": {}, "priority_areas": {}, "institutions": {}}
    fold = {}
    iso = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))["3166-1"]
    by_code = {}
    for c in iso:
        entry = {"name": c["name"], "code": c["alpha_2"], "region": None}
        by_code[c["alpha_2"]] = entry
        for n in (c["name"], c.get("official_name"), c.get("common_name")):
            if n:
                vocab["countries"].setdefault(key(n), entry)
    for doc in docs:
        for kind in ("regions", "topics", "priority_areas"):
            for i, e in enumerate(doc.get(kind) or []):
                entry = {"name": e["name"], "order": len(vocab[kind])}
                for n in [e["name"]] + [a if isinstance(a, str) else a["name"] for a in e.get("aliases") or []]:
                    vocab[kind][key(n)] = entry
        for t in doc.get("typography") or []:
            ch = t["char"]
            fold[int(ch[2:], 16) if ch.startswith("U+") else ord(ch)] = t["to"]
    for doc in docs:
        for e in (doc.get("countries") or {}).get("entries") or []:
            entry = by_code.get(e["code"])
            if not entry:
                continue
            entry["region"] = vocab["regions"].get(key(e.get("region", "")), {}).get("name")
            for a in e.get("aliases") or []:
                vocab["countries"][key(a if isinstance(a, str) else a["name"])] = entry
        for e in doc.get("institutions") or []:
            code = e["country"]
            entry = {"name": e["name"]}
            names = [e["name"]] + [a if isinstance(a, str) else a["name"] for a in e.get("aliases") or []]
            if e.get("acronym"):
                names.append(e["acronym"])
            for n in names:
                vocab["institutions"][(code, key(n))] = entry
    return vocab, fold


def clean(text, fold, paragraphs):
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text.translate(fold))
    if paragraphs:
        text = "\n\n".join(" ".join(p.split()) for p in PARAGRAPHS.split(text) if p.strip())
    else:
        text = " ".join(text.split())
    return text or None


def normalise(rec, vocab, fold):
    for field, para in (("institution", 0), ("country", 0), ("country_code", 0), ("region", 0),
                        ("title", 0), ("description", 1), ("jury_comment", 1), ("award", 0)):
        rec[field] = clean(rec.get(field), fold, para)
    country = vocab["countries"].get(key(rec["country"])) if rec["country"] else None
    if country:
        rec["country"], rec["country_code"] = country["name"], country["code"]
    if rec["region"]:
        region = vocab["regions"].get(key(rec["region"]))
        if region:
            rec["region"] = region["name"]
    elif country and country["region"]:
        rec["region"] = country["region"]
    if rec["institution"] and rec["country_code"]:
        inst = vocab["institutions"].get((rec["country_code"], key(rec["institution"])))
        if inst:
            rec["institution"] = inst["name"]
    for field, kind in (("topics", "topics"), ("priority_areas", "priority_areas")):
        seen, items = set(), []
        for pos, value in enumerate(rec.get(field) or []):
            value = clean(value, fold, 0)
            if not value:
                continue
            entry = vocab[kind].get(key(value))
            name, order = (entry["name"], entry["order"]) if entry else (value, 1 << 30)
            if (order, key(value) if not entry else "") in seen:
                continue
            seen.add((order, key(value) if not entry else ""))
            items.append((order, pos, name))
        rec[field] = [name for _, _, name in sorted(items)]
    opening = " ".join(key(rec["description"] or rec["title"] or "").split()[:24])
    ident = "\x1f".join([key(rec["institution"] or ""), rec["country_code"] or "",
                         str(rec.get("award_year") or ""), opening])
    rec["id"] = "gp-" + hashlib.blake2b(ident.encode(), digest_size=8).hexdigest()
    rec["sources"] = [{k: s[k] for k in ("file", "format", "line")} for s in rec["sources"]]
    return rec


def main():
    vocab, fold = load_rules(sys.argv[1])
    out = sys.stdout
    for line in sys.stdin:
        rec = normalise(json.loads(line), vocab, fold)
        out.write(json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
