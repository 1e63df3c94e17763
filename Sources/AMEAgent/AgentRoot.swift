import AMECLI
import ArgumentParser

/// `ame` as the agent's parser sees it: `agent` is its only command, so usage lines and
/// `ame help agent …` read as they do for the built-ins.
struct AgentRoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ame", subcommands: [AgentCommand.self])
}
