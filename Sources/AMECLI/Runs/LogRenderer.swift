import AMECore
import Foundation

/// Shows a run's log on the terminal as if the command ran here: its stdout on stdout, its
/// stderr on stderr, byte for byte. AME's own notes and environment setup go to stderr,
/// dimmed; on a terminal, pipeline steps are labelled at the start of each line.
///
/// With `quietSetup` (`ame run` on a terminal), an environment build is one line updated in
/// place (`SetupProgress`); its full output stays in the log, and is shown in full here
/// when the build fails.
final class LogRenderer: @unchecked Sendable {
    let terminal: any Terminal
    let labelSteps: Bool
    let quietSetup: Bool
    private var setups: [String: SetupProgress] = [:]
    /// The updating line is on screen (it must be cleared before anything else is written).
    private var statusShown = false
    private var atLineStart: [String: Bool] = [:]
    private var setupShown = Set<String>()
    private(set) var lastOffset: Int64 = 0
    /// The engine's line saying why the run failed ("✗ …") has been shown.
    private(set) var showedFailure = false

    init(terminal: any Terminal, labelSteps: Bool, quietSetup: Bool = false) {
        self.terminal = terminal
        self.labelSteps = labelSteps
        self.quietSetup = quietSetup && terminal.stderrIsTTY
    }

    func render(_ event: LogEvent) {
        lastOffset = event.next
        let style = terminal.errorStyle
        if quietSetup {
            if event.kind == .setup {
                renderQuietly(event)
                return
            }
            clearStatus()
            // A failure before the build finished: everything it printed is shown.
            let failed = event.kind == .end || (event.kind == .system && event.text.contains("✗ "))
            for (key, setup) in setups where !setup.isFinished {
                if failed {
                    terminal.write(Data(style.dim(String(decoding: setup.output, as: UTF8.self)).utf8), to: .stderr)
                    setups[key] = nil
                } else if event.kind != .system && (event.step ?? "") == key {
                    // The step's command is running: its build is over.
                    setups[key] = nil
                }
            }
        }
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

    private func renderQuietly(_ event: LogEvent) {
        let style = terminal.errorStyle
        let key = event.step ?? ""
        var setup = setups[key] ?? SetupProgress(started: Date())
        let wasFinished = setup.isFinished
        let permanent = setup.take(event.data)
        setups[key] = setup
        let prefix = labelSteps ? event.step.map { "[\($0)] " } ?? "" : ""
        if !permanent.isEmpty {
            clearStatus()
            for line in permanent { terminal.errLine(style.dim(prefix + line)) }
        }
        guard !setup.isFinished else { return }
        if wasFinished { return }
        let line = String((prefix + setup.statusLine()).prefix(max(20, terminal.width - 1)))
        terminal.err("\r\u{1B}[2K" + style.dim(line))
        statusShown = true
    }

    private func clearStatus() {
        guard statusShown else { return }
        terminal.err("\r\u{1B}[2K")
        statusShown = false
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
