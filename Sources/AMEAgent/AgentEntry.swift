import AMECLI
import AMESystem
import ArgumentParser

/// How the `ame` executable hands `ame agent …` to this target: the agent is linked into
/// `ame` (the engine starts runs with the binary it runs as, and a Pod's init container
/// copies it), but AMECLI cannot name it, so `main.swift` passes `AgentEntry.answer` to
/// `AMEMain.start` as its agent route.
public enum AgentEntry: Sendable {
    /// `ame agent …` and `ame help agent …`; nil for anything else.
    public static func answer(_ arguments: [String], context: CommandContext) async -> Int32? {
        // A literal, not `AgentCommand.configuration`: every `ame` in the async runtime passes
        // here, and the configuration's command types cost metadata lookups at first use.
        guard arguments.first == "agent" || arguments.starts(with: ["help", "agent"]) else { return nil }
        // The launcher's exact command line needs no parser (see `RunAgentCommand.launcherArguments`).
        if let launcher = RunAgentCommand.launcherArguments(arguments) {
            do {
                try await RunAgentCommand.execute(launcher, context: context)
                return 0
            } catch {
                return ErrorReport.report(error, terminal: context.terminal)
            }
        }
        // `ame help agent …`: the page, as for the built-ins (`AME_HELP=builtin`: the help text).
        if arguments.first == "help", context.environment["AME_HELP"] != "builtin",
           let status = await ManualViewer.show(Array(arguments.dropFirst()), context: context, root: AgentRoot.self) {
            return status
        }
        let command: any ParsableCommand
        do {
            command = try await AgentRoot.asyncParseAsRoot(arguments)
        } catch {
            return ErrorReport.report(error, terminal: context.terminal, parser: AgentRoot.self)
        }
        Trace.mark("parsed")
        do {
            try await AMEMain.run(command, context: context)
            return 0
        } catch {
            return ErrorReport.report(error, terminal: context.terminal, parser: AgentRoot.tree(contains: command) ? nil : AgentRoot.self)
        }
    }
}
