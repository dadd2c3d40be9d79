#!/usr/bin/env bash
# Installs the build into a scratch prefix and checks that the installed tool finds the
# installed rules with no option: tools, library, headers, rules and man pages in place.
set -euo pipefail
build=$1 src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/gp-extract bin/gp-apply include/gpkit.h include/gpkit/apply.h include/gpkit/record.h share/gpkit/rules/gpkit.yaml \
         share/gpkit/rules/profiles/issa-listing-html.yaml share/man/man1/gp-extract.1 share/man/man1/gp-apply.1; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
ls "$prefix"/lib*/libgpkit.so* >/dev/null 2>&1 || ls "$prefix"/lib/*/libgpkit.so* >/dev/null
unset GPKIT_RULES
rules=$("$prefix/bin/gp-extract" --help | sed -n 's/^The bundled rules: //p')
case "$rules" in
  "$prefix"/*) ;;
  *) echo "installed gp-extract uses rules at '$rules', not under $prefix"; exit 1 ;;
esac
n=$(cd "$src" && "$prefix/bin/gp-extract" fixtures/seeds/listing-korea-split-header.txt | wc -l)
[ "$n" = 39 ] || { echo "installed gp-extract gave $n records, expected 39"; exit 1; }
echo "installed into $prefix: rules found at $rules, 39 records"
