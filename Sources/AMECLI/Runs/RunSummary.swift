import AMECore
import Foundation

/// The closing lines of `ame run`: how the run ended and what came back.
enum RunSummary {
    /// `reasonShown`: the run's log has said why it failed; one failure, one message.
    static func print(_ run: RunRecord, report: ArtifactDownloader.Report, terminal: any Terminal, reasonShown: Bool = false) {
        let style = terminal.errorStyle
        let duration = run.startedAt.flatMap { start in run.finishedAt.map { $0.timeIntervalSince(start) } }
        let took = duration.map { " in " + format(duration: $0) } ?? ""
        switch run.status {
        case .succeeded:
            terminal.errLine("\(style.green("✓")) run \(run.id) succeeded\(took)")
        case .cancelled:
            terminal.errLine("\(style.yellow("■")) run \(run.id) was cancelled\(took)")
        default:
            let reason = reasonShown ? nil : run.reason
            terminal.errLine("\(style.red("✗")) run \(run.id) \(run.status.rawValue)\(took)\(reason.map { ": \($0)" } ?? "")")
        }
        if !report.written.isEmpty {
            let names = report.written.prefix(8).joined(separator: ", ") + (report.written.count > 8 ? ", …" : "")
            terminal.errLine("  \(report.written.count) file\(report.written.count == 1 ? "" : "s") brought back: \(names)")
        }
        for conflict in report.conflicts {
            terminal.errLine("  \(style.yellow("!")) \(conflict.path) changed here while the run was running; the run's version is in \(conflict.savedAs)")
        }
        for skipped in report.skipped {
            terminal.errLine("  \(style.yellow("!")) \(skipped)")
        }
    }

    static func format(duration: TimeInterval) -> String {
        if duration < 60 { return String(format: "%.1fs", duration) }
        let seconds = Int(duration.rounded())
        return DurationText.format(seconds: seconds)
    }
}
