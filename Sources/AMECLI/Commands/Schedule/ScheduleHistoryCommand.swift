import AMECore
import ArgumentParser
import Foundation

/// `ame schedule history NAME`: every firing, newest first, with its run and commit, and
/// why a firing was skipped, queued, missed or failed.
struct ScheduleHistoryCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show a schedule's firings, newest first.")

    @Argument(help: ArgumentHelp("PROJECT/NAME, or NAME.", valueName: "schedule"))
    var name: String

    @Option(name: .long, help: "How many firings to show.")
    var limit = 20

    @Flag(name: .long, help: "Print the firings as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        guard (1...1000).contains(limit) else { throw CLIError("--limit must be between 1 and 1000") }
        let client = try ServerOnlyAPI.client(context, what: "schedules")
        let schedule = try await ScheduleCommand.resolve(name, client: client)
        let firings = try await client.scheduleHistory(source: schedule.sourceName, name: schedule.name, limit: limit)
        if json {
            try JSONOutput.write(firings, to: context.terminal)
            return
        }
        guard !firings.isEmpty else {
            context.terminal.outLine("\(schedule.fullName) has not fired yet; next: \(schedule.nextFiring.map { ListSchedulesCommand.format($0, in: schedule.timezone) } ?? "never")")
            return
        }
        let rows = firings.map { firing in
            [ListSchedulesCommand.format(firing.scheduledFor, in: schedule.timezone), firing.trigger.rawValue, firing.outcome.rawValue,
             firing.runID ?? "-", firing.commit.map { String($0.prefix(12)) } ?? "-", firing.reason ?? ""]
        }
        context.terminal.out(TextTable(header: ["TIME", "TRIGGER", "OUTCOME", "RUN", "COMMIT", "REASON"], rows: rows,
                                       style: context.terminal.style).render())
    }
}
