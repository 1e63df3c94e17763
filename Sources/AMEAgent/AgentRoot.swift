import AMECLI
import AMESystem
import ArgumentParser

/// `ame` as the agent's parser sees it: `agent` is its only command, so usage lines and
/// `ame help agent …` read as they do for the built-ins (with `--version`, as `RootCommand`).
struct AgentRoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ame", version: BuildInfo.text(program: "ame"),
                                                    subcommands: [AgentCommand.self])
}
