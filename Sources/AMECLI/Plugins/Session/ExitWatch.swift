import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a child to exit with a time limit, without polling (so a plugin that exits
/// at once costs no added latency) and without leaving a waiter behind.
final class ExitWatch: @unchecked Sendable {
    private let child: ChildProcess
    private let lock = NSLock()
    private var status: TerminationStatus?
    private var waiters: [UUID: CheckedContinuation<TerminationStatus?, Never>] = [:]

    init(_ child: ChildProcess) {
        self.child = child
        Task.detached { [self] in
            let ended = await child.waitForExit()
            let pending = lock.withLock { () -> [CheckedContinuation<TerminationStatus?, Never>] in
                status = ended
                defer { waiters = [:] }
                return Array(waiters.values)
            }
            pending.forEach { $0.resume(returning: ended) }
        }
    }

    var ended: TerminationStatus? { lock.withLock { status } }

    /// The exit status, or nil if the child is still running after `limit`.
    func status(within limit: Duration) async -> TerminationStatus? {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let known = lock.withLock { () -> TerminationStatus? in
                if let status { return status }
                waiters[id] = continuation
                return nil
            }
            if let known {
                continuation.resume(returning: known)
                return
            }
            Task.detached { [self] in
                try? await Task.sleep(for: limit)
                let waiter = lock.withLock { waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// Lets the child exit on its own for `grace`, then SIGTERM, then SIGKILL; always
    /// returns (a child that ignores SIGKILL does not exist).
    func stop(grace: Duration) async -> TerminationStatus {
        if let status = await status(within: grace) { return status }
        child.sendToGroup(SIGTERM)
        if let status = await status(within: grace) { return status }
        child.sendToGroup(SIGKILL)
        return await status(within: .seconds(3600)) ?? .signaled(SIGKILL)
    }

    /// SIGTERM at once, SIGKILL after `grace`.
    func terminate(grace: Duration) async -> TerminationStatus {
        if let status = ended { return status }
        child.sendToGroup(SIGTERM)
        if let status = await status(within: grace) { return status }
        child.sendToGroup(SIGKILL)
        return await status(within: .seconds(3600)) ?? .signaled(SIGKILL)
    }
}
