import AMECore
import AMEEngine
import Foundation
import Logging

/// Starts run agents a moment after their runs were accepted, on a thread of its own, so a
/// burst of submissions is answered at the speed of the database rather than at the speed
/// of process start-up (each agent costs tens of milliseconds of CPU to start, and on a
/// small machine hundreds of them starting at once would starve the API).
///
/// A run is launched once submissions have paused for `quietPeriod`, or at the latest
/// `maximumDelay` after it was accepted — far inside the engine's launch grace, after
/// which a run without an agent is marked lost (so a run accepted just before a crash is
/// reported lost with a reason, never dropped).
final class DeferredRunLauncher: RunLauncher, @unchecked Sendable {
    let base: any RunLauncher
    let quietPeriod: TimeInterval
    let maximumDelay: TimeInterval
    let logger: Logger

    private struct Pending {
        var run: StoredRun
        var engine: Engine
        var accepted: Date
    }

    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var lastSubmission = Date.distantPast

    init(base: any RunLauncher, quietPeriod: TimeInterval = 0.01, maximumDelay: TimeInterval = 2, logger: Logger) {
        self.base = base
        self.quietPeriod = quietPeriod
        self.maximumDelay = maximumDelay
        self.logger = logger
        let thread = Thread { [self] in work() }
        thread.name = "ame-launcher"
        thread.start()
    }

    var executorKind: ExecutorKind { base.executorKind }

    /// A run still waiting here sees its cancel request when it starts; otherwise the base
    /// launcher decides.
    func cancel(_ run: StoredRun) -> Bool {
        condition.lock()
        let waiting = pending.contains { $0.run.id == run.id }
        condition.unlock()
        if waiting && base.executorKind != .local { return true }
        return base.cancel(run)
    }

    func connectService(_ run: StoredRun, port: Int) async throws -> any ByteStream {
        try await base.connectService(run, port: port)
    }

    func launch(_ run: StoredRun, engine: Engine) throws {
        condition.lock()
        let now = Date()
        pending.append(Pending(run: run, engine: engine, accepted: now))
        lastSubmission = now
        condition.signal()
        condition.unlock()
    }

    /// Waits while the oldest run waiting for its agent has waited `limit` or more: when
    /// agents start slower than runs arrive, submissions slow down instead of piling up runs
    /// that would outlive the engine's launch grace.
    func waitForRoom(limit: TimeInterval = 5) async {
        while true {
            guard let oldest = oldestPending(), Date().timeIntervalSince(oldest) >= limit else { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func oldestPending() -> Date? {
        condition.lock()
        defer { condition.unlock() }
        return pending.first?.accepted
    }

    /// How many runs wait for their agent (for tests and metrics).
    var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    private func work() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let now = Date()
            let quietSince = lastSubmission.addingTimeInterval(quietPeriod)
            let oldestDue = pending[0].accepted.addingTimeInterval(maximumDelay)
            if now < quietSince && now < oldestDue {
                condition.wait(until: min(quietSince, oldestDue))
                condition.unlock()
                continue
            }
            let next = pending.removeFirst()
            condition.unlock()
            start(next)
        }
    }

    /// (An agent started for a run cancelled meanwhile sees it ended and exits at once.)
    private func start(_ item: Pending) {
        do {
            try base.launch(item.run, engine: item.engine)
        } catch {
            logger.error("could not start a run agent", metadata: ["run": "\(item.run.id)", "error": "\(error)"])
        }
    }
}

