import AMECore
import ArgumentParser
import Foundation

/// `ame status RUN`: one run with its steps and attempts.
struct StatusCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a run with its steps, attempts and exit codes.")

    @Argument(help: "The run id.", completion: .custom(CompletionSources.runs))
    var run: String

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the run as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let api = try context.jobsAPI(local: local)
        let record = try await api.getRun(run)
        if json {
            try JSONOutput.write(record, to: context.terminal)
            return
        }
        let terminal = context.terminal
        let style = terminal.style
        terminal.outLine("\(style.bold(record.id))  \(RunStatusStyle.colored(record.status, style: style))")
        terminal.outLine("  task      \(record.task) (project \(record.project))")
        terminal.outLine("  owner     \(record.owner)")
        terminal.outLine("  created   \(ISO8601DateFormatter().string(from: record.createdAt)) (\(RelativeTime.describe(record.createdAt)))")
        if let started = record.startedAt {
            let end = record.finishedAt ?? Date()
            terminal.outLine("  duration  \(RunSummary.format(duration: end.timeIntervalSince(started)))\(record.finishedAt == nil ? " so far" : "")")
        }
        if let exitCode = record.exitCode { terminal.outLine("  exit code \(exitCode)") }
        if let reason = record.reason { terminal.outLine("  reason    \(reason)") }
        if record.isService { terminal.outLine("  ports     \(record.ports.map { String($0.port) }.joined(separator: ", "))") }
        terminal.outLine()
        var rows: [[String]] = []
        for step in record.steps {
            rows.append([step.name, RunStatusStyle.colored(step.status, style: style), "", step.exitCode.map(String.init) ?? "", step.reason ?? ""])
            for attempt in step.attempts {
                let outcome = attempt.outcome.map { $0 == .outOfMemory ? "out of memory" : $0.rawValue } ?? ""
                rows.append(["  attempt \(attempt.number)", attempt.status.rawValue, attempt.resources.summary,
                             attempt.exitCode.map(String.init) ?? "", outcome])
            }
        }
        terminal.out(TextTable(header: ["STEP", "STATUS", "RESOURCES", "EXIT", "DETAIL"], rows: rows, style: style).render())
    }
}
