#!/usr/bin/env bash
# bench/dedup.sh - gp-dedup's precision, recall, speed and memory on synthetic data, beside a
# plain record-linkage baseline.
#
#   bash bench/dedup.sh [SIZES...]      (default: 10000 100000 1000000)
#
# Builds gpkit (Release, in build-bench/), extracts the seed dumps, makes a dataset of
# each size with known duplicate groups (bench/gen_dedup.py: typos, white space, quote
# and dash variants, reordered and partly different topic lists, cut or lightly edited
# descriptions, a second source, and distinct "sibling" practices that share wording),
# normalises it with gp-norm (not timed), and runs gp-dedup on it, timed by
# /usr/bin/time -v: wall time, CPU time (user + system: the wall time of a shared
# machine says little), records per second, peak resident memory, minor page faults.
# Pairwise precision and recall against the known groups come from bench/dedup_eval.py,
# which also checks that every input record is in exactly one output record. Last, the time
# of the largest size over the time of the one ten times smaller, and whether the
# smallest dataset comes out byte-identical from its records shuffled and split.
#
# The peer is bench/dedup_peer.py, a plain record-linkage baseline (normalise, multi-pass
# sorted neighbourhood, Jaro-Winkler on the institution and shingle overlap of the
# descriptions, union-find), run by the system /usr/bin/python3 with Debian's
# python3-jellyfish (installed by `bash scripts/dev peers` when missing) on the same
# normalised input, timed and scored the same way. It runs on the sizes up to 100000
# records only, unless GP_BENCH_PEER_ALL=1 (on a million it took 260 s of CPU and 1.9 GiB,
# against gp-dedup's 36 s and 0.6 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
data=bench/data
mkdir -p "$data"

need=()
command -v /usr/bin/time >/dev/null || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" </dev/null >/dev/null
fi
# the peer runs on Debian's Python, whose packages hold jellyfish
py=/usr/bin/python3
"$py" -c 'import jellyfish' 2>/dev/null || bash scripts/dev peers

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DGP_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
tools=build-bench/tools
"$tools/gp-extract" --no-positions fixtures/seeds/*.txt >"$data/seeds.jsonl" 2>/dev/null

# timed NAME COMMAND...: runs COMMAND timed by /usr/bin/time -v into $data/time.txt, its
# output into $data/NAME-out.jsonl; sets wall (seconds), cpu, rss (KiB) and faults (minor
# page faults: about 12 microseconds each on the development machine, a virtual one)
timed() {
  local name=$1
  shift
  /usr/bin/time -v -o "$data/time.txt" "$@" >"$data/$name-out.jsonl" 2>"$data/$name-stats.txt"
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  faults=$(sed -n 's/.*Minor (reclaiming a frame) page faults: //p' "$data/time.txt")
  cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$data/time.txt" | awk '{ s += $1 } END { print s }')
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/time.txt" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
}

printf '%-9s %-9s %9s %8s %7s %12s %9s %9s %9s %9s %8s %8s\n' records tool out wall_s cpu_s \
  records_per_s peak_MiB precision recall pairs possible faults
declare -A secs
for n in "${sizes[@]}"; do
  raw="$data/dedup-$n.raw.jsonl" truth="$data/dedup-$n.truth" input="$data/dedup-$n.jsonl"
  if [ ! -s "$input" ] || [ ! -s "$truth" ]; then
    python3 bench/gen_dedup.py "$data/seeds.jsonl" "$n" "$raw" "$truth"
    "$tools/gp-norm" "$raw" >"$input" 2>/dev/null
    rm -f "$raw"
  fi
  timed dedup "$tools/gp-dedup" --stats "$input"
  secs[$n]=$wall
  read -r precision recall _ out < <(python3 bench/dedup_eval.py "$truth" "$data/dedup-out.jsonl")
  pairs=$(sed -n 's/.* ids, \([0-9]*\) candidate pairs.*/\1/p' "$data/dedup-stats.txt")
  possible=$(sed -n 's/.*: \([0-9]*\) possible duplicates.*/\1/p' "$data/dedup-stats.txt")
  printf '%-9s %-9s %9s %8.2f %7.2f %12.0f %9.1f %9s %9s %9s %8s %8s\n' "$n" gp-dedup "$out" \
    "$wall" "$cpu" "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$precision" \
    "$recall" "$pairs" "$possible" "$faults"
  if [ "$n" -le 100000 ] || [ "${GP_BENCH_PEER_ALL:-0}" = 1 ]; then
    timed peer "$py" bench/dedup_peer.py "$input"
    read -r precision recall _ out < <(python3 bench/dedup_eval.py "$truth" "$data/peer-out.jsonl")
    printf '%-9s %-9s %9s %8.2f %7.2f %12.0f %9.1f %9s %9s %9s %8s %8s\n' "$n" peer "$out" \
      "$wall" "$cpu" "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$precision" \
      "$recall" - - "$faults"
  fi
done

# time(N) / time(N / 10) for each size whose tenth was measured too
for n in "${sizes[@]}"; do
  tenth=$((n / 10))
  if [ -n "${secs[$tenth]:-}" ]; then
    printf 'time(%s) / time(%s): %.1f\n' "$n" "$tenth" "$(echo "${secs[$n]} / ${secs[$tenth]}" | bc -l)"
  fi
done

# the same bytes from the smallest input shuffled and split in two files
small=${sizes[0]}
shuf --random-source=<(yes) "$data/dedup-$small.jsonl" >"$data/shuffled.jsonl"
half=$(($(wc -l <"$data/shuffled.jsonl") / 2))
head -n "$half" "$data/shuffled.jsonl" >"$data/shuffled-a.jsonl"
tail -n +"$((half + 1))" "$data/shuffled.jsonl" >"$data/shuffled-b.jsonl"
"$tools/gp-dedup" "$data/dedup-$small.jsonl" >"$data/dedup-out.jsonl" 2>/dev/null
"$tools/gp-dedup" "$data/shuffled-b.jsonl" "$data/shuffled-a.jsonl" 2>/dev/null |
  cmp -s - "$data/dedup-out.jsonl" &&
  echo "byte-identical on $small records shuffled and split: yes" ||
  echo "byte-identical on $small records shuffled and split: NO"
rm -f "$data/shuffled.jsonl" "$data/shuffled-a.jsonl" "$data/shuffled-b.jsonl"
