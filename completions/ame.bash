#!/bin/bash

__ame_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__ame_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__ame_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__ame_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_ame_builtin() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|runs|status|logs|cancel|pull|secret|sync|cache|port-forward|setup|whoami|logout|token|project|schedule|create|validate|plugin|tasks|completion|version|help)
        # Offer subcommand argument completions
        "_ame_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run runs status logs cancel pull secret sync cache port-forward setup whoami logout token project schedule create validate plugin tasks completion version help' -- "${cur}"))
        ;;
    esac
}

_ame_run() {
    repeating_flags=()
    non_repeating_flags=(--detach --local --json --version -h --help)
    repeating_options=(--env)
    non_repeating_options=(--file --dir --dry-run -o --output)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    '--env')
        return
        ;;
    '--dry-run')
        __ame_add_completions -W 'kubernetes'
        return
        ;;
    '-o'|'--output')
        __ame_add_completions -W 'yaml'$'\n''json'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion run -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_runs() {
    repeating_flags=()
    non_repeating_flags=(--all --local --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--status --task --limit)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--status')
        __ame_add_completions -W 'queued'$'\n''preparing'$'\n''running'$'\n''succeeded'$'\n''failed'$'\n''cancelled'$'\n''lost'$'\n''skipped'
        return
        ;;
    '--task')
        __ame_add_completions -W "$(__ame_custom_complete ---completion runs -- --task "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_ame_status() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion status -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_logs() {
    repeating_flags=()
    non_repeating_flags=(-f --follow --local --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--from --node)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--from')
        return
        ;;
    '--node')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion logs -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_cancel() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion cancel -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_pull() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--to)
    __ame_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--to')
        __ame_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion pull -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_secret() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    set|list|rm)
        # Offer subcommand argument completions
        "_ame_secret_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'set list rm' -- "${cur}"))
        ;;
    esac
}

_ame_secret_set() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion secret set -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_secret_list() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_secret_rm() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion secret rm -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_sync() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --dir)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_cache() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    info|prune)
        # Offer subcommand argument completions
        "_ame_cache_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'info prune' -- "${cur}"))
        ;;
    esac
}

_ame_cache_info() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        return
        ;;
    esac
}

_ame_cache_prune() {
    repeating_flags=()
    non_repeating_flags=(--packages --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --older-than)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        return
        ;;
    '--older-than')
        return
        ;;
    esac
}

_ame_port-forward() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--local-port)
    __ame_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--local-port')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion port-forward -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_setup() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--token --name --use)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--token')
        return
        ;;
    '--name')
        return
        ;;
    '--use')
        return
        ;;
    esac
}

_ame_whoami() {
    repeating_flags=()
    non_repeating_flags=(--local --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_logout() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1
}

_ame_token() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|list|revoke)
        # Offer subcommand argument completions
        "_ame_token_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create list revoke' -- "${cur}"))
        ;;
    esac
}

_ame_token_create() {
    repeating_flags=()
    non_repeating_flags=(--admin --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--description)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--description')
        return
        ;;
    esac
}

_ame_token_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_token_revoke() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1
}

_ame_project() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    track|list|untrack)
        # Offer subcommand argument completions
        "_ame_project_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'track list untrack' -- "${cur}"))
        ;;
    esac
}

_ame_project_track() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--branch --secret --interval)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--branch')
        return
        ;;
    '--secret')
        return
        ;;
    '--interval')
        return
        ;;
    esac
}

_ame_project_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_project_untrack() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1
}

_ame_schedule() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|run|history|push)
        # Offer subcommand argument completions
        "_ame_schedule_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list run history push' -- "${cur}"))
        ;;
    esac
}

_ame_schedule_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_schedule_run() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1
}

_ame_schedule_history() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--limit)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--limit')
        return
        ;;
    esac
}

_ame_schedule_push() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --dir)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_create() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    project|task)
        # Offer subcommand argument completions
        "_ame_create_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'project task' -- "${cur}"))
        ;;
    esac
}

_ame_create_project() {
    repeating_flags=()
    non_repeating_flags=(--force --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--dir)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_create_task() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--step --env --secret)
    non_repeating_options=(-c --command --cpu --memory --storage --gpus --vram --file --dir)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-c'|'--command')
        return
        ;;
    '--step')
        return
        ;;
    '--cpu')
        return
        ;;
    '--memory')
        return
        ;;
    '--storage')
        return
        ;;
    '--gpus')
        return
        ;;
    '--vram')
        return
        ;;
    '--env')
        return
        ;;
    '--secret')
        __ame_add_completions -W "$(__ame_custom_complete ---completion create task -- --secret "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_validate() {
    repeating_flags=()
    non_repeating_flags=(--json --remote --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --dir)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_plugin() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|install|remove|exec|test)
        # Offer subcommand argument completions
        "_ame_plugin_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list install remove exec test' -- "${cur}"))
        ;;
    esac
}

_ame_plugin_list() {
    repeating_flags=()
    non_repeating_flags=(--json --refresh --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_plugin_install() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--sha256)
    __ame_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sha256')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -f
        return
        ;;
    esac
}

_ame_plugin_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion plugin remove -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_plugin_exec() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options -1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W "$(__ame_custom_complete ---completion plugin exec -- positional@0 "${COMP_CWORD}" "$(__ame_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_ame_plugin_test() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -f
        return
        ;;
    esac
}

_ame_tasks() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --dir)
    __ame_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--file')
        __ame_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--dir')
        __ame_add_completions -d
        return
        ;;
    esac
}

_ame_completion() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __ame_add_completions -W 'bash'$'\n''zsh'$'\n''fish'
        return
        ;;
    esac
}

_ame_version() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options 0
}

_ame_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __ame_offer_flags_options -1
}

# AME: plugins and 'ame help' (added to ArgumentParser's script by CompletionScripts.swift)

__ame_plugin_word() {
    case "${1}" in
    run|runs|status|logs|cancel|pull|secret|sync|cache|port-forward|setup|whoami|logout|token|project|schedule|create|validate|plugin|tasks|completion|version|agent|__generate-docs|-*) return 1 ;;
    esac
    return 0
}

# Candidates for the words after 'ame' (the last one being completed), from
# 'ame plugin complete'; status 3 asks for file names, 4 for folder names.
__ame_plugin_complete() {
    local output
    output="$("${COMP_WORDS[0]}" plugin complete --shell bash -- "${@}" 2>/dev/null)"
    local -ir status=$?
    local line
    case "${status}" in
    0)
        while IFS='' read -r line; do
            [[ -n "${line}" ]] && COMPREPLY+=("${line}")
        done <<<"${output}"
        ;;
    3)
        local -a extensions=()
        while IFS='' read -r line; do
            [[ -n "${line}" ]] && extensions+=("${line}")
        done <<<"${output}"
        while IFS='' read -r line; do
            if [[ "${#extensions[@]}" -eq 0 || -d "${line}" ]]; then
                COMPREPLY+=("${line}")
                continue
            fi
            local extension
            for extension in "${extensions[@]}"; do
                [[ "${line}" == *."${extension}" ]] && COMPREPLY+=("${line}") && break
            done
        done < <(compgen -f -- "${COMP_WORDS[COMP_CWORD]}")
        ;;
    4)
        while IFS='' read -r line; do
            COMPREPLY+=("${line}")
        done < <(compgen -d -- "${COMP_WORDS[COMP_CWORD]}")
        ;;
    esac
}

_ame() {
    COMPREPLY=()
    if [[ "${COMP_CWORD}" -gt 1 ]] && __ame_plugin_word "${COMP_WORDS[1]}"; then
        __ame_plugin_complete "${COMP_WORDS[@]:1:${COMP_CWORD}}"
        return 0
    fi
    if [[ "${COMP_CWORD}" -eq 1 && "${COMP_WORDS[1]}" != -* ]]; then
        # The command's name: ArgumentParser's function would take a whole name
        # being typed ('run', of 'run' and 'runs') as the command already chosen.
        COMPREPLY+=($(compgen -W 'run runs status logs cancel pull secret sync cache port-forward setup whoami logout token project schedule create validate plugin tasks completion version help' -- "${COMP_WORDS[1]}"))
        __ame_plugin_complete "${COMP_WORDS[1]}"
        return 0
    fi
    _ame_builtin "${@}"
    return 0
}

complete -o filenames -F _ame ame
