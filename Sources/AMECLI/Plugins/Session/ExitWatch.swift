import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a child to exit with a time limit, without polling (so a plugin that exits
/// at once costs no added latency) and without leaving a waiter behind.
final class ExitWatch: @unchecked Sendable {
    private let child: ChildProcess
    private let exit = OneShot<TerminationStatus>()

    init(_ child: ChildProcess) {
        self.child = child
        let exit = exit
        Task.detached {
            let status = await child.waitForExit()
            // Whatever the plugin started and left behind goes with it: stragglers would
            // hold its pipes open. The group outlives its leader only through them.
            child.sendToGroup(SIGKILL)
            exit.fulfil(status)
        }
    }

    var ended: TerminationStatus? { exit.current }

    /// The exit status, or nil if the child is still running after `limit`.
    func status(within limit: Duration) async -> TerminationStatus? {
        await exit.value(within: limit)
    }

    /// Lets the child exit on its own for `grace`, then SIGTERM, then SIGKILL; always
    /// returns (a child that ignores SIGKILL does not exist).
    func stop(grace: Duration) async -> TerminationStatus {
        if let status = await status(within: grace) { return status }
        return await terminate(grace: grace)
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
