#!/usr/bin/env python3
"""Checks a SARIF log against the official SARIF 2.1.0 schema and what GitHub code scanning
requires on top of it.

The schema (tests/sarif/sarif-schema-2.1.0.json, vendored; see tests/sarif/README.md) is
applied with python3-jsonschema, a validator that shares nothing with gp-lint's writer.
GitHub's documented limits and needs: at most 25,000 results a run; ruleId, region.startLine
and partialFingerprints on each result; ruleIndex pointing at the rule of the same id;
artifact URIs relative to a uriBaseId that originalUriBaseIds defines, never absolute and
never escaping it with "..". gpkit's own promises: every rule has helpUri (an absolute
https URL with a docs/checks.md anchor), fullDescription and properties.tags; a run that
left results out says so in invocations[].toolExecutionNotifications.

Usage: check_sarif.py FILE|-   (prints one summary line; exit 1 on a problem)
"""
import json
import os
import re
import sys

import jsonschema

GITHUB_MAX_RESULTS = 25000
LEVELS = {"none", "note", "warning", "error"}
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sarif", "sarif-schema-2.1.0.json")


def main(path):
    log = json.load(sys.stdin if path == "-" else open(path, encoding="utf-8"))
    problems = []

    def need(cond, what):
        if not cond:
            problems.append(what)

    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema)
    for err in sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))[:10]:
        where = "/".join(str(p) for p in err.absolute_path)
        problems.append(f"schema: at /{where}: {err.message[:200]}")

    runs = log.get("runs") or []
    results_total = 0
    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        rules = driver.get("rules", [])
        ids = [rule.get("id") for rule in rules]
        need(len(ids) == len(set(ids)), "rule ids are unique")
        for rule in rules:
            rid = rule.get("id")
            need("text" in rule.get("fullDescription", {}), f"rule {rid} fullDescription.text")
            need("text" in rule.get("help", {}), f"rule {rid} help.text")
            tags = rule.get("properties", {}).get("tags")
            need(isinstance(tags, list) and tags, f"rule {rid} properties.tags")
            uri = rule.get("helpUri", "")
            need(re.match(r"^https://[^ ]+/docs/checks\.md#[a-z0-9-]+$", uri),
                 f"rule {rid} helpUri {uri!r} is a docs/checks.md anchor")
            if rid and uri:
                need(uri.endswith("#" + rid.replace(".", "")), f"rule {rid} helpUri anchor")
        bases = run.get("originalUriBaseIds", {})
        results = run.get("results", [])
        results_total += len(results)
        need(len(results) <= GITHUB_MAX_RESULTS,
             f"runs[{r}] has {len(results)} results, more than GitHub's {GITHUB_MAX_RESULTS}")
        notes = [n for inv in run.get("invocations", [])
                 for n in inv.get("toolExecutionNotifications", [])]
        for i, res in enumerate(results):
            where = f"runs[{r}].results[{i}]"
            need(res.get("ruleId") in ids, f"{where}.ruleId {res.get('ruleId')} is a rule")
            if "ruleIndex" in res:
                need(ids[res["ruleIndex"]] == res.get("ruleId"), f"{where}.ruleIndex matches ruleId")
            need(res.get("level", "warning") in LEVELS, f"{where}.level")
            need(isinstance(res.get("partialFingerprints"), dict) and res["partialFingerprints"],
                 f"{where}.partialFingerprints")
            need(res.get("locations"), f"{where} has a location")
            for loc in res.get("locations", []):
                phys = loc.get("physicalLocation", {})
                art = phys.get("artifactLocation", {})
                uri = art.get("uri")
                need(isinstance(uri, str) and uri, f"{where} artifactLocation.uri")
                uri = uri or ""
                need(not uri.startswith("/") and "://" not in uri, f"{where} uri {uri!r} is relative")
                need(".." not in uri.split("/"), f"{where} uri {uri!r} does not escape its base")
                base = art.get("uriBaseId")
                need(base is None or base in bases, f"{where} uriBaseId {base} is defined")
                need(base is not None or "description" in art,
                     f"{where} a uri with no base says what it is")
                need(isinstance(phys.get("region", {}).get("startLine"), int),
                     f"{where} region.startLine")
        # the order GitHub keeps when it shows the first 5,000: most severe first
        rank = {"error": 0, "warning": 1, "note": 2, "none": 3}
        levels = [rank.get(res.get("level", "warning"), 9) for res in results]
        need(levels == sorted(levels), f"runs[{r}] results are most severe first")
        truncated = any("GitHub" in n.get("message", {}).get("text", "") for n in notes)
        if truncated:
            print(f"notification: {notes[0]['message']['text']}")
    for p in problems[:20]:
        print("sarif:", p)
    print(f"SARIF 2.1.0: {len(runs)} run, {results_total} results, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
