#!/usr/bin/env python3
"""Validates every line of JSON Lines files against a JSON Schema (python3-jsonschema,
draft 2020-12), and that there is at least one line. Usage: check_jsonl_schema.py SCHEMA FILE...
"""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    lines = errors = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                for e in validator.iter_errors(json.loads(line)):
                    errors += 1
                    print("%s:%d: %s (at /%s)" % (path, number, e.message,
                                                  "/".join(str(p) for p in e.absolute_path)))
    if lines == 0:
        print("no line to validate")
        return 1
    print("%d lines valid against %s" % (lines - errors, sys.argv[1]) if not errors else
          "%d problems" % errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
