import ArgumentParser

/// `ame agent …`: the side of AME that executes runs. Started by the engine, not by people.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Execute runs (started by the engine; not for direct use).",
        shouldDisplay: false,
        subcommands: [RunAgentCommand.self, InitPodAgentCommand.self, ExecPodAgentCommand.self])
}
