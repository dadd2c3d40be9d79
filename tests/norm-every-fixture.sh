#!/usr/bin/env bash
# gp-norm on every fixture: the output validates against docs/record.schema.json, is RFC
# 8785 canonical (checked by an independent canonicaliser), and normalising it again
# changes no byte. gp-extract's output validates against docs/raw-record.schema.json.
# fixtures/fuzz (the fuzzers' corpora, mostly copies) is left to tests/fuzz.
set -uo pipefail
bin=$1 src=$2
cd "$src" || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0 n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  name=$(echo "$f" | tr '/' '_')
  "$bin/gp-extract" "$f" >"$work/$name.raw" 2>/dev/null
  "$bin/gp-norm" "$f" >"$work/$name.norm" 2>/dev/null
  "$bin/gp-norm" "$work/$name.norm" >"$work/$name.again" 2>/dev/null
  if ! cmp -s "$work/$name.norm" "$work/$name.again"; then
    echo "not idempotent: gp-norm $f | gp-norm changes the output"
    diff <(head -c 2000 "$work/$name.norm") <(head -c 2000 "$work/$name.again") | head -5
    status=1
  fi
done < <(find fixtures -path fixtures/fuzz -prune -o -type f \( -name '*.txt' -o -name '*.html' -o -name '*.xml' -o -name '*.jsonl' \) -print0 | sort -z)
python3 tests/check_records.py docs/record.schema.json "$work"/*.norm | tail -20 || status=1
python3 tests/check_records.py docs/raw-record.schema.json "$work"/*.raw | tail -20 || status=1
echo "$n fixtures normalised"
exit $status
