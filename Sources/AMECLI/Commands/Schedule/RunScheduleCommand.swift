import AMECore
import ArgumentParser
import Foundation

/// `ame schedule run NAME`: fire now, from the commit the schedule runs from.
struct RunScheduleCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Fire a schedule now.",
        discussion: "The firing is recorded in its history like any other; 'concurrency' still applies.")

    @Argument(help: ArgumentHelp("PROJECT/NAME, or NAME.", valueName: "schedule"))
    var name: String

    @Flag(name: .long, help: "Print the firing as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let client = try ServerOnlyAPI.client(context, what: "schedules")
        let schedule = try await ScheduleCommand.resolve(name, client: client)
        let firing = try await client.runSchedule(source: schedule.sourceName, name: schedule.name)
        if json {
            try JSONOutput.write(firing, to: context.terminal)
            return
        }
        switch firing.outcome {
        case .started:
            context.terminal.outLine(firing.runID ?? "")
            context.terminal.errLine("ame: \(schedule.fullName) fired: run \(firing.runID ?? "?")\(firing.commit.map { " from \($0.prefix(12))" } ?? ""); follow it with 'ame logs \(firing.runID ?? "RUN") -f'")
        case .failed:
            throw CLIError("\(schedule.fullName) could not start: \(firing.reason ?? "unknown reason")")
        default:
            context.terminal.outLine("\(schedule.fullName): \(firing.outcome.rawValue)\(firing.reason.map { " (\($0))" } ?? "")")
        }
    }
}
