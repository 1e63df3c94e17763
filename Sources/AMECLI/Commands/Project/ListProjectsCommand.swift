import AMECore
import ArgumentParser
import Foundation

/// `ame project list`: each tracked project with the commit last seen, its ame.yaml's
/// state, its schedules and its last error; diagnostics of an invalid ame.yaml below.
struct ListProjectsCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tracked projects and the state of their ame.yaml.", aliases: ["ls"])

    @Flag(name: .long, help: "Print the projects as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let sources = try await ServerOnlyAPI.client(context, what: "tracked projects").listProjects()
        if json {
            try JSONOutput.write(sources, to: context.terminal)
            return
        }
        guard !sources.isEmpty else {
            context.terminal.outLine("No tracked projects. Track one with: ame project track GIT-URL")
            return
        }
        let rows = sources.map { source in
            [source.name, source.kind == .push ? "(pushed)" : (source.url ?? ""), source.lastCommit.map { String($0.prefix(12)) } ?? "-",
             source.validationSummary, source.schedules.isEmpty ? "-" : source.schedules.joined(separator: ","),
             source.lastCheckedAt.map { RelativeTime.describe($0) } ?? "never", source.lastError ?? ""]
        }
        context.terminal.out(TextTable(header: ["NAME", "URL", "COMMIT", "AME.YAML", "SCHEDULES", "CHECKED", "ERROR"], rows: rows,
                                       style: context.terminal.style).render())
        for source in sources { Self.renderDiagnostics(source, terminal: context.terminal) }
    }

    /// An invalid ame.yaml's problems, each with its line and column.
    static func renderDiagnostics(_ source: TrackedSource, terminal: any Terminal) {
        let errors = source.diagnostics.filter { $0.severity == .error }
        guard !errors.isEmpty else { return }
        terminal.outLine("")
        terminal.outLine("\(source.name): ame.yaml at \(source.lastCommit.map { String($0.prefix(12)) } ?? "?") is invalid; "
            + (source.scheduledCommit.map { "the schedules of \($0.prefix(12)) keep running:" } ?? "no schedules are registered:"))
        for diagnostic in source.diagnostics {
            terminal.outLine("  \(diagnostic.description)")
        }
    }
}
