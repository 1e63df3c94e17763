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
/// reported lost with a reason, never dropped). A run cancelled meanwhile is not launched.
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

    init(base: any RunLauncher, quietPeriod: TimeInterval = 0.01, maximumDelay: TimeInterval = 5, logger: Logger) {
        self.base = base
        self.quietPeriod = quietPeriod
        self.maximumDelay = maximumDelay
        self.logger = logger
        let thread = Thread { [self] in work() }
        thread.name = "ame-launcher"
        thread.start()
    }

    func launch(_ run: StoredRun, engine: Engine) throws {
        condition.lock()
        let now = Date()
        pending.append(Pending(run: run, engine: engine, accepted: now))
        lastSubmission = now
        condition.signal()
        condition.unlock()
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

    private func start(_ item: Pending) {
        let api = EmbeddedJobsAPI(engine: item.engine, launcher: base, owner: item.run.record.owner, isAdmin: true)
        // Cancelled (or otherwise ended) while it waited: nothing to start.
        if let current = try? syncGetRun(api, item.run.id), current.status.isTerminal { return }
        do {
            try base.launch(item.run, engine: item.engine)
        } catch {
            logger.error("could not start a run agent", metadata: ["run": "\(item.run.id)", "error": "\(error)"])
        }
    }

    /// `getRun` from this plain thread.
    private func syncGetRun(_ api: EmbeddedJobsAPI, _ id: String) throws -> RunRecord {
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            box.result = await Result(catching: { try await api.getRun(id) })
            semaphore.signal()
        }
        semaphore.wait()
        return try box.result!.get()
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<RunRecord, any Error>?
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
