import AMECore
import ArgumentParser
import Foundation

/// `ame secret rm NAME`.
struct RemoveSecretCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a secret.", aliases: ["remove", "delete"])

    @Argument(help: "The secret's name.", completion: .custom(CompletionSources.secrets))
    var name: String

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        try await context.jobsAPI(local: local).deleteSecret(name)
        if json {
            try JSONOutput.write(["name": name, "status": "deleted"], to: context.terminal)
        } else {
            context.terminal.outLine("Deleted secret '\(name)'.")
        }
    }
}
