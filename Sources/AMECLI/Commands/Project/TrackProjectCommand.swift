import AMECore
import ArgumentParser
import Foundation

/// `ame project track URL`: the server fetches it now (so a wrong URL, branch or secret
/// fails here) and then every interval.
struct TrackProjectCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Track a git repository: register its recurring_tasks and follow its changes.",
        discussion: """
            URL: https://, ssh://, git@host:path, git:// or file:// (a path on the server). For a \
            private repository store the credentials as a secret first: an HTTPS token ('TOKEN' or \
            'USER:TOKEN') or an SSH private key, e.g. 'ame secret set gh-token', then --secret gh-token.
            """)

    @Argument(help: ArgumentHelp("The repository's URL, as the server reaches it.", valueName: "git-url"))
    var url: String

    @Option(name: .long, help: ArgumentHelp("The branch to follow (default: the repository's default branch).", valueName: "name"))
    var branch: String?

    @Option(name: .long, help: ArgumentHelp("The AME secret with the token or SSH key.", valueName: "name"))
    var secret: String?

    @Option(name: .long, help: ArgumentHelp("How often to fetch, e.g. 30s, 1m, 1h.", valueName: "duration"))
    var interval = "1m"

    @Flag(name: .long, help: "Print the tracked project as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        guard let seconds = DurationText.seconds(parsing: interval), seconds > 0 else {
            throw CLIError("--interval '\(interval)' is not a duration", hint: "write it like 30s, 5m or 1h")
        }
        let client = try ServerOnlyAPI.client(context, what: "tracked projects")
        let source = try await client.trackProject(TrackRequest(url: url, branch: branch, secret: secret, intervalSeconds: seconds))
        if json {
            try JSONOutput.write(source, to: context.terminal)
            return
        }
        let style = context.terminal.style
        context.terminal.outLine("tracking \(style.bold(source.name)) (\(source.url ?? url)\(source.branch.map { ", branch \($0)" } ?? "")), every \(DurationText.format(seconds: source.intervalSeconds))")
        context.terminal.outLine("  commit     \(source.lastCommit.map { String($0.prefix(12)) } ?? "-")")
        context.terminal.outLine("  ame.yaml   \(source.validationSummary)")
        if !source.schedules.isEmpty {
            context.terminal.outLine("  schedules  \(source.schedules.joined(separator: ", "))")
        }
        ListProjectsCommand.renderDiagnostics(source, terminal: context.terminal)
    }
}
