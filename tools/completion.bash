# bash completion for the gpkit tools (gp-extract, gp-norm, gp-lint, gp-dedup, gp-apply,
# gp-report). The options are read from the tool's own --help when completing, so this file
# never goes out of date; file names are completed otherwise. Installed once per tool name
# in share/bash-completion/completions/, where bash-completion loads it on first use, or
# source it from ~/.bashrc.

_gpkit_tool_options()
{
    # The option column of --help: "  -r, --rules PATH   text" and "      --format=FORMAT  text".
    "$1" --help 2>/dev/null | sed -n -E 's/^ +(-[^ ].*)$/\1/p' | sed -E 's/   .*//' |
        grep -oE -- '--?[A-Za-z0-9][-A-Za-z0-9]*=?'
}

_gpkit_tool()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    COMPREPLY=()
    case $cur in
        -*) ;;
        *) return 0 ;; # no reply: -o default completes file names
    esac
    local opts
    opts=$(_gpkit_tool_options "${COMP_WORDS[0]}")
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    # An option taking its value after "=": no space after the completed "--format=".
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -o default -o bashdefault -F _gpkit_tool gp-extract gp-norm gp-lint gp-dedup gp-apply gp-report
