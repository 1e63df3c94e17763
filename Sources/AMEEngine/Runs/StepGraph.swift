import AMECore

/// The steps of a run and what each waits for (`needs`, made explicit by
/// `TaskSpec.effectiveSteps`).
struct StepGraph: Sendable {
    let steps: [TaskSpec]

    /// Steps not started whose needs have all succeeded, in file order.
    func ready(finished: Set<String>, started: Set<String>) -> [TaskSpec] {
        steps.filter { step in
            !started.contains(step.name) && (step.needs ?? []).allSatisfy(finished.contains)
        }
    }
}

/// The outcome of each step as the run goes, shared by the steps running in parallel.
final class StepStates: @unchecked Sendable {
    struct Result {
        var status: RunStatus
        var exitCode: Int32?
        var reason: String?
        /// The step has said in the log why it failed (the run's end says it no more).
        var noted = false
    }

    private let lock = NSLock()
    private var results: [String: Result]
    private var started = Set<String>()

    init(names: [String]) {
        results = Dictionary(uniqueKeysWithValues: names.map { ($0, Result(status: .queued)) })
    }

    func set(_ name: String, _ status: RunStatus, exitCode: Int32?, reason: String?, noted: Bool = false) {
        lock.withLock { results[name] = Result(status: status, exitCode: exitCode, reason: reason, noted: noted) }
    }

    func markStarted(_ name: String) { _ = lock.withLock { started.insert(name) } }
    func anyStarted() -> Bool { lock.withLock { !started.isEmpty } }

    func succeeded() -> Set<String> {
        lock.withLock { Set(results.filter { $0.value.status == .succeeded }.keys) }
    }

    func anyFailed() -> Bool {
        lock.withLock { results.values.contains { $0.status == .failed || $0.status == .cancelled } }
    }

    /// Steps still queued get `status` (skipped after a failure, cancelled on cancel).
    func markUnfinished(as status: RunStatus) {
        lock.withLock {
            for (name, result) in results where !result.status.isTerminal {
                results[name] = Result(status: status, exitCode: nil, reason: status == .skipped ? "an earlier step failed" : nil)
            }
        }
    }

    func snapshot() -> [(String, Result)] {
        lock.withLock { results.map { ($0.key, $0.value) } }
    }

    /// The first failed step in file order.
    func firstFailure(order: [String]) -> (name: String, exitCode: Int32, reason: String?, noted: Bool)? {
        lock.withLock {
            for name in order {
                if let result = results[name], result.status == .failed {
                    return (name, result.exitCode ?? 1, result.reason, result.noted)
                }
            }
            return nil
        }
    }
}

import Foundation
