import Foundation

/// Values handed from a reader thread to one consumer that waits with a time limit (the
/// conformance checks wait for each answer with a deadline of their own).
final class MessageQueue<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [Element] = []
    private var waiter: (id: UUID, continuation: CheckedContinuation<Element?, Never>)?

    func push(_ element: Element) {
        let waiting = lock.withLock { () -> CheckedContinuation<Element?, Never>? in
            if let waiter {
                self.waiter = nil
                return waiter.continuation
            }
            buffer.append(element)
            return nil
        }
        waiting?.resume(returning: element)
    }

    /// The next element, or nil if none arrives within `limit`.
    func next(within limit: Duration) async -> Element? {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let ready = lock.withLock { () -> Element?? in
                if !buffer.isEmpty { return .some(buffer.removeFirst()) }
                waiter = (id, continuation)
                return .none
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            Task.detached { [self] in
                try? await Task.sleep(for: limit)
                let expired = lock.withLock { () -> CheckedContinuation<Element?, Never>? in
                    guard let waiter, waiter.id == id else { return nil }
                    self.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }
}
