import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C presses while a plugin runs. AME takes SIGINT over for the session (the plugin
/// is in its own session, so the terminal does not signal it) and turns each press into a
/// step: `$/cancel`, then SIGTERM, then SIGKILL. When no session is left, SIGINT goes
/// back to its default.
final class InterruptSignals: @unchecked Sendable {
    static let shared = InterruptSignals()

    private let lock = NSLock()
    private var source: DispatchSourceSignal?
    private var subscribers: [UUID: AsyncStream<Void>.Continuation] = [:]

    /// A stream with one element per press, until the returned token's `cancel()`.
    func subscribe() -> (presses: AsyncStream<Void>, cancel: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let id = UUID()
        lock.withLock {
            subscribers[id] = continuation
            if source == nil {
                signal(SIGINT, SIG_IGN)
                let newSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
                newSource.setEventHandler { [weak self] in self?.fire() }
                newSource.resume()
                source = newSource
            }
        }
        return (stream, { [weak self] in self?.unsubscribe(id) })
    }

    private func fire() {
        let continuations = lock.withLock { Array(subscribers.values) }
        continuations.forEach { $0.yield() }
    }

    private func unsubscribe(_ id: UUID) {
        let continuation = lock.withLock { () -> AsyncStream<Void>.Continuation? in
            let removed = subscribers.removeValue(forKey: id)
            if subscribers.isEmpty, let active = source {
                active.cancel()
                source = nil
                signal(SIGINT, SIG_DFL)
            }
            return removed
        }
        continuation?.finish()
    }
}
