#!/usr/bin/env bash
# bench/discovery.sh - how well and how fast gp-lint's variant discovery finds typos.
#
#   bash bench/discovery.sh [SIZES...]      (default: 100000 1000000)
#
# Builds gpkit (Release, in build-bench/), writes N records with bench/gen_variants.py
# (topics, institutions, countries and regions drawn by frequency from the seeds and the
# rules, a one-letter typo of every kind in 5% of the records, and hard negatives such as
# Employment/Unemployment or Mali/Malawi written as real values), runs
# gp-lint --format=json --stats on them, timed by /usr/bin/time -v, and scores the
# *.variants findings with bench/score_variants.py against the truth the generator wrote.
# Per size it prints wall time, CPU time (user + system: on a shared machine the wall time
# says more about the neighbours), records per second, peak resident memory, the wall time
# of discovery alone (from --stats), typo recall, false clusters (joining two different true
# values) and hard negatives joined (must be 0), then the score per field. Issue 11's
# figures of the same measurement before the work on discovery are printed beside them.
# Duplicate matching is left out (--no-duplicates): it is gp-dedup's work (bench/dedup.sh).
# GP_BENCH_SEED (default 1) seeds the generator; inputs are kept in bench/data/.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
seed=${GP_BENCH_SEED:-1}
. bench/build-release.sh

# issue 11's measurement before the work (gp-lint whole run): time, recall, false clusters
declare -A before=([100000]="2.2 0.70 0" [1000000]="22.6 0.75 1")

printf '%-10s %8s %7s %12s %9s %12s %7s %6s %5s\n' records wall_s cpu_s records_per_s peak_MiB \
  discovery_s recall false hard
scores=()
for n in "${sizes[@]}"; do
  input="$data/variants-$n-s$seed.jsonl"
  [ -s "$input" ] && [ -s "$input.truth.json" ] ||
    python3 bench/gen_variants.py --seeds "$data/seeds.jsonl" -n "$n" --seed "$seed" -o "$input"
  /usr/bin/time -v -o "$data/time.txt" "$tools/gp-lint" --format=json --fail-on=never \
    --no-duplicates --stats "$input" >"$data/variants-out.jsonl" 2>"$data/stats.txt"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/time.txt" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$data/time.txt" | paste -sd+ | bc)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  disc=$(awk '$1 == "gp-lint:" && $2 == "discovery" { print $3 }' "$data/stats.txt")
  score=$(python3 bench/score_variants.py --json "$data/variants-out.jsonl" "$input.truth.json")
  read -r recall false hard < <(echo "$score" |
    python3 -c 'import json, sys; t = json.load(sys.stdin)["total"]; print(t["recall"], t["false"], t["hard"])')
  printf '%-10s %8.2f %7.2f %12.0f %9.1f %12s %7.3f %6s %5s\n' "$n" "$wall" "$cpu" \
    "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$disc" "$recall" "$false" "$hard"
  if [ -n "${before[$n]:-}" ]; then
    read -r bwall brecall bfalse <<<"${before[$n]}"
    printf '%-10s %8s %7s %12.0f %9s %12s %7s %6s %5s\n' "  before" "$bwall" - \
      "$(echo "$n / $bwall" | bc -l)" - - "$brecall" "$bfalse" -
  fi
  scores+=("$n" "$(python3 bench/score_variants.py "$data/variants-out.jsonl" "$input.truth.json")")
done
for ((i = 0; i < ${#scores[@]}; i += 2)); do
  printf '\n%s records:\n%s\n' "${scores[i]}" "${scores[i + 1]}"
done
