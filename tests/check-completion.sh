#!/usr/bin/env bash
# The bash completion (tools/completion.bash) is registered for every tool and completes the
# options each tool's --help lists.
# Usage: check-completion.sh TOOLS-DIR SOURCE-DIR
set -euo pipefail
export PATH=$1:$PATH
file=$2/tools/completion.bash
for tool in gp-extract gp-norm gp-lint gp-dedup gp-apply gp-report; do
  got=$(bash -c 'source "$1"; complete -p "$2"' _ "$file" "$tool" 2>&1) || { echo "no completion for $tool: $got"; exit 1; }
  [[ $got == *"-F _gpkit_tool $tool" ]] || { echo "unexpected completion for $tool: $got"; exit 1; }
done
complete_line() { # WORD...: the COMPREPLY for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gpkit_tool; echo "${COMPREPLY[*]}"' _ "$file" "$@"
}
expect() { # expected, words...
  local want=$1 got
  shift
  got=$(complete_line "$@")
  [ "$got" = "$want" ] || { echo "completing '$*': got '$got', expected '$want'"; exit 1; }
}
expect "--format=" gp-lint --for
expect "--no-discovery --no-duplicates" gp-lint --no-d
expect "--profile=" gp-extract --pro
expect "--quiet" gp-norm --qu
expect "--verbose --version" gp-report --ver
expect "" gp-lint fixtures/
# the options every tool reading dumps shares, and gp-lint's outputs
expect "--from=" gp-norm --fr
expect "--stdin-name=" gp-apply --stdin
expect "--config=" gp-dedup --conf
expect "--base= --baseline=" gp-lint --ba
expect "--output" gp-lint --outp
echo "completion registered for 6 tools; gp-lint --for completes to --format="
