import AMEEngine
import ArgumentParser
import Foundation

/// `ame cache info`: sizes, environments and when each was last used, per user.
struct ShowCacheInfoCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the environments and package caches, their sizes and last use.")

    @OptionGroup var location: CacheLocationOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        let report = PythonCache(layout: location.layout(in: context)).report()
        if json {
            try JSONOutput.write(report, to: context.terminal)
            return
        }
        let terminal = context.terminal
        terminal.outLine("\(report.cacheDirectory): \(ProgressBar.bytes(report.totalBytes)) (AME's tools: \(ProgressBar.bytes(report.toolsBytes)))")
        if report.users.isEmpty {
            terminal.outLine("No Python environments yet: the first run of a Python project builds one.")
            return
        }
        for user in report.users {
            terminal.outLine()
            let caches = user.packageCaches.sorted { $0.key < $1.key }.map { "\($0.key) \(ProgressBar.bytes($0.value))" }.joined(separator: ", ")
            terminal.outLine("\(user.user.map { "User \($0)" } ?? "Shared"): \(ProgressBar.bytes(user.bytes)); "
                             + "\(user.environments.count) environment\(user.environments.count == 1 ? "" : "s")"
                             + (caches.isEmpty ? "" : "; package caches: \(caches)"))
            guard !user.environments.isEmpty else { continue }
            let rows = user.environments.map { environment in
                [environment.key, environment.files ?? environment.extraPackages ?? "", ProgressBar.bytes(environment.bytes),
                 environment.lastUsedAt.map { RelativeTime.describe($0) } ?? "?"]
            }
            terminal.out(TextTable(header: ["ENVIRONMENT", "FROM", "SIZE", "LAST USED"], rows: rows, style: terminal.style).render())
        }
    }
}
