import ArgumentParser
import Foundation

/// `ame plugin install PATH|URL [--sha256 HEX]`.
struct InstallPluginCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install (or upgrade) a plugin from an ame-NAME executable or a .tar.gz archive.",
        discussion: """
            The archive is checked before anything is unpacked (--sha256), unpacked with no \
            absolute paths, '..' or links leading out, and the plugin must pass its handshake \
            before it replaces an installed version in one atomic step.
            """)

    @Argument(help: ArgumentHelp("A local path, or an http(s):// or file:// URL of an archive.", valueName: "path-or-url"),
              completion: .file())
    var source: String

    @Option(name: .long, help: ArgumentHelp("The expected SHA-256 of the file or archive.", valueName: "hex"))
    var sha256: String?

    func run(context: CommandContext) async throws {
        let terminal = context.terminal
        if sha256 == nil, source.hasPrefix("http://") || source.hasPrefix("https://") {
            terminal.errLine("\(terminal.errorStyle.yellow("warning")): installing from a URL without --sha256: the download is not verified")
        }
        let installer = PluginInstaller(
            directory: PluginSearchPath.installedDirectory(environment: context.environment),
            environment: PluginEnvironment.forHandshake(context: context),
            builtinNames: Set(RootCommand.builtinNames))
        let installed = try await installer.install(source: source, sha256: sha256, workingDirectory: context.workingDirectory)
        if let previous = installed.replacedVersion {
            terminal.outLine("Upgraded plugin '\(installed.name)' from \(previous) to \(installed.version).")
        } else {
            terminal.outLine("Installed plugin '\(installed.name)' \(installed.version): run it with 'ame \(installed.name)'.")
        }
        // The one that runs may still be another file earlier in the search order.
        if let record = await PluginResolver.standard(context: context).resolve(installed.name), record.source != .installed {
            terminal.errLine("\(terminal.errorStyle.yellow("warning")): 'ame \(installed.name)' runs \(record.path) (\(record.source.label)), which comes first in the search order")
        }
    }
}
