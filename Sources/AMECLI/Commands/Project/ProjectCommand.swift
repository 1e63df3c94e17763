import ArgumentParser

/// `ame project track|list|untrack`: git repositories the server watches for an ame.yaml.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Have the server track git repositories and run their recurring tasks.",
        discussion: """
            A tracked repository is fetched every --interval; when its ame.yaml appears or changes it \
            is validated and its recurring_tasks are registered (an invalid one keeps the previous \
            schedules and shows its errors in 'ame project list').
            """,
        subcommands: [TrackProjectCommand.self, ListProjectsCommand.self, UntrackProjectCommand.self])
}
