import AMEClient
import AMECore
import ArgumentParser
import Foundation

/// `ame token create|list|revoke`: an admin manages who may use the server.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke access tokens (a server's admins only).",
        discussion: "A token is shown once, when made; the server keeps only its hash.",
        subcommands: [CreateTokenCommand.self, ListTokensCommand.self, RevokeTokenCommand.self])

    /// Tokens live on a server, never on the embedded engine.
    static func server(_ context: CommandContext) throws -> HTTPJobsAPI {
        guard let client = try context.jobsAPI(local: false) as? HTTPJobsAPI else {
            throw CLIError("tokens exist only on an ame-server; the embedded engine needs none",
                           hint: "point ame at a server first: ame setup URL --token TOKEN")
        }
        return client
    }
}
