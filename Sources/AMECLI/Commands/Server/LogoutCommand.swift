import AMEClient
import AMECore
import ArgumentParser
import Foundation

/// `ame logout [NAME]`: forget a saved server and its token.
struct LogoutCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget a saved server and its token (default: the current one).")

    @Argument(help: ArgumentHelp("The saved server's name.", valueName: "name"))
    var name: String?

    func run(context: CommandContext) async throws {
        var config = try ClientConfig.load(environment: context.environment)
        guard let target = name ?? config.current else {
            context.terminal.outLine("No server is set up: nothing to log out of.")
            return
        }
        guard config.servers.removeValue(forKey: target) != nil else {
            throw CLIError("no server named '\(target)' is set up", hint: "'ame setup' lists the saved servers", exitCode: 2)
        }
        if config.current == target { config.current = nil }
        try config.save(environment: context.environment)
        var message = "logged out of \(target)"
        if config.current == nil {
            message += "; ame now uses the embedded engine"
            if let other = config.servers.keys.sorted().first { message += " (switch with: ame setup --use \(other))" }
        }
        context.terminal.outLine(message)
    }
}
