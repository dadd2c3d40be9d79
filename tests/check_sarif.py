#!/usr/bin/env python3
"""Checks a SARIF log against what SARIF 2.1.0 requires and GitHub code scanning reads.

Required by the SARIF 2.1.0 schema: version "2.1.0"; runs (array); each run's tool.driver
with a name; each result's message with text; rule descriptors with an id; levels from
the enumeration; locations' physicalLocation with artifactLocation.uri; regions' lines
and columns from 1. GitHub also reads ruleId, partialFingerprints and region.startLine,
and ruleIndex must point at the rule of the same id. Usage: check_sarif.py FILE|-
"""
import json
import sys

LEVELS = {"none", "note", "warning", "error"}
BASELINE_STATES = {"new", "unchanged", "updated", "absent"}


def main(path):
    log = json.load(sys.stdin if path == "-" else open(path, encoding="utf-8"))
    problems = []

    def need(cond, what):
        if not cond:
            problems.append(what)

    need(log.get("version") == "2.1.0", "version must be 2.1.0")
    need(str(log.get("$schema", "")).endswith("sarif-2.1.0.json"), "$schema names SARIF 2.1.0")
    runs = log.get("runs")
    need(isinstance(runs, list) and runs, "runs must be a non-empty array")
    results_total = 0
    for r, run in enumerate(runs or []):
        driver = run.get("tool", {}).get("driver", {})
        need(isinstance(driver.get("name"), str) and driver["name"], f"runs[{r}].tool.driver.name")
        rules = driver.get("rules", [])
        ids = [rule.get("id") for rule in rules]
        need(all(isinstance(i, str) and i for i in ids), "every rule has an id")
        need(len(ids) == len(set(ids)), "rule ids are unique")
        for rule in rules:
            need("text" in rule.get("shortDescription", {}), f"rule {rule.get('id')} shortDescription.text")
            need("text" in rule.get("help", {}), f"rule {rule.get('id')} help.text")
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            need(level in LEVELS, f"rule {rule.get('id')} level {level}")
        for i, res in enumerate(run.get("results", [])):
            results_total += 1
            where = f"runs[{r}].results[{i}]"
            need(isinstance(res.get("message", {}).get("text"), str), f"{where}.message.text")
            need(res.get("ruleId") in ids, f"{where}.ruleId {res.get('ruleId')} is a rule")
            if "ruleIndex" in res:
                need(ids[res["ruleIndex"]] == res.get("ruleId"), f"{where}.ruleIndex matches ruleId")
            need(res.get("level", "warning") in LEVELS, f"{where}.level")
            need(isinstance(res.get("partialFingerprints"), dict) and res["partialFingerprints"],
                 f"{where}.partialFingerprints")
            if "baselineState" in res:
                need(res["baselineState"] in BASELINE_STATES, f"{where}.baselineState")
            for loc in res.get("locations", []):
                phys = loc.get("physicalLocation", {})
                need(isinstance(phys.get("artifactLocation", {}).get("uri"), str),
                     f"{where} physicalLocation.artifactLocation.uri")
                region = phys.get("region", {})
                need(isinstance(region.get("startLine"), int) and region["startLine"] >= 1,
                     f"{where} region.startLine")
                if "startColumn" in region:
                    need(region["startColumn"] >= 1, f"{where} region.startColumn")
            need(res.get("locations"), f"{where} has a location")
    for p in problems[:20]:
        print("sarif:", p)
    print(f"SARIF 2.1.0: {len(runs or [])} run, {results_total} results, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
