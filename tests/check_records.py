#!/usr/bin/env python3
"""Validates JSON Lines records with an independent validator and canonicaliser.

Each line must validate against the JSON Schema given (python3-jsonschema, draft 2020-12)
and must be byte for byte what an RFC 8785 canonicaliser (written here from the RFC, not
taken from gpkit) makes of it. Usage: check_records.py SCHEMA FILE.jsonl...
"""
import json
import sys

import jsonschema


def canonical(value):
    """RFC 8785 for the JSON values records hold: objects, arrays, strings, integers, null."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError("records hold no fractional numbers")
    if isinstance(value, str):
        out = ['"']
        for ch in value:
            code = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch in "\b\t\n\f\r":
                out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
            elif code < 0x20:
                out.append("\\u%04x" % code)
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        # RFC 8785 3.2.3: property names sorted by their UTF-16 code units
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(canonical(k) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("unexpected JSON value %r" % (value,))


def main(schema_path, paths):
    schema = json.load(open(schema_path, encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = lines = 0
    for path in paths:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                lines += 1
                text = raw.decode("utf-8")
                record = json.loads(text)
                for err in validator.iter_errors(record):
                    print(f"{path}:{number}: schema: {'/'.join(map(str, err.path))}: {err.message}")
                    problems += 1
                if canonical(record) + "\n" != text:
                    print(f"{path}:{number}: not RFC 8785 canonical JSON")
                    problems += 1
    print(f"{lines} records checked against {schema_path}, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
