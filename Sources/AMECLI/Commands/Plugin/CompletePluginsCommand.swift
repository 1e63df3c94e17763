import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame plugin complete [--shell SHELL] -- WORDS…` (hidden): completion candidates for a
/// command line that begins with a plugin, one per line. The completion scripts call it
/// for the first word after `ame` (plugin names) and for every word after a plugin's name.
///
/// With `--shell zsh` lines are `value:description`, with `--shell fish`
/// `value<TAB>description`, otherwise values only. Exit status 3 means "complete file
/// names" (stdout then lists the extensions to keep, if any), 4 "complete folder names".
struct CompletePluginsCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "Print completion candidates for plugin command lines.",
        shouldDisplay: false)

    /// Exit statuses that ask the shell to complete paths itself.
    static let filesStatus: Int32 = 3
    static let directoriesStatus: Int32 = 4

    @Option(help: "Format candidates for this shell (bash, zsh, fish).")
    var shell: String?

    @Argument(parsing: .captureForPassthrough, help: "The words after 'ame', the last one being completed.")
    var words: [String] = []

    func run(context: CommandContext) async throws {
        let line = words.first == "--" ? Array(words.dropFirst()) : words
        let answer = await PluginCompletion.answer(words: line.isEmpty ? [""] : line, context: context)
        let format = CompletionOutput.shell(named: shell ?? context.environment["SAP_SHELL"])
        switch answer.paths {
        case .files(let extensions)?:
            extensions.forEach { context.terminal.outLine($0) }
            throw ExitStatus(Self.filesStatus)
        case .directories?:
            throw ExitStatus(Self.directoriesStatus)
        case nil:
            for line in CompletionOutput.lines(answer.candidates, shell: format) {
                context.terminal.outLine(line)
            }
        }
    }
}
