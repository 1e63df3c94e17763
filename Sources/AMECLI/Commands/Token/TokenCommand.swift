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

struct CreateTokenCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a token for a user (printed once).")

    @Argument(help: ArgumentHelp("The user the token acts as.", valueName: "user"))
    var user: String

    @Flag(name: .long, help: "Let the token manage tokens and see every user's runs.")
    var admin = false

    @Option(name: .long, help: ArgumentHelp("A note to recognise the token by in 'ame token list'.", valueName: "text"))
    var description: String?

    @Flag(name: .long, help: "Print the token and its details as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let created = try await TokenCommand.server(context).createToken(user: user, admin: admin, description: description)
        if json {
            try JSONOutput.write(created, to: context.terminal)
            return
        }
        context.terminal.outLine(created.token)
        context.terminal.errLine("ame: token \(created.info.id) for \(created.info.user)\(created.info.admin ? " (admin)" : ""); it is shown only now.")
        context.terminal.errLine("ame: the user runs: ame setup URL --token TOKEN")
    }
}

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

struct RevokeTokenCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token at once.")

    @Argument(help: ArgumentHelp("The token's id (from 'ame token list').", valueName: "id"))
    var id: String

    func run(context: CommandContext) async throws {
        let token = try await TokenCommand.server(context).revokeToken(id: id)
        context.terminal.outLine("revoked \(token.id) (\(token.user))")
    }
}
