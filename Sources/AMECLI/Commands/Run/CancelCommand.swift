import AMECore
import ArgumentParser
import Foundation

/// `ame cancel RUN`.
struct CancelCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a run (its processes are stopped; files it wrote so far are kept).")

    @Argument(help: "The run id.", completion: .custom(CompletionSources.runs))
    var run: String

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the run as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let api = try context.jobsAPI(local: local)
        let before = try await api.getRun(run)
        if before.status.isTerminal {
            if json {
                try JSONOutput.write(before, to: context.terminal)
            } else {
                context.terminal.outLine("Run \(before.id) had already ended (\(before.status.rawValue)).")
            }
            return
        }
        var record = try await api.cancelRun(run)
        // Wait briefly for the agent to confirm, so the printed status is the final one.
        var tries = 0
        while record.status.isActive && tries < 100 {
            try await Task.sleep(for: .milliseconds(50))
            record = try await api.getRun(run)
            tries += 1
        }
        if json {
            try JSONOutput.write(record, to: context.terminal)
        } else if record.status == .cancelled {
            context.terminal.outLine("Cancelled run \(record.id).")
        } else if record.status.isTerminal {
            context.terminal.outLine("Run \(record.id) had already ended (\(record.status.rawValue)).")
        } else {
            context.terminal.outLine("Cancelling run \(record.id) (\(record.status.rawValue)).")
        }
    }
}
