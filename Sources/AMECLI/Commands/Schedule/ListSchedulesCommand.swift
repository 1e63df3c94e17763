import AMECore
import ArgumentParser
import Foundation

/// `ame schedule list`: each schedule with its cron expression, zone, next firing and the
/// outcome of its last one.
struct ListSchedulesCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List schedules and when they fire next.", aliases: ["ls"])

    @Flag(name: .long, help: "Print the schedules as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let schedules = try await ServerOnlyAPI.client(context, what: "schedules").listSchedules()
        if json {
            try JSONOutput.write(schedules, to: context.terminal)
            return
        }
        guard !schedules.isEmpty else {
            context.terminal.outLine("No schedules. Add recurring_tasks to ame.yaml, then 'ame project track URL' or 'ame schedule push'.")
            return
        }
        let rows = schedules.map { schedule in
            [schedule.fullName, schedule.taskRef, schedule.expression, schedule.timezone,
             schedule.nextFiring.map { Self.format($0, in: schedule.timezone) } ?? "never",
             schedule.lastFiring.map { "\($0.outcome.rawValue) \(RelativeTime.describe($0.firedAt))" } ?? "-",
             schedule.commit.map { String($0.prefix(12)) } ?? "(pushed)"]
        }
        context.terminal.out(TextTable(header: ["SCHEDULE", "TASK", "CRON", "ZONE", "NEXT", "LAST", "COMMIT"], rows: rows,
                                       style: context.terminal.style).render())
    }

    /// "2026-11-27 12:00 Europe/Oslo": the firing in the schedule's own zone.
    static func format(_ date: Date, in zone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
