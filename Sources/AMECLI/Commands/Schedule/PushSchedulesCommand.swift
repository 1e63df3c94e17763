import AMECore
import ArgumentParser
import Foundation

/// `ame schedule push`: for projects without a git server: uploads the project as it is
/// here and registers its recurring_tasks, replacing those of the previous push.
struct PushSchedulesCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Upload this project and register its recurring_tasks on the server.",
        discussion: "Runs use the files as pushed; push again to change them.")

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let loader = try project.loader(in: context)
        let projectFile = try loader.load()
        guard !projectFile.recurringTasks.isEmpty else {
            throw CLIError("\(loader.displayPath) has no recurring_tasks",
                           hint: "add one, e.g.\n  recurring_tasks:\n    nightly: {taskref: \(projectFile.taskNames.first ?? "TASK"), schedule: '0 3 * * *'}")
        }
        let client = try ServerOnlyAPI.client(context, what: "schedules")
        let upload = try await ProjectUploader(api: client, context: context).upload(directory: loader.location.directory)
        let projectFilePath = loader.location.file.path.hasPrefix(loader.location.directory.path + "/")
            ? String(loader.location.file.path.dropFirst(loader.location.directory.path.count + 1)) : ProjectFile.fileName
        let result = try await client.pushSchedules(PushRequest(manifest: upload.manifest, projectFile: projectFilePath))
        if json {
            try JSONOutput.write(result, to: context.terminal)
            return
        }
        context.terminal.outLine("pushed \(result.project.name) (\(upload.manifest.count) files); schedules:")
        for schedule in result.schedules {
            let next = schedule.nextFiring.map { ListSchedulesCommand.format($0, in: schedule.timezone) } ?? "never"
            context.terminal.outLine("  \(schedule.fullName)  \(schedule.expression) \(schedule.timezone)  next \(next)")
        }
    }
}
