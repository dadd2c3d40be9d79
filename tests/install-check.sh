#!/usr/bin/env bash
# Installs the build into a scratch prefix, then MOVES the prefix (an installed tree is
# relocatable) and checks that the installed tool finds the installed rules with no option,
# that everything is in place, and that a program using the library builds against the
# moved prefix with pkg-config and with CMake's find_package(gpkit) and finds the rules too.
# Usage: install-check.sh BUILD-DIR SOURCE-DIR [C-COMPILER [EXTRA-CFLAGS]]
set -euo pipefail
build=$1 src=$2 cc=${3:-cc} cflags=${4:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/first" >/dev/null
mv "$scratch/first" "$scratch/moved"
prefix=$scratch/moved
for f in bin/gp-extract bin/gp-apply include/gpkit.h include/gpkit/apply.h include/gpkit/record.h share/gpkit/rules/gpkit.yaml \
         share/gpkit/rules/profiles/issa-listing-html.yaml share/man/man1/gp-extract.1 share/man/man1/gp-apply.1 \
         share/doc/gpkit/checks.md share/doc/gpkit/ids.md share/doc/gpkit/decisions.md share/doc/gpkit/dedup.md \
         share/bash-completion/completions/gp-lint share/bash-completion/completions/gp-report; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
libdir=$(dirname "$(ls "$prefix"/lib*/libgpkit.so "$prefix"/lib/*/libgpkit.so 2>/dev/null | head -1)")
[ -e "$libdir/pkgconfig/gpkit.pc" ] || { echo "not installed: gpkit.pc"; exit 1; }
[ -e "$libdir/cmake/gpkit/gpkitConfig.cmake" ] || { echo "not installed: gpkitConfig.cmake"; exit 1; }
unset GPKIT_RULES
under_prefix() { # what, rules path
  local rules
  rules=$(realpath -m "$2")
  case "$rules" in
    "$prefix"/share/gpkit/rules*) ;;
    *) echo "$1 uses rules at '$2', not under the moved prefix $prefix"; exit 1 ;;
  esac
}
rules=$("$prefix/bin/gp-extract" --help | sed -n 's/^The bundled rules: //p')
under_prefix "installed gp-extract" "$rules"
n=$(cd "$src" && "$prefix/bin/gp-extract" fixtures/seeds/listing-korea-split-header.txt | wc -l)
[ "$n" = 39 ] || { echo "installed gp-extract gave $n records, expected 39"; exit 1; }

# A program built with pkg-config against the moved prefix.
export PKG_CONFIG_PATH=$libdir/pkgconfig
pc_libdir=$(pkg-config --variable=libdir gpkit)
# shellcheck disable=SC2046,SC2086
"$cc" $cflags -o "$scratch/consumer-pc" "$src/tests/consumer/consumer.c" \
  $(pkg-config --cflags --libs gpkit) -Wl,-rpath,"$pc_libdir"
out=$("$scratch/consumer-pc")
under_prefix "a program built with pkg-config" "$(printf '%s\n' "$out" | head -1)"
printf '%s\n' "$out" | grep -q '"country_code":"KR"' || { echo "pkg-config program did not normalise: $out"; exit 1; }

# The same program built by CMake with find_package(gpkit).
cmake -S "$src/tests/consumer" -B "$scratch/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" >/dev/null
cmake --build "$scratch/consumer-cmake" >/dev/null
out=$("$scratch/consumer-cmake/consumer")
under_prefix "a program built with find_package(gpkit)" "$(printf '%s\n' "$out" | head -1)"
printf '%s\n' "$out" | grep -q '"country_code":"KR"' || { echo "CMake program did not normalise: $out"; exit 1; }
echo "installed, then moved to $prefix: gp-extract found the rules at $rules (39 records);"
echo "programs built with pkg-config and find_package(gpkit) found them and normalised a record"
