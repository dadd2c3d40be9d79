#!/usr/bin/env bash
# Runs one tool test case: tests/cli/<tool>/<case>/ holds
#   cmd           a shell command, run from the repository root with the built tools on PATH
#   stdin         (optional) fed to the command's standard input
#   expected.out  (optional) standard output must equal it byte for byte
#   expected.err  (optional) standard error must equal it
#   status        (optional) the exit status, 0 when absent
# With GP_UPDATE=1 the expected files that exist are rewritten from the actual output.
set -u
case_dir=$1 bin_dir=$2 src_dir=$3
cd "$src_dir" || exit 2
export PATH="$bin_dir:$PATH" NO_COLOR=1 LC_ALL=C.UTF-8
unset GPKIT_RULES
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stdin=/dev/null
[ -f "$case_dir/stdin" ] && stdin="$case_dir/stdin"
bash -c "set -o pipefail; $(cat "$case_dir/cmd")" <"$stdin" >"$work/out" 2>"$work/err"
status=$?
want_status=0
[ -f "$case_dir/status" ] && want_status=$(tr -d '[:space:]' <"$case_dir/status")
fail=0
if [ "${GP_UPDATE:-0}" = 1 ]; then
  [ -f "$case_dir/expected.out" ] && cp "$work/out" "$case_dir/expected.out"
  [ -f "$case_dir/expected.err" ] && cp "$work/err" "$case_dir/expected.err"
  echo "$status" >"$case_dir/status"
  exit 0
fi
if [ "$status" != "$want_status" ]; then
  echo "exit status $status, expected $want_status"
  fail=1
fi
for stream in out err; do
  if [ -f "$case_dir/expected.$stream" ] && ! cmp -s "$case_dir/expected.$stream" "$work/$stream"; then
    echo "std$stream differs from expected.$stream:"
    diff -u "$case_dir/expected.$stream" "$work/$stream" | head -40
    fail=1
  fi
done
if [ "$fail" != 0 ]; then
  echo "--- command: $(cat "$case_dir/cmd")"
  echo "--- stderr:"; head -20 "$work/err"
fi
exit "$fail"
