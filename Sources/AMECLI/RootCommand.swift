import AMESystem
import ArgumentParser

/// `ame`: the built-in commands. Plugins (`ame-<name>` executables) are routed before
/// this parser sees the arguments; see `AMEMain`.
public struct RootCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ame",
        abstract: "AME, the Artificial MLOps Engineer: run training on compute you don't have at your desk.",
        discussion: """
            Write a small ame.yaml next to your code, then 'ame run TASK': AME ships the project, \
            runs the task with the resources, env and secrets it asks for, streams its logs, and \
            brings back every file it produced.
            """,
        version: BuildInfo.text(program: "ame"),
        subcommands: builtinCommands)

    /// Every built-in, in the order `ame help` lists them.
    public static let builtinCommands: [any ParsableCommand.Type] = [
        RunTaskCommand.self,
        ListRunsCommand.self,
        StatusCommand.self,
        LogsCommand.self,
        CancelCommand.self,
        PullCommand.self,
        SecretCommand.self,
        SyncCommand.self,
        CacheCommand.self,
        PortForwardCommand.self,
        SetupCommand.self,
        WhoamiCommand.self,
        LogoutCommand.self,
        TokenCommand.self,
        ProjectCommand.self,
        ScheduleCommand.self,
        CreateCommand.self,
        ValidateCommand.self,
        PluginCommand.self,
        TasksCommand.self,
        CompletionCommand.self,
        VersionCommand.self,
        GenerateDocsCommand.self,
    ]

    /// The names a plugin may not take: `builtinCommands`' names, `agent` (`AMEAgent`'s, which
    /// start-up routes before this parser: `AMEMain.routes`) and `help`. Spelled out
    /// because `ame NAME` checks them before anything else, and asking the command types
    /// costs ~0.3 ms of metadata instantiation at every start; a test keeps the two equal.
    public static let builtinNames: [String] = [
        "run", "runs", "status", "logs", "cancel", "pull", "secret", "sync", "cache", "port-forward", "setup", "whoami", "logout",
        "token", "project", "schedule", "create", "validate", "plugin", "tasks", "completion", "version", "agent", "__generate-docs",
        "help",
    ]

    public init() {}
}
