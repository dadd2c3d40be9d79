#!/usr/bin/env bash
# tests/fuzz/run.sh - runs one libFuzzer harness (ctest and `scripts/dev fuzz` call it).
#
#   run.sh corpus  FUZZER CORPUS DICT WORK   every input of CORPUS once (a regression run)
#   run.sh SECONDS FUZZER CORPUS DICT WORK [fresh]
#                                            fuzz for SECONDS: new inputs go to WORK/corpus
#                                            (emptied first with `fresh`), a crash to
#                                            WORK/crash-*; CORPUS is only read
# Prints libFuzzer's last status line (executions, cov:, ft:, corpus) and, on a finding,
# the log's end and how to reproduce it.
set -uo pipefail
mode=$1 fuzzer=$2 corpus=$3 dict=$4 work=$5
name=$(basename "$fuzzer")
[ "${6:-}" = fresh ] && rm -rf "$work/corpus"
mkdir -p "$work/corpus"
log=$work/$([ "$mode" = corpus ] && echo corpus || echo fuzz).log
stamp=$work/.started # findings newer than it are this run's
touch "$stamp"
# Leaks are findings; a crash stops the run at once.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-rss_limit_mb=2048 -timeout=25 -artifact_prefix="$work/" -print_final_stats=1)
if [ "$mode" = corpus ]; then
  "$fuzzer" "${common[@]}" -runs=0 "$corpus" >"$log" 2>&1
else
  "$fuzzer" "${common[@]}" -dict="$dict" -max_total_time="$mode" "$work/corpus" "$corpus" >"$log" 2>&1
fi
status=$?
last=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
runs=$(sed -n "s/^stat::number_of_executed_units: *//p" "$log" | tail -n 1)
echo "fuzz: $name: ${runs:-?} executions; ${last:-no status line}"
if [ $status -ne 0 ]; then
  tail -n 60 "$log"
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$a" ] && [ "$a" -nt "$stamp" ] || continue
    echo "fuzz: $name: finding in $a; reproduce with: $fuzzer $a"
  done
  exit 1
fi
