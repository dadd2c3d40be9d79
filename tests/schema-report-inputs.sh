#!/usr/bin/env bash
# gp-lint --format=json and gp-dedup --clusters, on the seeds and on fixtures that give
# every kind of finding and cluster, validate against docs/findings.schema.json and
# docs/clusters.schema.json (the formats gp-report reads).
set -euo pipefail
bin=$1 src=$2 python=$3
cd "$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/gp-lint" --format=json fixtures/seeds/*.txt >"$work/seeds.jsonl" || true
"$bin/gp-lint" --format=json -r fixtures/rules/no-aliases --no-duplicates \
  fixtures/vocabulary/variants.jsonl >"$work/variants.jsonl" || true
"$bin/gp-lint" --format=json fixtures/hygiene/*.jsonl fixtures/consistency/*.jsonl \
  fixtures/lint-rules/*.jsonl >"$work/hygiene.jsonl" || true
"$bin/gp-lint" --write-baseline "$work/baseline.json" fixtures/seeds/*.txt >/dev/null || true
"$bin/gp-lint" --format=json --baseline "$work/baseline.json" fixtures/seeds/*.txt \
  fixtures/hygiene/spacing.jsonl >"$work/with-baseline.jsonl" || true
grep -q '"baseline":"new"' "$work/with-baseline.jsonl"
grep -q '"baseline":"unchanged"' "$work/with-baseline.jsonl"
"$python" tests/check_jsonl_schema.py docs/findings.schema.json "$work"/seeds.jsonl \
  "$work/variants.jsonl" "$work/hygiene.jsonl" "$work/with-baseline.jsonl"
"$bin/gp-extract" fixtures/seeds/*.txt 2>/dev/null | "$bin/gp-norm" 2>/dev/null >"$work/canonical.jsonl"
"$bin/gp-dedup" --clusters "$work/c1.jsonl" "$work/canonical.jsonl" >/dev/null
"$bin/gp-dedup" --clusters "$work/c2.jsonl" --decisions fixtures/decisions/all-kinds.yaml \
  "$work/canonical.jsonl" >/dev/null 2>&1 || true
"$bin/gp-dedup" --clusters "$work/c3.jsonl" fixtures/dedup/*.jsonl >/dev/null 2>&1 || true
"$python" tests/check_jsonl_schema.py docs/clusters.schema.json "$work"/c1.jsonl "$work/c2.jsonl" \
  "$work/c3.jsonl"
