import Foundation

/// Progress of one transfer as run-log lines: a line at each quarter of a large file, so
/// the log shows movement without drowning in it.
final class TransferProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let log: StepLog
    private let label: String
    private let total: Int64
    private var reportedQuarter = 0
    /// Files smaller than this get no progress lines, only their summary.
    static let minimumSize: Int64 = 8 << 20

    init(log: StepLog, label: String, total: Int64) {
        self.log = log
        self.label = label
        self.total = total
    }

    /// `done` bytes of `total` have moved.
    func update(_ done: Int64) {
        guard total >= Self.minimumSize, done < total else { return }
        let quarter = Int(done * 4 / max(total, 1))
        let report: Bool = lock.withLock {
            guard quarter > reportedQuarter else { return false }
            reportedQuarter = quarter
            return true
        }
        if report {
            log.note("  \(label) \(quarter * 25)% (\(ByteCount.text(done)) of \(ByteCount.text(total)))")
        }
    }
}

enum ByteCount {
    /// `512 B`, `3.4 KiB`, `21.0 MiB`, `1.20 GiB`.
    static func text(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        var unit = "B"
        for next in units where value >= 1024 {
            value /= 1024
            unit = next
        }
        return String(format: value >= 100 || unit == "KiB" ? "%.0f" : "%.1f", value) + " " + unit
    }
}
