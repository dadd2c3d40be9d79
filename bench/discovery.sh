#!/usr/bin/env bash
# bench/discovery.sh - how well and how fast gp-lint's variant discovery finds typos, next
# to OpenRefine's clustering of the same values.
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
#
# The peer is OpenRefine (Debian's openrefine package, 3.6.2; installed by
# `bash scripts/dev peers` when missing). It is started once, headless, on a free
# localhost port with a temporary workspace and GP_BENCH_OPENREFINE_MEMORY of Java heap
# (default 6G), and stopped at the end. Per size, bench/openrefine_peer.py makes a project
# of the same records' four fields (one row per topic) and runs OpenRefine's clustering on
# each column: key collision with fingerprint, n-gram fingerprint n=1 and n=2, and nearest
# neighbour with Levenshtein radius 1 (blocking 6). Its rows: wall_s and cpu_s are the
# project's creation plus the method (CPU time of OpenRefine's JVM), peak_MiB is the JVM's
# peak so far, discovery_s the method alone; the clusters are scored by the same
# score_variants.py. Nearest neighbour is slow (issue 11: 233 s on 100000 records): it is
# skipped above GP_BENCH_KNN_MAX records (default 100000) and stopped after
# GP_BENCH_KNN_TIMEOUT seconds (default 600) on a size (OpenRefine is then restarted for
# the next size, since the JVM goes on computing). GP_BENCH_OPENREFINE=0 leaves the peer
# out.
#
# GP_BENCH_SEED (default 1) seeds the generator; inputs are kept in bench/data/.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
seed=${GP_BENCH_SEED:-1}
. bench/build-release.sh

# issue 11's measurement before the work (gp-lint whole run): time, recall, false clusters
declare -A before=([100000]="2.2 0.70 0" [1000000]="22.6 0.75 1")

peer=${GP_BENCH_OPENREFINE:-1}
knn_max=${GP_BENCH_KNN_MAX:-100000}
knn_timeout=${GP_BENCH_KNN_TIMEOUT:-600}
refine_pid=
start_refine() {
  refine_tmp=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # the launcher runs from its own folder and execs the JVM, so $! is the JVM's pid;
  # HOME keeps its Jython cache in the temporary folder too
  (cd /usr/share/openrefine && HOME=$refine_tmp exec ./refine -p "$port" -i 127.0.0.1 \
    -d "$refine_tmp/workspace" -m "${GP_BENCH_OPENREFINE_MEMORY:-6G}" \
    -x refine.headless=true run >"$refine_tmp/log" 2>&1) &
  refine_pid=$!
  refine_url=http://127.0.0.1:$port
  for ((i = 0; i < 120; i++)); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/command/core/get-version")' \
      "$refine_url" 2>/dev/null && return 0
    kill -0 "$refine_pid" 2>/dev/null || { cat "$refine_tmp/log" >&2; exit 1; }
    sleep 1
  done
  echo "OpenRefine did not answer within 120 s" >&2
  exit 1
}
stop_refine() { # TERM lets the JVM save and exit; KILL if it has not within 30 s
  [ -n "$refine_pid" ] || return 0
  kill "$refine_pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$refine_pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$refine_pid" 2>/dev/null || true
  wait "$refine_pid" 2>/dev/null || true
  rm -rf "$refine_tmp"
  refine_pid=
}
if [ "$peer" = 1 ]; then
  command -v openrefine >/dev/null || bash scripts/dev peers
  trap stop_refine EXIT
  start_refine
fi

printf '%-9s %-30s %8s %8s %9s %9s %11s %7s %6s %5s\n' records tool wall_s cpu_s \
  records/s peak_MiB discovery_s recall false hard
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
  printf '%-9s %-30s %8.2f %8.2f %9.0f %9.1f %11s %7.3f %6s %5s\n' "$n" gp-lint "$wall" "$cpu" \
    "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$disc" "$recall" "$false" "$hard"
  if [ -n "${before[$n]:-}" ]; then
    read -r bwall brecall bfalse <<<"${before[$n]}"
    printf '%-9s %-30s %8s %8s %9.0f %9s %11s %7s %6s %5s\n' "$n" "gp-lint, issue 11" "$bwall" - \
      "$(echo "$n / $bwall" | bc -l)" - - "$brecall" "$bfalse" -
  fi
  scores+=("$n gp-lint" "$(python3 bench/score_variants.py "$data/variants-out.jsonl" "$input.truth.json")")
  [ "$peer" = 1 ] || continue

  knn=(--knn-timeout "$knn_timeout")
  [ "$n" -le "$knn_max" ] || knn=(--no-knn)
  rm -rf "$data/openrefine"
  [ -z "${restart:-}" ] || { stop_refine; start_refine; restart=; }
  python3 bench/openrefine_peer.py --url "$refine_url" --pid "$refine_pid" \
    --out-dir "$data/openrefine" "${knn[@]}" "$input" >"$data/openrefine.jsonl"
  # one row per method: the project's creation counts in its wall and CPU time
  while read -r method wall cpu peak status; do
    if [ "$method" = load ]; then
      lwall=$wall lcpu=$cpu
      continue
    fi
    if [ "$status" != ok ]; then
      [ "$status" = skipped ] && status="skipped above $knn_max records"
      printf '%-9s %-30s %s\n' "$n" "OpenRefine $method" "$status"
      # a stopped method goes on in the JVM: a fresh one for the next size
      [ "${status#stopped}" = "$status" ] || restart=1
      continue
    fi
    clusters=$data/openrefine/$method.clusters.jsonl
    read -r recall false hard < <(python3 bench/score_variants.py --json --clusters "$clusters" \
      "$input.truth.json" |
      python3 -c 'import json, sys; t = json.load(sys.stdin)["total"]; print(t["recall"], t["false"], t["hard"])')
    twall=$(echo "$lwall + $wall" | bc -l)
    printf '%-9s %-30s %8.2f %8.2f %9.0f %9.1f %11.2f %7.3f %6s %5s\n' "$n" "OpenRefine $method" \
      "$twall" "$(echo "$lcpu + $cpu" | bc -l)" "$(echo "$n / $twall" | bc -l)" "$peak" "$wall" \
      "$recall" "$false" "$hard"
    scores+=("$n OpenRefine $method" "$(python3 bench/score_variants.py --clusters "$clusters" \
      "$input.truth.json")")
  done < <(python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    print(m["method"], m["wall"], m["cpu"], m["peak_MiB"], m["status"])' <"$data/openrefine.jsonl")
done
for ((i = 0; i < ${#scores[@]}; i += 2)); do
  printf '\n%s, records %s:\n%s\n' "${scores[i]#* }" "${scores[i]%% *}" "${scores[i + 1]}"
done
