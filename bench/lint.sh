#!/usr/bin/env bash
# bench/lint.sh - gp-lint's time and memory on large inputs, discovery on.
#
#   bash bench/lint.sh [SIZES...]      (default: 100000 1000000)
#
# Builds gpkit (Release, in build-bench/), makes inputs by varying the seed records
# (bench/gen_records.py, 1% of the institutions with a typo so that discovery has
# clusters to find) and runs gp-lint --format=json on each, timed by /usr/bin/time -v:
# wall time, records per second, peak resident memory, findings. The last line compares
# the growth of the time with n log n. Duplicate matching is left out (--no-duplicates):
# it is gp-dedup's work, measured by bench/dedup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
. bench/build-release.sh

printf '%-10s %10s %10s %14s %10s %10s\n' records wall_s user_s records_per_s peak_MiB findings
first_n="" first_s=""
for n in "${sizes[@]}"; do
  input="$data/lint-$n.jsonl"
  [ -s "$input" ] || python3 bench/gen_records.py "$data/seeds.jsonl" "$n" 0.01 >"$input"
  /usr/bin/time -v -o "$data/time.txt" "$tools/gp-lint" --format=json --fail-on=never --no-duplicates "$input" \
    >"$data/lint-out.jsonl" 2>/dev/null
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/time.txt" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  user=$(sed -n 's/.*User time (seconds): //p' "$data/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  printf '%-10s %10.2f %10.2f %14.0f %10.1f %10s\n' "$n" "$wall" "$user" \
    "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(wc -l <"$data/lint-out.jsonl")"
  if [ -z "$first_n" ]; then first_n=$n first_s=$wall; fi
  last_n=$n last_s=$wall
done
if [ "$first_n" != "$last_n" ]; then
  echo "$first_n $first_s $last_n $last_s" | awk '{
    printf "time(%d)/time(%d) = %.1f; n log n grows %.1f times\n", $3, $1, $4 / $2,
      ($3 * log($3)) / ($1 * log($1)) }'
fi
grep -o '"rule":"[a-z.-]*variants"' "$data/lint-out.jsonl" | sort | uniq -c |
  awk '{ printf "discovery: %s %s clusters\n", $1, $2 }'
