#!/usr/bin/env bash
# Asks bash's completion for the candidates of a command line, the way Tab does: loads
# SCRIPT, sets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT, calls the function registered
# for 'ame' and prints COMPREPLY, one candidate per line.
#
# Usage: complete-bash.sh SCRIPT WORD... (the last word is the one being completed; "" after a space)
set -u
script=$1
shift
# shellcheck source=/dev/null
source "${script}"
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
COMP_KEY=9
COMPREPLY=()
function_name=$(complete -p ame | sed -E 's/.*-F ([^ ]+).*/\1/')
previous=""
[[ ${COMP_CWORD} -gt 0 ]] && previous="${COMP_WORDS[COMP_CWORD - 1]}"
"${function_name}" ame "${COMP_WORDS[COMP_CWORD]}" "${previous}"
for candidate in "${COMPREPLY[@]}"; do
    printf '%s\n' "${candidate}"
done
