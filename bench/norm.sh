#!/usr/bin/env bash
# bench/norm.sh - gp-norm's speed and memory next to a plain Python normaliser.
#
#   bash bench/norm.sh [SIZES...]      (default: 100000 1000000)
#
# Builds gpkit (Release, in build-bench/), extracts the seed dumps, makes inputs of the
# given sizes by varying the seed records (bench/gen_records.py), and runs gp-norm on
# one thread (-j1) and on two (-j2, whose output must be the same bytes), two -j1
# processes at once on one half of the input each (what two cores give on this machine
# when nothing is shared), and bench/norm_baseline.py, each timed by /usr/bin/time -v:
# wall time, records per second, peak resident memory, CPU time (user + system) and
# records per CPU second. The Python normaliser runs on the smallest size only unless
# GP_BENCH_PYTHON_ALL=1 (it takes minutes on a million records).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
data=bench/data
mkdir -p "$data"

need=()
command -v /usr/bin/time >/dev/null || need+=(time)
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
if [ ${#need[@]} -gt 0 ]; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" </dev/null >/dev/null
fi

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DGP_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
tools=build-bench/tools
"$tools/gp-extract" --no-positions fixtures/seeds/*.txt >"$data/seeds.jsonl" 2>/dev/null

# run NAME RECORDS COMMAND... : one timed run, one line of the table
run() {
  local name=$1 n=$2
  shift 2
  /usr/bin/time -v -o "$data/time.txt" "$@" >"$data/out.jsonl" 2>/dev/null
  local wall rss secs cpu
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  # CPU seconds too: on a shared machine wall time says more about the neighbours
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$data/time.txt")
  printf '%-14s %10s %10.2f %14.0f %12.1f %8.2f %14.0f\n' "$name" "$n" "$secs" \
    "$(echo "$n / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$cpu" "$(echo "$n / $cpu" | bc -l)"
  echo "$secs" >"$data/last.txt"
}

printf '%-14s %10s %10s %14s %12s %8s %14s\n' tool records wall_s records_per_s peak_MiB cpu_s records_per_cpu_s
smallest=${sizes[0]}
for n in "${sizes[@]}"; do
  input="$data/raw-$n.jsonl"
  [ -s "$input" ] || python3 bench/gen_records.py "$data/seeds.jsonl" "$n" >"$input"
  run "gp-norm -j1" "$n" "$tools/gp-norm" -j 1 "$input"
  c_secs=$(cat "$data/last.txt")
  cp "$data/out.jsonl" "$data/gp-norm-$n.jsonl"
  run "gp-norm -j2" "$n" "$tools/gp-norm" -j 2 "$input"
  j2_secs=$(cat "$data/last.txt")
  cmp -s "$data/out.jsonl" "$data/gp-norm-$n.jsonl" || echo "gp-norm -j2 output DIFFERS from -j1 on $n records"
  # The machine's own ceiling for two threads: two independent -j1 processes at once, on
  # one half of the input each, share nothing but the cores (and what the host shares).
  half=$(((n + 1) / 2))
  [ -s "$data/half1-$n.jsonl" ] || head -n "$half" "$input" >"$data/half1-$n.jsonl"
  [ -s "$data/half2-$n.jsonl" ] || tail -n +"$((half + 1))" "$input" >"$data/half2-$n.jsonl"
  run "2 x -j1 halves" "$n" bash -c "'$tools/gp-norm' -j 1 '$data/half1-$n.jsonl' >'$data/out-half1.jsonl' 2>/dev/null &
    '$tools/gp-norm' -j 1 '$data/half2-$n.jsonl' 2>/dev/null; wait"
  halves_secs=$(cat "$data/last.txt")
  printf '%-14s %10s %10.2fx (two independent processes: %.2fx)\n' "-j2 speed-up" "$n" \
    "$(echo "$c_secs / $j2_secs" | bc -l)" "$(echo "$c_secs / $halves_secs" | bc -l)"
  if [ "$n" = "$smallest" ] || [ "${GP_BENCH_PYTHON_ALL:-0}" = 1 ]; then
    run python "$n" python3 bench/norm_baseline.py rules <"$input"
    py_secs=$(cat "$data/last.txt")
    printf '%-14s %10s %10.1fx\n' "speed-up" "$n" "$(echo "$py_secs / $c_secs" | bc -l)"
  fi
done
# gp-norm is idempotent on its own output, at scale too
"$tools/gp-norm" "$data/gp-norm-$smallest.jsonl" 2>/dev/null | cmp -s - "$data/gp-norm-$smallest.jsonl" &&
  echo "idempotent on $smallest records: yes" || echo "idempotent on $smallest records: NO"
