import Foundation

/// A one-line progress bar on stderr, drawn only on a terminal and only once the work has
/// taken more than a second (quick work stays quiet).
final class ProgressBar: @unchecked Sendable {
    private let terminal: any Terminal
    private let title: String
    private let started = Date()
    private let lock = NSLock()
    private var drawn = false
    private var lastDraw = Date.distantPast
    var delay: TimeInterval = 1

    init(terminal: any Terminal, title: String) {
        self.terminal = terminal
        self.title = title
    }

    /// `done` of `total` units (bytes); `detail` is shown after the bar.
    func update(done: Int64, total: Int64, detail: String = "") {
        guard terminal.stderrIsTTY else { return }
        let now = Date()
        lock.lock()
        defer { lock.unlock() }
        guard now.timeIntervalSince(started) >= delay, now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        drawn = true
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let percent = Int(fraction * 100)
        terminal.err("\r\u{1B}[2K\(title) \(bar) \(percent)% \(Self.bytes(done))/\(Self.bytes(total))\(detail.isEmpty ? "" : " \(detail)")")
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { terminal.err("\r\u{1B}[2K") }
    }

    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        for (unit, size) in [("GiB", 1_073_741_824.0), ("MiB", 1_048_576.0), ("KiB", 1024.0)] where value >= size {
            return String(format: "%.1f", value / size) + " " + unit
        }
        return "\(count) B"
    }
}
