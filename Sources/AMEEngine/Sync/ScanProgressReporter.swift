import Foundation

/// Counts a scan's progress from any thread and passes it on at most every `interval`, so a
/// progress bar is smooth without a callback per file.
final class ScanProgressReporter: @unchecked Sendable {
    private let callback: (@Sendable (ScanProgress) -> Void)?
    private let interval: Duration
    private let clock = ContinuousClock()
    private let lock = NSLock()
    private var state = ScanProgress(phase: .listing, filesScanned: 0, bytesHashed: 0, bytesToHash: 0)
    private var lastReport: ContinuousClock.Instant?

    init(callback: (@Sendable (ScanProgress) -> Void)?, interval: Duration = .milliseconds(50)) {
        self.callback = callback
        self.interval = interval
    }

    var isActive: Bool { callback != nil }

    func fileScanned() {
        guard callback != nil else { return }
        update(force: false) { $0.filesScanned += 1 }
    }

    func startHashing(bytes: Int64) {
        update(force: true) {
            $0.phase = .hashing
            $0.bytesToHash = bytes
        }
    }

    func hashed(bytes: Int) {
        guard callback != nil else { return }
        update(force: false) { $0.bytesHashed += Int64(bytes) }
    }

    func finish() {
        update(force: true) { $0.phase = .finished }
    }

    private func update(force: Bool, _ change: (inout ScanProgress) -> Void) {
        guard let callback else { return }
        lock.lock()
        defer { lock.unlock() }
        change(&state)
        let now = clock.now
        guard force || lastReport.map({ now - $0 >= interval }) ?? true else { return }
        lastReport = now
        // Under the lock, so reports from the two hashing threads arrive in order; it is at
        // most one call per interval.
        callback(state)
    }
}
