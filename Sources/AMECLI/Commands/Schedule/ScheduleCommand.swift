import AMEClient
import AMECore
import ArgumentParser

/// `ame schedule list|run|history|push`: recurring tasks on the server.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "See, fire and register recurring tasks (recurring_tasks in ame.yaml).",
        discussion: """
            Schedules come from tracked repositories ('ame project track') or from a pushed \
            project ('ame schedule push'). Name one as PROJECT/NAME, or NAME alone when only one \
            project has it.
            """,
        subcommands: [ListSchedulesCommand.self, RunScheduleCommand.self, ScheduleHistoryCommand.self, PushSchedulesCommand.self])

    /// The schedule `reference` names, from the server's list (so `NAME` alone works).
    static func resolve(_ reference: String, client: HTTPJobsAPI) async throws -> ScheduleInfo {
        let schedules = try await client.listSchedules()
        if let exact = schedules.first(where: { $0.fullName == reference }) { return exact }
        let byName = schedules.filter { $0.name == reference }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw CLIError("several projects have a schedule '\(reference)'", hint: "name one of: \(byName.map(\.fullName).joined(separator: ", "))")
        }
        let hint = Suggestion.closest(to: reference, in: schedules.map(\.fullName) + schedules.map(\.name)).map { "did you mean '\($0)'?" }
            ?? (schedules.isEmpty ? "track a repository with recurring_tasks ('ame project track URL') or run 'ame schedule push'"
                                  : "list them with 'ame schedule list'")
        throw CLIError("there is no schedule '\(reference)'", hint: hint)
    }
}
