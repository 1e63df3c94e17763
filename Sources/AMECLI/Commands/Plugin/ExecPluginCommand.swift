import ArgumentParser
import Foundation

/// `ame plugin exec NAME -- ARGS…`: runs a plugin by name even when a built-in command
/// has the same name (so `ame NAME` never reaches it).
struct ExecPluginCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a plugin by name, even one whose name a built-in command took.")

    @Argument(help: "The plugin's name (NAME of ame-NAME).", completion: .custom(CompletionSources.plugins))
    var name: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the plugin, after '--'.")
    var arguments: [String] = []

    func run(context: CommandContext) async throws {
        guard let record = await PluginResolver.standard(context: context).resolve(name, allowBuiltinName: true) else {
            throw CLIError("there is no plugin named '\(name)' (no ame-\(name) in the plugin search path)",
                           hint: "'ame plugin list' shows the plugins AME finds", exitCode: 2)
        }
        let passed = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        let status = try await PluginDispatch.run(record, arguments: passed, context: context)
        if status != 0 { throw ExitStatus(status) }
    }
}
