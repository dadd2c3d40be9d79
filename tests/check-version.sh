#!/usr/bin/env bash
# The version is written in several places (see CONTRIBUTING.md, "Make a release"): they
# must all say the version CMakeLists.txt's project() gives.
# Usage: check-version.sh SOURCE-DIR VERSION
set -euo pipefail
src=$1 version=$2
fail=0
grep -q "^#define GP_VERSION_STRING \"$version\"$" "$src/include/gpkit/common.h" ||
  { echo "include/gpkit/common.h: GP_VERSION_STRING is not \"$version\""; fail=1; }
for page in "$src"/docs/man/*.1; do
  grep -q "^\.TH .* \"gpkit $version\" " "$page" || { echo "${page#"$src"/}: .TH does not say gpkit $version"; fail=1; }
done
grep -q "rev: v$version\$" "$src/.pre-commit-hooks.yaml" ||
  { echo ".pre-commit-hooks.yaml: the example does not use rev: v$version"; fail=1; }
[ $fail = 0 ] && echo "version $version everywhere"
exit $fail
