import AMEClient
import AMECore
import ArgumentParser
import Foundation

struct ListTokensCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their values).", aliases: ["ls"])

    @Flag(name: .long, help: "Print the tokens as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let tokens = try await TokenCommand.server(context).listTokens()
        if json {
            try JSONOutput.write(tokens, to: context.terminal)
            return
        }
        let rows = tokens.map { token in
            [token.id, token.user, token.admin ? "admin" : "", token.revokedAt == nil ? "active" : "revoked",
             token.lastUsedAt.map { RelativeTime.describe($0) } ?? "never", token.description ?? ""]
        }
        context.terminal.out(TextTable(header: ["ID", "USER", "ROLE", "STATE", "LAST USED", "DESCRIPTION"], rows: rows,
                                       style: context.terminal.style).render())
    }
}
