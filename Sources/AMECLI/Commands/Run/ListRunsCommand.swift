import AMECore
import ArgumentParser
import Foundation

/// `ame runs`: recent runs, newest first.
struct ListRunsCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent runs, newest first.")

    @Option(name: .long, help: "Only runs with this status (queued, running, succeeded, failed, cancelled, lost).")
    var status: RunStatus?

    @Option(name: .long, help: "Only runs of this task.", completion: .custom(CompletionSources.tasks))
    var task: String?

    @Option(name: .long, help: "How many runs to show.")
    var limit = 20

    @Flag(name: .long, help: "Every user's runs (admins on a server).")
    var all = false

    @Flag(name: .long, help: "Use the embedded engine even when a server is set up.")
    var local = false

    @Flag(name: .long, help: "Print the runs as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let api = try context.jobsAPI(local: local)
        let page = try await api.listRuns(RunQuery(limit: max(1, limit), status: status, task: task, allUsers: all))
        if json {
            try JSONOutput.write(page, to: context.terminal)
            return
        }
        let terminal = context.terminal
        guard !page.runs.isEmpty else {
            terminal.outLine("No runs yet. Start one with: ame run TASK")
            return
        }
        let style = terminal.style
        let rows = page.runs.map { run -> [String] in
            var task = run.task
            if run.isService { task += style.dim(" (service :\(run.ports.map { String($0.port) }.joined(separator: ",")))") }
            return [run.id, RunStatusStyle.colored(run.status, style: style), task, run.project,
                    RelativeTime.describe(run.createdAt), run.exitCode.map(String.init) ?? "",
                    run.reason.map { String($0.prefix(60)) } ?? ""]
        }
        terminal.out(TextTable(header: ["RUN", "STATUS", "TASK", "PROJECT", "CREATED", "EXIT", "REASON"], rows: rows, style: style).render())
    }
}

extension RunStatus: ExpressibleByArgument {}
