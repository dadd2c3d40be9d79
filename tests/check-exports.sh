#!/usr/bin/env bash
# libgpkit.so exports the public API only: every defined dynamic symbol is a gp_ name and
# none is an internal gp__ name (lib/gpkit.map).
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
n=$(printf '%s\n' "$syms" | grep -c '^gp_' || true)
[ "$n" -gt 50 ] || { echo "only $n gp_ symbols exported by $lib"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^gp_[a-zA-Z0-9]' || true)
if [ -n "$bad" ]; then
  echo "$lib exports symbols outside the public API:"
  printf '%s\n' "$bad"
  exit 1
fi
echo "$lib exports $n public symbols, no gp__ or other symbol"
