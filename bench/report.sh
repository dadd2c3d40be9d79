#!/usr/bin/env bash
# bench/report.sh - gp-report on a large review: size of the page, time and memory to
# write it, and how fast headless Chromium shows it.
#
#   bash bench/report.sh [RECORDS]     (default: 100000)
#
# Builds gpkit (Release, in build-bench/), makes RECORDS records with planted duplicate
# groups (bench/gen_dedup.py), normalises and deduplicates them (gp-dedup --clusters),
# lints them (gp-lint --format=json, discovery on) and, when gp-lint finds fewer findings
# than records, adds copies of its findings at other lines until there are as many
# findings as records (a review of 100k records with 100k findings). The clusters file
# is cut to RECORDS/10 clusters. Then gp-report writes the page, timed by /usr/bin/time
# -v, and bench/report_paint.py opens it in headless Chromium (chromium, chromium-driver,
# python3-selenium; Debian's python3).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
data=bench/data
mkdir -p "$data"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DGP_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
tools=build-bench/tools
"$tools/gp-extract" --no-positions fixtures/seeds/*.txt >"$data/seeds.jsonl" 2>/dev/null
raw="$data/report-raw-$n.jsonl"
[ -s "$raw" ] || python3 bench/gen_dedup.py "$data/seeds.jsonl" "$n" "$raw" "$data/report-$n.truth"
"$tools/gp-norm" "$raw" >"$data/report-canonical.jsonl" 2>/dev/null || true
"$tools/gp-dedup" --clusters "$data/report-clusters-all.jsonl" "$data/report-canonical.jsonl" \
  >"$data/report-dataset.jsonl" 2>/dev/null
head -n $((n / 10)) "$data/report-clusters-all.jsonl" >"$data/report-clusters.jsonl"
"$tools/gp-lint" --format=json --fail-on=never --no-duplicates "$raw" \
  >"$data/report-findings.jsonl" 2>/dev/null || true
python3 - "$data/report-findings.jsonl" "$n" <<'PY'
import json, sys
path, want = sys.argv[1], int(sys.argv[2])
lines = open(path, encoding="utf-8").read().splitlines()
out, k = list(lines), 0
while lines and len(out) < want:
    f = json.loads(lines[k % len(lines)])
    f["line"] = (f["line"] or 1) + 100000 * (k // len(lines) + 1)
    out.append(json.dumps(f, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    k += 1
open(path, "w", encoding="utf-8").write("\n".join(out[:want]) + "\n")
PY
echo "inputs: $(wc -l <"$data/report-dataset.jsonl") records in the dataset," \
  "$(wc -l <"$data/report-findings.jsonl") findings ($(grep -c 'variants"' "$data/report-findings.jsonl") variant clusters)," \
  "$(wc -l <"$data/report-clusters.jsonl") clusters ($(grep -c '"kind":"possible-duplicate"' "$data/report-clusters.jsonl") possible duplicates)"
/usr/bin/time -v -o "$data/time.txt" "$tools/gp-report" --lint "$data/report-findings.jsonl" \
  --clusters "$data/report-clusters.jsonl" -o "$data/report.html" "$data/report-dataset.jsonl"
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/time.txt" |
  awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$data/time.txt" | paste -sd+ | bc)
printf 'gp-report: %.1f MiB page (%s bytes) written in %.2f s wall, %.2f s CPU, peak memory %.0f MiB\n' \
  "$(echo "$(stat -c %s "$data/report.html") / 1048576" | bc -l)" "$(stat -c %s "$data/report.html")" \
  "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)"
/usr/bin/python3 bench/report_paint.py "$data/report.html"
