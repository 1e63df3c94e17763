import AMEClient
import AMECore
import ArgumentParser
import Foundation

struct RevokeTokenCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token at once.")

    @Argument(help: ArgumentHelp("The token's id (from 'ame token list').", valueName: "id"))
    var id: String

    func run(context: CommandContext) async throws {
        let token = try await TokenCommand.server(context).revokeToken(id: id)
        context.terminal.outLine("revoked \(token.id) (\(token.user))")
    }
}
