#!/usr/bin/env bash
# Fails when a C file does not follow .clang-format (clang-format 14 or later).
fmt=$1
status=0
for f in include/gpkit.h include/gpkit/*.h lib/*.c lib/*.h tools/*.c tools/*.h tests/*.c tests/*.h tests/fuzz/*.c tests/fuzz/*.h; do
  [ -f "$f" ] || continue
  if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    status=1
  fi
done
exit $status
