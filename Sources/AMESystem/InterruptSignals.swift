import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of SIGINT (Ctrl-C) in AME's processes: nothing else sets its disposition.
///
/// While anyone listens, a press no longer ends the process: each listener hears it (`ame
/// run` counts presses to cancel or detach, a plugin session steps from `$/cancel` to
/// SIGTERM to SIGKILL, a pager is left to handle it), and when the last one stops, SIGINT
/// goes back to its default. Two more ways of holding it: `ignoreForever` (a run agent,
/// which a terminal's Ctrl-C must not stop) and `routeIntoPipe`, for `ame NAME`'s plugin
/// session, which runs before Swift's async runtime (and Dispatch's signal sources) start.
public final class InterruptSignals: Sendable {
    public static let shared = InterruptSignals()

    private struct State {
        var source: DispatchSourceSignal?
        var listeners: [UUID: @Sendable () -> Void] = [:]
    }

    private let state = Locked(State())

    private init() {}

    /// A way of listening that ends with `cancel()` (or when the last reference goes).
    public final class Subscription: Sendable {
        private let end: @Sendable () -> Void
        private let ended = Locked(false)

        init(end: @escaping @Sendable () -> Void) { self.end = end }

        public func cancel() {
            let first = ended.withLock { ended -> Bool in
                defer { ended = true }
                return !ended
            }
            if first { end() }
        }

        deinit { cancel() }
    }

    /// Calls `onPress` for each Ctrl-C until the subscription is cancelled.
    public func subscribe(_ onPress: @escaping @Sendable () -> Void) -> Subscription {
        let id = UUID()
        state.withLock { state in
            state.listeners[id] = onPress
            if state.source == nil {
                signal(SIGINT, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
                source.setEventHandler { [weak self] in self?.fire() }
                source.resume()
                state.source = source
            }
        }
        return Subscription { [weak self] in self?.unsubscribe(id) }
    }

    /// One element per Ctrl-C until the returned `cancel`.
    public func presses() -> (presses: AsyncStream<Void>, cancel: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let subscription = subscribe { continuation.yield() }
        return (stream, {
            subscription.cancel()
            continuation.finish()
        })
    }

    private func fire() {
        let listeners = state.withLock { Array($0.listeners.values) }
        listeners.forEach { $0() }
    }

    private func unsubscribe(_ id: UUID) {
        state.withLock { state in
            state.listeners.removeValue(forKey: id)
            if state.listeners.isEmpty, let source = state.source {
                source.cancel()
                state.source = nil
                signal(SIGINT, SIG_DFL)
            }
        }
    }

    /// For the rest of the process, Ctrl-C does nothing (a run agent: the run ends by
    /// SIGTERM from `ame cancel`, never by a terminal's keyboard).
    public static func ignoreForever() {
        signal(SIGINT, SIG_IGN)
    }

    // MARK: Into a pipe, before the async runtime

    /// The descriptor the signal handler writes to: a signal handler can reach only globals.
    nonisolated(unsafe) private static var pipeTarget: Int32 = -1

    /// Turns every SIGINT of this process into one byte written to `descriptor` (a pipe's
    /// write end, non-blocking, kept open by the caller until `restoreDefault`), so a poll(2)
    /// loop wakes for it. Needs no thread: `ame NAME` runs its plugin session this way
    /// before Swift's async runtime starts.
    public static func routeIntoPipe(writeDescriptor descriptor: Int32) {
        pipeTarget = descriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            let saved = errno
            _ = write(InterruptSignals.pipeTarget, &byte, 1)
            errno = saved
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        // A parent may have started `ame` with signals blocked (Foundation's Process passes
        // on its thread's mask): Ctrl-C must still reach the handler.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    /// Ends `routeIntoPipe`: SIGINT has its default action again.
    public static func restoreDefault() {
        signal(SIGINT, SIG_DFL)
        pipeTarget = -1
    }
}
