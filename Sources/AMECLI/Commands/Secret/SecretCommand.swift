import ArgumentParser

/// `ame secret set|list|rm`.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Store secrets that tasks receive as environment variables.",
        discussion: "Values are encrypted at rest, never printed, and masked as *** in logs.",
        subcommands: [SetSecretCommand.self, ListSecretsCommand.self, RemoveSecretCommand.self])
}
