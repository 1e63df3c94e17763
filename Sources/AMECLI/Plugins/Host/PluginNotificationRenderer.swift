import AMEPluginKit
import Foundation

/// Shows what a plugin sends as notifications the way AME shows its own output: `output`
/// on stdout byte for byte, `log` on stderr with AME's `warning:`/`error:` prefixes, and
/// `progress` as a one-line bar on a terminal (nothing when stderr is not one).
final class PluginNotificationRenderer: @unchecked Sendable {
    private let terminal: any Terminal
    private let showDebug: Bool
    private let lock = NSLock()
    private var progressShown = false
    private var lastDraw = Date.distantPast

    init(terminal: any Terminal, environment: [String: String]) {
        self.terminal = terminal
        self.showDebug = environment["AME_DEBUG"] == "1"
    }

    /// Handles `method`; false when it is not a notification AME knows (it is then ignored).
    @discardableResult
    func render(method: String, params: JSONValue?) -> Bool {
        switch method {
        case PluginMethod.output:
            guard let output = try? OutputParams(json: params ?? .null) else { return false }
            clearProgress()
            terminal.out(output.text)
        case PluginMethod.log:
            guard let log = try? LogParams(json: params ?? .null) else { return false }
            let style = terminal.errorStyle
            clearProgress()
            switch log.level {
            case .debug where showDebug: terminal.errLine(style.dim(log.message))
            case .debug: break
            case .info: terminal.errLine(log.message)
            case .warning: terminal.errLine("\(style.yellow("warning")): \(log.message)")
            case .error: terminal.errLine("\(style.red("error")): \(log.message)")
            }
        case PluginMethod.progress:
            guard let progress = try? ProgressParams(json: params ?? .null) else { return false }
            draw(progress)
        default:
            return false
        }
        return true
    }

    func draw(_ progress: ProgressParams) {
        guard terminal.stderrIsTTY else { return }
        let finished = progress.finished == true || (progress.total.map { $0 > 0 && (progress.done ?? 0) >= $0 } ?? false)
        if finished {
            clearProgress()
            return
        }
        let now = Date()
        lock.lock()
        defer { lock.unlock() }
        // Redraw at most ten times a second: a chatty plugin must not flood the terminal.
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        progressShown = true
        var line = progress.title
        if let done = progress.done, let total = progress.total, total > 0 {
            let fraction = min(1, max(0, Double(done) / Double(total)))
            let width = 24
            let filled = Int(fraction * Double(width))
            line += " " + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            line += " \(Int(fraction * 100))%"
        }
        if let detail = progress.detail, !detail.isEmpty { line += " \(detail)" }
        terminal.err("\r\u{1B}[2K" + String(line.prefix(max(10, terminal.width - 1))))
    }

    /// Removes the progress line before anything else is written below it.
    func clearProgress() {
        lock.lock()
        defer { lock.unlock() }
        guard progressShown else { return }
        progressShown = false
        terminal.err("\r\u{1B}[2K")
    }
}
