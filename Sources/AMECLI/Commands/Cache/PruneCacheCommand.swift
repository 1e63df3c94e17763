import AMECore
import AMEEngine
import ArgumentParser
import Foundation

/// `ame cache prune [--older-than 30d] [--packages]`: removes environments no run has used
/// for a while.
struct PruneCacheCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove the environments no run has used for a while.",
        discussion: "A later run that needs one rebuilds it, in seconds when the package cache still has its packages.")

    @OptionGroup var location: CacheLocationOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Remove environments last used longer ago than this (e.g. 30d, 12h; 0 for all).", valueName: "duration"))
    var olderThan = "30d"

    @Flag(name: .long, help: "Also empty the package caches (uv's, pip's, …): the next builds download everything again.")
    var packages = false

    @Flag(name: .long, help: "Print what was removed as JSON.")
    var json = false

    func run(context: CommandContext) async throws {
        guard let seconds = DurationText.seconds(parsing: olderThan), seconds >= 0 else {
            throw CLIError("--older-than takes a duration such as 30d, 12h or 90m, not '\(olderThan)'", hint: "ame cache prune --older-than 30d")
        }
        let cache = PythonCache(layout: location.layout(in: context))
        let report = cache.prune(lastUsedBefore: Date().addingTimeInterval(-Double(seconds)), packages: packages)
        if json {
            try JSONOutput.write(report, to: context.terminal)
            return
        }
        let terminal = context.terminal
        for removed in report.removed {
            terminal.outLine("removed \(removed.user.map { "\($0)/" } ?? "")\(removed.key) (\(ProgressBar.bytes(removed.bytes)), last used \(removed.lastUsedAt.map { RelativeTime.describe($0) } ?? "never"))")
        }
        for emptied in report.packageCachesEmptied { terminal.outLine("emptied the package cache \(emptied)") }
        for busy in report.skippedBusy { terminal.errLine("ame: kept \(busy): a run is building it") }
        if report.removed.isEmpty && report.packageCachesEmptied.isEmpty {
            terminal.outLine("Nothing to prune: every environment was used within \(olderThan).")
        } else {
            terminal.outLine("Freed \(ProgressBar.bytes(report.freedBytes)).")
        }
    }
}
