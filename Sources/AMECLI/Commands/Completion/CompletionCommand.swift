import ArgumentParser

/// `ame completion bash|zsh|fish`: print the shell completion script.
struct CompletionCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            The script completes commands and options, the tasks of the project's ame.yaml, \
            run ids (newest first), secret names, and installed plugins with their commands. \
            Plugins are looked up when Tab is pressed, so there is nothing to regenerate when \
            one is installed or removed.

            bash: add 'source <(ame completion bash)' to ~/.bashrc. \
            zsh: 'ame completion zsh > ~/.zfunc/_ame' with ~/.zfunc on $fpath before compinit runs. \
            fish: 'ame completion fish > ~/.config/fish/completions/ame.fish'.
            """)

    @Argument(help: ArgumentHelp("The shell: bash, zsh or fish.", valueName: "shell"),
              completion: .list(CompletionScripts.fileNames.map(\.shell.rawValue)))
    var shell: String

    func run(context: CommandContext) async throws {
        guard let target = CompletionShell(rawValue: shell) else {
            throw CLIError("no completion script for '\(shell)'", hint: "choose bash, zsh or fish", exitCode: 64)
        }
        context.terminal.out(try CompletionScripts.script(for: target))
    }
}
