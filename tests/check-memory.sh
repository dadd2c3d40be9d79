#!/usr/bin/env bash
# Memory per record is a small constant times the record: one 40 MB JSON line through
# gp-extract, gp-norm, gp-dedup and gp-lint, peak resident memory measured with /usr/bin/time.
# Registered for the plain build only (the sanitizers' shadow memory would be measured).
# Usage: check-memory.sh BIN_DIR
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -c "
import json
print(json.dumps({'title': 'Big', 'institution': 'X', 'description': 'word ' * 8000000}))" >"$work/big.jsonl"
size_mb=$(($(stat -c %s "$work/big.jsonl") >> 20))
fail=0
# tool, most megabytes allowed per megabyte of the line (the base is the rules and ICU)
for spec in gp-extract:3.5 gp-norm:4.5 gp-dedup:4.5 gp-lint:6; do
  tool=${spec%%:*} factor=${spec#*:}
  base=$(/usr/bin/time -f %M "$bin/$tool" /dev/null 2>&1 >/dev/null | tail -1)
  peak=$(/usr/bin/time -f %M "$bin/$tool" "$work/big.jsonl" 2>&1 >/dev/null | tail -1)
  used_mb=$(((peak - base) >> 10))
  limit=$(python3 -c "print(int($size_mb * $factor))")
  echo "$tool: ${used_mb} MB over its base for a ${size_mb} MB line (at most ${limit} MB)"
  [ "$used_mb" -le "$limit" ] || fail=1
done
exit $fail
