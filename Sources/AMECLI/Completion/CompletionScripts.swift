import ArgumentParser

/// The completion scripts `ame completion SHELL` prints and `completions/` holds:
/// ArgumentParser's generated script for the built-in commands (their options, and
/// `ame ---completion …` for tasks, runs and secrets), wrapped so that a first word no
/// built-in takes is handed to `ame plugin complete`. Plugins are looked up on every Tab,
/// so a plugin completes the moment it is installed and is gone once removed, with no
/// script to regenerate.
public enum CompletionScripts {
    public struct GenerationError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func script(for shell: CompletionShell) throws -> String {
        let generated = RootCommand.completionScript(for: shell)
        switch shell {
        case .bash: return try bash(generated)
        case .zsh: return try zsh(generated)
        case .fish: return try fish(generated)
        default: throw GenerationError(description: "no completion script for \(shell.rawValue)")
        }
    }

    /// File names under `completions/`.
    public static let fileNames: [(shell: CompletionShell, file: String)] = [(.bash, "ame.bash"), (.zsh, "_ame"), (.fish, "ame.fish")]

    /// Words after `ame` that a built-in command takes. `help` is left out: `ame help NAME`
    /// completes plugins too, so it goes the plugin way.
    static var builtinWords: [String] {
        RootCommand.builtinNames.filter { $0 != "help" }
    }

    /// The commands `ame help` lists (hidden ones, such as `agent`, left out), and `help`.
    static var visibleCommandNames: [String] {
        RootCommand.builtinCommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName } + ["help"]
    }

    static let header = "AME: plugins and 'ame help' (added to ArgumentParser's script by CompletionScripts.swift)"

    /// The start of what AME adds to the bash and the zsh script, which both shells read alike:
    /// which words are the built-ins' (the rest may name plugins).
    static var pluginWordPrelude: String {
        """
        # \(header)

        __ame_plugin_word() {
            case "${1}" in
            \(builtinWords.joined(separator: "|"))|-*) return 1 ;;
            esac
            return 0
        }

        # Candidates for the words after 'ame' (the last one being completed), from
        # 'ame plugin complete'; status 3 asks for file names, 4 for folder names.
        """
    }

    static func replacingOnce(_ text: String, _ old: String, with new: String, shell: String) throws -> String {
        guard let range = text.range(of: old) else {
            throw GenerationError(description: "ArgumentParser's \(shell) script has changed: '\(old)' not found; update CompletionScripts.swift")
        }
        var result = text
        result.replaceSubrange(range, with: new)
        guard result.range(of: old, range: result.index(range.lowerBound, offsetBy: new.count)..<result.endIndex) == nil else {
            throw GenerationError(description: "ArgumentParser's \(shell) script has '\(old)' more than once; update CompletionScripts.swift")
        }
        return result
    }

    // MARK: bash

    static func bash(_ generated: String) throws -> String {
        var script = try replacingOnce(generated, "\n_ame() {\n", with: "\n_ame_builtin() {\n", shell: "bash")
        let registration = "complete -o filenames -F _ame ame"
        // ArgumentParser ends its script with the registration (with or without a newline).
        script = try replacingOnce(script, registration, with: "", shell: "bash")
        while script.hasSuffix("\n\n") { script.removeLast() }
        script += """

            \(pluginWordPrelude)
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
                    COMPREPLY+=($(compgen -W '\(visibleCommandNames.joined(separator: " "))' -- "${COMP_WORDS[1]}"))
                    __ame_plugin_complete "${COMP_WORDS[1]}"
                    return 0
                fi
                _ame_builtin "${@}"
                return 0
            }

            \(registration)

            """
        return script
    }

    // MARK: zsh

    static func zsh(_ generated: String) throws -> String {
        let script = try replacingOnce(generated, "\n_ame() {\n", with: "\n_ame_builtin() {\n", shell: "zsh")
        let dispatch = "if [[ \"${funcstack[1]}\" = _ame ]]; then"
        let addition = """
            \(pluginWordPrelude)
            # No 'emulate -L zsh' here or in _ame: it would switch off the extendedglob that
            # the completion system set, and _describe then adds no matches for a typed prefix.
            __ame_plugin_complete() {
                local output
                output="$("${words[1]}" plugin complete --shell zsh -- "${@}" 2>/dev/null)"
                local -i plugin_status=$?
                local -a candidates
                case "${plugin_status}" in
                0)
                    candidates=("${(@f)output}")
                    candidates=("${(@)candidates:#}")
                    (( ${#candidates} )) && _describe -V 'plugin' candidates
                    ;;
                3)
                    if [[ -n "${output}" ]]; then
                        _files -g "*.(${(j:|:)${(@f)output}})"
                    else
                        _files
                    fi
                    ;;
                4)
                    _files -/
                    ;;
                *)
                    return 1
                    ;;
                esac
            }

            _ame() {
                if (( CURRENT > 2 )) && __ame_plugin_word "${words[2]}"; then
                    __ame_plugin_complete "${(@)words[2,CURRENT-1]}" "${PREFIX}"
                    return
                fi
                local -i ret=1
                _ame_builtin "${@}" && ret=0
                if (( CURRENT == 2 )) && [[ "${PREFIX}" != -* ]]; then
                    __ame_plugin_complete "${PREFIX}" && ret=0
                fi
                return "${ret}"
            }


            """
        return try replacingOnce(script, dispatch, with: addition + dispatch, shell: "zsh")
    }

    // MARK: fish

    static func fish(_ generated: String) throws -> String {
        // ArgumentParser passes the cursor's place in the word as `commandline -tC`, which
        // fish 3.6 leaves empty when completing through `complete -C` (no cursor there):
        // the custom completions (tasks, runs, secrets) then got no arguments at all. The
        // cursor is taken to be at the end of the word in that case.
        let cursor = "(__ame_tokens -tC)"
        guard generated.contains(cursor) else {
            throw GenerationError(description: "ArgumentParser's fish script has changed: '\(cursor)' not found; update CompletionScripts.swift")
        }
        let script = generated.replacingOccurrences(of: cursor, with: "(__ame_token_cursor)")
        return script + """

            # The cursor's place in the current word (see CompletionScripts.swift).
            function __ame_token_cursor
                set -l cursor (__ame_tokens -tC 2>/dev/null)
                if test -n "$cursor"
                    printf '%s\\n' $cursor
                else
                    string length -- "$(commandline -t)"
                end
            end

            # \(header)

            # The line's first word names a plugin (or it is 'ame help …').
            function __ame_plugin_line
                set -l tokens (commandline -opc)
                test (count $tokens) -ge 2; or return 1
                switch $tokens[2]
                    case \(builtinWords.joined(separator: " ")) '-*'
                        return 1
                end
                return 0
            end

            # Candidates for the words after 'ame' (the last one being completed), from
            # 'ame plugin complete'; status 3 asks for file names, 4 for folder names.
            function __ame_plugin_complete
                set -l tokens (commandline -opc)
                set -l output (command $tokens[1] plugin complete --shell fish -- $argv 2>/dev/null)
                switch $status
                    case 0
                        test (count $output) -gt 0; and printf '%s\\n' $output
                    case 3
                        if test (count $output) -eq 0
                            __fish_complete_path (commandline -ct)
                        else
                            for path in (__fish_complete_path (commandline -ct))
                                set -l name (string split -f 1 \\t -- $path)
                                if test -d "$name"; or contains -- (string split -r -m 1 -f 2 . -- $name) $output
                                    printf '%s\\n' $path
                                end
                            end
                        end
                    case 4
                        __fish_complete_directories (commandline -ct)
                end
            end

            # ArgumentParser's conditions do not know plugins: on a plugin's line they would
            # offer the built-in commands again.
            functions -c __ame_should_offer_completions_for_positional __ame_builtin_should_offer_completions_for_positional
            function __ame_should_offer_completions_for_positional
                __ame_plugin_line; and return 1
                __ame_builtin_should_offer_completions_for_positional $argv
            end
            functions -c __ame_should_offer_completions_for_flags_or_options __ame_builtin_should_offer_completions_for_flags_or_options
            function __ame_should_offer_completions_for_flags_or_options
                __ame_plugin_line; and return 1
                __ame_builtin_should_offer_completions_for_flags_or_options $argv
            end

            complete -c 'ame' -n 'test (count (commandline -opc)) -eq 1; and not string match -q -- "-*" (commandline -ct)' -fka '(__ame_plugin_complete (commandline -ct))'
            complete -c 'ame' -n '__ame_plugin_line' -fka '(__ame_plugin_complete (commandline -opc)[2..] (commandline -ct))'

            """
    }
}
