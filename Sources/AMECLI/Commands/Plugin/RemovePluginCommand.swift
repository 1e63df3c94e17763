import ArgumentParser
import Foundation

/// `ame plugin remove NAME`: only what `ame plugin install` installed.
struct RemovePluginCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a plugin that 'ame plugin install' installed.")

    @Argument(help: "The plugin's name (NAME of ame-NAME).", completion: .custom(CompletionSources.installedPlugins))
    var name: String

    func run(context: CommandContext) async throws {
        let installer = PluginInstaller(
            directory: PluginSearchPath.installedDirectory(environment: context.environment),
            environment: PluginEnvironment.forHandshake(context: context),
            builtinNames: Set(RootCommand.builtinNames))
        do {
            let removed = try installer.remove(name: name)
            context.terminal.outLine("Removed plugin '\(name)'\(removed.map { " \($0.version)" } ?? "").")
        } catch let error as CLIError {
            // Say where the plugin the user means lives, if it is elsewhere.
            if let record = await PluginResolver.standard(context: context).resolve(name, allowBuiltinName: true), record.source != .installed {
                throw CLIError("plugin '\(name)' at \(record.path) (\(record.source.label)) was not installed by 'ame plugin install'",
                               hint: "remove that file yourself if you no longer want it")
            }
            throw error
        }
    }
}
