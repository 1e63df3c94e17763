function __ame_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ame_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __ame_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ame_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __ame_parse_tokens -S
    set -l unparsed_tokens (__ame_tokens -pc)
    switch $unparsed_tokens[1]
    case 'ame'
        __ame_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'run'
            __ame_parse_subcommand 1 'file=' 'dir=' 'detach' 'env=+' 'local' 'json' 'dry-run=' 'o/output=' 'version' 'h/help'
        case 'runs'
            __ame_parse_subcommand 0 'status=' 'task=' 'limit=' 'all' 'local' 'json' 'version' 'h/help'
        case 'status'
            __ame_parse_subcommand 1 'local' 'json' 'version' 'h/help'
        case 'logs'
            __ame_parse_subcommand 1 'f/follow' 'from=' 'node=' 'local' 'json' 'version' 'h/help'
        case 'cancel'
            __ame_parse_subcommand 1 'local' 'json' 'version' 'h/help'
        case 'pull'
            __ame_parse_subcommand -r 2 'to=' 'local' 'json' 'version' 'h/help'
        case 'secret'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'set'
                __ame_parse_subcommand 1 'local' 'json' 'version' 'h/help'
            case 'list'
                __ame_parse_subcommand 0 'local' 'json' 'version' 'h/help'
            case 'rm'
                __ame_parse_subcommand 1 'local' 'json' 'version' 'h/help'
            end
        case 'sync'
            __ame_parse_subcommand 0 'file=' 'dir=' 'local' 'json' 'version' 'h/help'
        case 'cache'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'info'
                __ame_parse_subcommand 0 'data-dir=' 'json' 'version' 'h/help'
            case 'prune'
                __ame_parse_subcommand 0 'data-dir=' 'older-than=' 'packages' 'json' 'version' 'h/help'
            end
        case 'port-forward'
            __ame_parse_subcommand 2 'local-port=' 'local' 'json' 'version' 'h/help'
        case 'setup'
            __ame_parse_subcommand 1 'token=' 'name=' 'use=' 'json' 'version' 'h/help'
        case 'whoami'
            __ame_parse_subcommand 0 'local' 'json' 'version' 'h/help'
        case 'logout'
            __ame_parse_subcommand 1 'version' 'h/help'
        case 'token'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __ame_parse_subcommand 1 'admin' 'description=' 'json' 'version' 'h/help'
            case 'list'
                __ame_parse_subcommand 0 'json' 'version' 'h/help'
            case 'revoke'
                __ame_parse_subcommand 1 'version' 'h/help'
            end
        case 'project'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'track'
                __ame_parse_subcommand 1 'branch=' 'secret=' 'interval=' 'json' 'version' 'h/help'
            case 'list'
                __ame_parse_subcommand 0 'json' 'version' 'h/help'
            case 'untrack'
                __ame_parse_subcommand 1 'version' 'h/help'
            end
        case 'schedule'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __ame_parse_subcommand 0 'json' 'version' 'h/help'
            case 'run'
                __ame_parse_subcommand 1 'json' 'version' 'h/help'
            case 'history'
                __ame_parse_subcommand 1 'limit=' 'json' 'version' 'h/help'
            case 'push'
                __ame_parse_subcommand 0 'file=' 'dir=' 'json' 'version' 'h/help'
            end
        case 'create'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'project'
                __ame_parse_subcommand 1 'dir=' 'force' 'json' 'version' 'h/help'
            case 'task'
                __ame_parse_subcommand 1 'c/command=' 'step=+' 'cpu=' 'memory=' 'storage=' 'gpus=' 'vram=' 'env=+' 'secret=+' 'file=' 'dir=' 'json' 'version' 'h/help'
            end
        case 'validate'
            __ame_parse_subcommand 0 'file=' 'dir=' 'json' 'remote' 'insecure' 'version' 'h/help'
        case 'plugin'
            __ame_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __ame_parse_subcommand 0 'json' 'refresh' 'version' 'h/help'
            case 'install'
                __ame_parse_subcommand 1 'sha256=' 'version' 'h/help'
            case 'remove'
                __ame_parse_subcommand 1 'version' 'h/help'
            case 'exec'
                __ame_parse_subcommand -r 2 'version' 'h/help'
            case 'test'
                __ame_parse_subcommand 1 'json' 'version' 'h/help'
            end
        case 'tasks'
            __ame_parse_subcommand 0 'file=' 'dir=' 'json' 'version' 'h/help'
        case 'completion'
            __ame_parse_subcommand 1 'version' 'h/help'
        case 'version'
            __ame_parse_subcommand 0 'json' 'version' 'h/help'
        case 'help'
            __ame_parse_subcommand -r 1 'version'
        end
    end
end

function __ame_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __ame_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __ame_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __ame_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__ame_tokens -p)
    if test -z "$(__ame_tokens -t)"
        set -l index (count (__ame_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'ame' -f
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'run' -d 'Run a task: stream its logs and bring back the files it produced.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'runs' -d 'List recent runs, newest first.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'status' -d 'Show a run with its steps, attempts and exit codes.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'logs' -d 'Print a run\'s output; with -f, follow it until the run ends.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'cancel' -d 'Cancel a run (its processes are stopped; files it wrote so far are kept).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'pull' -d 'Bring a finished run\'s files back into the project directory.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'secret' -d 'Store secrets that tasks receive as environment variables.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'sync' -d 'Upload the project\'s files the engine does not have yet, without running anything.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'cache' -d 'Show and trim the Python environments and package caches on this machine.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'port-forward' -d 'Forward a local port to a service run\'s port (Jupyter, MLflow, your own server).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'setup' -d 'Point ame at an ame-server: every run, logs, secret and status command then goes there.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'whoami' -d 'Show the user and the server (or embedded engine) ame uses.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'logout' -d 'Forget a saved server and its token (default: the current one).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'token' -d 'Make, list and revoke access tokens (a server\'s admins only).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'project' -d 'Have the server track git repositories and run their recurring tasks.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'schedule' -d 'See, fire and register recurring tasks (recurring_tasks in ame.yaml).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'create' -d 'Create a project file or add a task to it.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'validate' -d 'Check ame.yaml and report every problem with its line and column.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'plugin' -d 'List, install, remove, test and run plugins (ame-NAME executables).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'tasks' -d 'List the project\'s tasks with their steps and resources.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'completion' -d 'Print the shell completion script for bash, zsh or fish.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'version' -d 'Show ame\'s version, git commit, build date and Swift version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame run" -eq 1' -fka '(__ame_custom_completion ---completion run -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" detach' -l 'detach' -d 'Submit the run and return at once; follow it with \'ame logs RUN -f\'.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run"' -l 'env' -d 'Set an environment variable for the run (repeatable).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" json' -l 'json' -d 'Print the finished run (or, with --detach, the submitted run) as JSON on stdout; logs go to stderr.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" dry-run' -l 'dry-run' -d 'Submit nothing; print what would be created instead (\'kubernetes\': each step\'s Pod and its Secrets, values redacted).' -rfka 'kubernetes'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" o output' -s 'o' -l 'output' -d 'The format of --dry-run output: yaml or json.' -rfka 'yaml json'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" status' -l 'status' -d 'Only runs with this status (queued, running, succeeded, failed, cancelled, lost).' -rfka 'queued preparing running succeeded failed cancelled lost skipped'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" task' -l 'task' -d 'Only runs of this task.' -rfka '(__ame_custom_completion ---completion runs -- --task (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" limit' -l 'limit' -d 'How many runs to show.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" all' -l 'all' -d 'Every user\'s runs (admins on a server).'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" json' -l 'json' -d 'Print the runs as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame runs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame status" -eq 1' -fka '(__ame_custom_completion ---completion status -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame status" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame status" json' -l 'json' -d 'Print the run as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame status" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame logs" -eq 1' -fka '(__ame_custom_completion ---completion logs -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" f follow' -s 'f' -l 'follow' -d 'Keep printing new output until the run ends.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" from' -l 'from' -d 'Start at this byte offset of the log.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" node' -l 'node' -d 'Only this node\'s output, for a step on several nodes (\'nodes:\' in ame.yaml); AME\'s own lines stay.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" json' -l 'json' -d 'Print each log event as a JSON line (offset, next, kind, step, text).'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame cancel" -eq 1' -fka '(__ame_custom_completion ---completion cancel -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cancel" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cancel" json' -l 'json' -d 'Print the run as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cancel" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cancel" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame pull" -eq 1' -fka '(__ame_custom_completion ---completion pull -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame pull" to' -l 'to' -d 'Write the files into this directory instead of the project\'s.' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame pull" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame pull" json' -l 'json' -d 'Print what came back as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame pull" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame pull" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame secret" -eq 1' -fa 'set' -d 'Set a secret; the value is read from a hidden prompt or from stdin.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame secret" -eq 1' -fa 'list' -d 'List secret names (values are never shown).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame secret" -eq 1' -fa 'rm' -d 'Delete a secret.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame secret set" -eq 1' -fka '(__ame_custom_completion ---completion secret set -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret set" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret set" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret set" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret list" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret list" json' -l 'json' -d 'Print the secrets as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret list" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame secret rm" -eq 1' -fka '(__ame_custom_completion ---completion secret rm -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret rm" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret rm" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret rm" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame secret rm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" json' -l 'json' -d 'Print the statistics as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame sync" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame cache" -eq 1' -fa 'info' -d 'Show the environments and package caches, their sizes and last use.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame cache" -eq 1' -fa 'prune' -d 'Remove the environments no run has used for a while.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache info" data-dir' -l 'data-dir' -d 'An ame-server\'s data directory (its cache is DIR/cache); default: the embedded engine\'s cache.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache info" json' -l 'json' -d 'Print the report as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache info" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache info" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" data-dir' -l 'data-dir' -d 'An ame-server\'s data directory (its cache is DIR/cache); default: the embedded engine\'s cache.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" older-than' -l 'older-than' -d 'Remove environments last used longer ago than this (e.g. 30d, 12h; 0 for all).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" packages' -l 'packages' -d 'Also empty the package caches (uv\'s, pip\'s, …): the next builds download everything again.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" json' -l 'json' -d 'Print what was removed as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame cache prune" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame port-forward" -eq 1' -fka '(__ame_custom_completion ---completion port-forward -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame port-forward" local-port' -l 'local-port' -d 'The local port (default: a free one).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame port-forward" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame port-forward" json' -l 'json' -d 'Print the local address as JSON once listening.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame port-forward" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame port-forward" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" token' -l 'token' -d 'The access token (asked for on a terminal when omitted; or AME_TOKEN).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" name' -l 'name' -d 'The name to save the server under (default: its host).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" use' -l 'use' -d 'Switch to a saved server.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame setup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame whoami" local' -l 'local' -d 'Use the embedded engine even when a server is set up.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame whoami" json' -l 'json' -d 'Print the identity as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame whoami" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame whoami" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logout" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame token" -eq 1' -fa 'create' -d 'Make a token for a user (printed once).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame token" -eq 1' -fa 'list' -d 'List tokens (never their values).'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame token" -eq 1' -fa 'revoke' -d 'Revoke a token at once.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token create" admin' -l 'admin' -d 'Let the token manage tokens and see every user\'s runs.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token create" description' -l 'description' -d 'A note to recognise the token by in \'ame token list\'.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token create" json' -l 'json' -d 'Print the token and its details as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token create" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token list" json' -l 'json' -d 'Print the tokens as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token list" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token revoke" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame token revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame project" -eq 1' -fa 'track' -d 'Track a git repository: register its recurring_tasks and follow its changes.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame project" -eq 1' -fa 'list' -d 'List tracked projects and the state of their ame.yaml.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame project" -eq 1' -fa 'untrack' -d 'Stop tracking a project and remove its schedules.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" branch' -l 'branch' -d 'The branch to follow (default: the repository\'s default branch).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" secret' -l 'secret' -d 'The AME secret with the token or SSH key.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" interval' -l 'interval' -d 'How often to fetch, e.g. 30s, 1m, 1h.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" json' -l 'json' -d 'Print the tracked project as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project track" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project list" json' -l 'json' -d 'Print the projects as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project list" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project untrack" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame project untrack" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame schedule" -eq 1' -fa 'list' -d 'List schedules and when they fire next.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame schedule" -eq 1' -fa 'run' -d 'Fire a schedule now.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame schedule" -eq 1' -fa 'history' -d 'Show a schedule\'s firings, newest first.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame schedule" -eq 1' -fa 'push' -d 'Upload this project and register its recurring_tasks on the server.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule list" json' -l 'json' -d 'Print the schedules as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule list" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule run" json' -l 'json' -d 'Print the firing as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule run" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule history" limit' -l 'limit' -d 'How many firings to show.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule history" json' -l 'json' -d 'Print the firings as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule history" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule push" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule push" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule push" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule push" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame schedule push" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame create" -eq 1' -fa 'project' -d 'Create ame.yaml for a project in this directory.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame create" -eq 1' -fa 'task' -d 'Add a task (one command or a pipeline) to ame.yaml.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create project" dir' -l 'dir' -d 'The project directory (default: the current one).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create project" force' -l 'force' -d 'Overwrite an existing ame.yaml.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create project" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create project" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create project" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" c command' -s 'c' -l 'command' -d 'The command to run.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task"' -l 'step' -d 'A pipeline step, in order (repeatable).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" cpu' -l 'cpu' -d 'CPUs, e.g. 2 or 500m.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" memory' -l 'memory' -d 'Memory, e.g. 8Gi.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" storage' -l 'storage' -d 'Scratch disk, e.g. 50Gi.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" gpus' -l 'gpus' -d 'Number of GPUs.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" vram' -l 'vram' -d 'Memory each GPU must have, e.g. 24Gi.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task"' -l 'env' -d 'An environment variable (repeatable).' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task"' -l 'secret' -d 'A secret to inject, as NAME or NAME:ENVKEY (repeatable).' -rfka '(__ame_custom_completion ---completion create task -- --secret (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" json' -l 'json' -d 'Print the created task as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame create task" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" json' -l 'json' -d 'Print the result as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" remote' -l 'remote' -d 'Also check that every task\'s image exists in its registry.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" insecure' -l 'insecure' -d 'With --remote: allow registries without verified TLS (loopback registries always are).'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame validate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin" -eq 1' -fa 'list' -d 'List plugins with their version, vendor, source, path and status.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin" -eq 1' -fa 'install' -d 'Install (or upgrade) a plugin from an ame-NAME executable or a .tar.gz archive.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin" -eq 1' -fa 'remove' -d 'Remove a plugin that \'ame plugin install\' installed.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin" -eq 1' -fa 'exec' -d 'Run a plugin by name, even one whose name a built-in command took.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin" -eq 1' -fa 'test' -d 'Check that a plugin follows the protocol, and print what fails.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin list" json' -l 'json' -d 'Print the list as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin list" refresh' -l 'refresh' -d 'Run every plugin\'s handshake again instead of using the cache.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin list" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin install" -eq 1' -F
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin install" sha256' -l 'sha256' -d 'The expected SHA-256 of the file or archive.' -rfka ''
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin install" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin install" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin remove" -eq 1' -fka '(__ame_custom_completion ---completion plugin remove -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin remove" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin exec" -eq 1' -fka '(__ame_custom_completion ---completion plugin exec -- positional@0 (count (__ame_tokens -pc)) (__ame_token_cursor))'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin exec" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame plugin test" -eq 1' -F
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin test" json' -l 'json' -d 'Print the results as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin test" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame plugin test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame tasks" file' -l 'file' -d 'The project file to use.' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame tasks" dir' -l 'dir' -d 'The project directory (default: the nearest one holding ame.yaml).' -rfa '(__ame_complete_directories)'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame tasks" json' -l 'json' -d 'Print the tasks as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame tasks" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame tasks" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_positional "ame completion" -eq 1' -fka 'bash zsh fish'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame completion" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame completion" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame version" json' -l 'json' -d 'Print the version as JSON.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame version" version' -l 'version' -d 'Show the version.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ame' -n '__ame_should_offer_completions_for_flags_or_options "ame help" version' -l 'version' -d 'Show the version.'
# The cursor's place in the current word (see CompletionScripts.swift).
function __ame_token_cursor
    set -l cursor (__ame_tokens -tC 2>/dev/null)
    if test -n "$cursor"
        printf '%s\n' $cursor
    else
        string length -- "$(commandline -t)"
    end
end

# AME: plugins and 'ame help' (added to ArgumentParser's script by CompletionScripts.swift)

# The line's first word names a plugin (or it is 'ame help …').
function __ame_plugin_line
    set -l tokens (commandline -opc)
    test (count $tokens) -ge 2; or return 1
    switch $tokens[2]
        case run runs status logs cancel pull secret sync cache port-forward setup whoami logout token project schedule create validate plugin tasks completion version agent __generate-docs '-*'
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
            test (count $output) -gt 0; and printf '%s\n' $output
        case 3
            if test (count $output) -eq 0
                __fish_complete_path (commandline -ct)
            else
                for path in (__fish_complete_path (commandline -ct))
                    set -l name (string split -f 1 \t -- $path)
                    if test -d "$name"; or contains -- (string split -r -m 1 -f 2 . -- $name) $output
                        printf '%s\n' $path
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
