import AMECore
import ArgumentParser
import Foundation

/// `ame secret list`: names and dates, never values.
struct ListSecretsCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List secret names (values are never shown).", aliases: ["ls"])

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the secrets as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let secrets = try await context.jobsAPI(local: local).listSecrets()
        if json {
            try JSONOutput.write(secrets, to: context.terminal)
            return
        }
        guard !secrets.isEmpty else {
            context.terminal.outLine("No secrets yet. Set one with: ame secret set NAME")
            return
        }
        let rows = secrets.map { [$0.name, RelativeTime.describe($0.updatedAt)] }
        context.terminal.out(TextTable(header: ["NAME", "UPDATED"], rows: rows, style: context.terminal.style).render())
    }
}
