#!/usr/bin/env zsh
# Asks zsh's completion system for the candidates of a command line, the way Tab does:
# an interactive zsh in a pseudo-terminal (zpty) loads compinit and SCRIPT, the line is
# typed followed by Tab, and every candidate that reaches compadd is written to OUTPUT as
# "value<TAB>display" (display holds the description, when the shell shows one). The last
# line of OUTPUT is "##done" when the completion finished.
#
# Usage: zsh -f complete-zsh.zsh SCRIPT OUTPUT LINE
emulate -L zsh
zmodload zsh/zpty || exit 3
local script=$1 output=$2 line=$3
: >| $output
local setup=${output}.setup.zsh
cat >| $setup <<SETUP
PROMPT='' RPROMPT='' PS2=''
unsetopt beep
autoload -Uz compinit
compinit -u -D
source ${(q)script}
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
# Every call that adds matches: record them (with their displays), then add them.
compadd() {
    if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
        builtin compadd "\$@"
        return
    fi
    local -a __hits __displays
    if (( \$@[(I)-d] )); then
        local __name=\${@[\$(( \${@[(i)-d]} + 1 ))]}
        if [[ \$__name == \\(* ]]; then
            eval "__displays=\$__name"
        else
            __displays=( "\${(@P)__name}" )
        fi
    fi
    builtin compadd -A __hits -D __displays "\$@"
    local __index
    for (( __index = 1; __index <= \$#__hits; __index++ )); do
        print -r -- "\${__hits[__index]}"\$'\\t'"\${__displays[__index]}" >> ${(q)output}
    done
    builtin compadd "\$@"
}
__capture_done() { print -r -- '##done' >> ${(q)output}; exit }
comppostfuncs=( __capture_done )
print -r -- '##ready' >> ${(q)output}
SETUP
zpty capture zsh -f -i
zpty -w capture "source ${(q)setup}"
local -i waited=0
while ! grep -q '^##ready' $output 2>/dev/null; do
    sleep 0.05
    (( ++waited > 600 )) && { print -u2 "zsh did not start"; zpty -d capture; exit 2 }
    zpty -r -t capture >/dev/null 2>&1
done
sed -i '/^##ready/d' $output
zpty -w -n capture "${line}"$'\t'
waited=0
while ! grep -q '^##done' $output 2>/dev/null; do
    sleep 0.05
    (( ++waited > 600 )) && { print -u2 "completion did not finish"; zpty -d capture; exit 2 }
    zpty -r -t capture >/dev/null 2>&1
done
zpty -d capture 2>/dev/null
rm -f $setup
exit 0
