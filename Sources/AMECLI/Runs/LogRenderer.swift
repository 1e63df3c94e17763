import AMECore
import Foundation

/// Shows a run's log on the terminal as if the command ran here: its stdout on stdout, its
/// stderr on stderr, byte for byte. AME's own notes and environment setup go to stderr,
/// dimmed; on a terminal, pipeline steps are labelled at the start of each line.
final class LogRenderer: @unchecked Sendable {
    let terminal: any Terminal
    let labelSteps: Bool
    private var atLineStart: [String: Bool] = [:]
    private var setupShown = Set<String>()
    private(set) var lastOffset: Int64 = 0
    /// The engine's line saying why the run failed ("✗ …") has been shown.
    private(set) var showedFailure = false

    init(terminal: any Terminal, labelSteps: Bool) {
        self.terminal = terminal
        self.labelSteps = labelSteps
    }

    func render(_ event: LogEvent) {
        lastOffset = event.next
        let style = terminal.errorStyle
        switch event.kind {
        case .stdout:
            terminal.write(label(event.data, event: event, stream: .stdout), to: .stdout)
        case .stderr:
            terminal.write(label(event.data, event: event, stream: .stderr), to: .stderr)
        case .setup:
            let key = event.step ?? ""
            if setupShown.insert(key).inserted {
                terminal.errLine(style.dim("── setup\(event.step.map { " (\($0))" } ?? "") ──"))
            }
            terminal.write(Data(style.dim(event.text).utf8), to: .stderr)
        case .system:
            for line in event.text.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("✗ ") { showedFailure = true }
                terminal.errLine(style.cyan("ame: ") + String(line))
            }
        case .end:
            // How the run ended is its record's to say (RunFollower reads it).
            break
        }
    }

    /// Prefixes each line with `[step] ` when labelling; keeps bytes exact otherwise.
    private func label(_ data: Data, event: LogEvent, stream: OutputStream) -> Data {
        guard labelSteps, let step = event.step else { return data }
        let key = "\(step)/\(stream)"
        let prefix = Data(terminal.style.blue("[\(step)] ").utf8)
        var result = Data()
        var lineStart = atLineStart[key] ?? true
        for byte in data {
            if lineStart {
                result.append(prefix)
                lineStart = false
            }
            result.append(byte)
            if byte == 0x0A { lineStart = true }
        }
        atLineStart[key] = lineStart
        return result
    }
}
