import ArgumentParser

/// `ame create project|task`.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a project file or add a task to it.",
        subcommands: [CreateProjectCommand.self, CreateTaskCommand.self])
}
