import ArgumentParser
import Foundation

/// `ame plugin complete -- WORDS…` (hidden): completion candidates for a command line that
/// begins with a plugin, one per line. Shell completion scripts call it for words after
/// `ame` that no built-in command takes.
struct CompletePluginsCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "Print completion candidates for plugin command lines.",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The words after 'ame', the last one being completed.")
    var words: [String] = []

    func run(context: CommandContext) async throws {
        let line = words.first == "--" ? Array(words.dropFirst()) : words
        for candidate in await PluginCompletion.candidates(words: line.isEmpty ? [""] : line, context: context) {
            context.terminal.outLine(candidate)
        }
    }
}
