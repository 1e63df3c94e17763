import AMEClient
import AMECore
import ArgumentParser
import Foundation

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
