import AMECore
import ArgumentParser
import Foundation

/// `ame project untrack NAME`: stop polling; its schedules go, their history stays.
struct UntrackProjectCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "untrack", abstract: "Stop tracking a project and remove its schedules.")

    @Argument(help: ArgumentHelp("The project's name or id (from 'ame project list').", valueName: "name"))
    var name: String

    func run(context: CommandContext) async throws {
        let source = try await ServerOnlyAPI.client(context, what: "tracked projects").untrackProject(name)
        let count = source.schedules.count
        context.terminal.outLine("untracked \(source.name)\(count == 0 ? "" : "; removed \(count) schedule\(count == 1 ? "" : "s")")")
    }
}
