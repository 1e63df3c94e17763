import AMESystem
import Foundation

/// A value that arrives once, awaited with a time limit. Unlike awaiting a `Task`, giving up
/// after the limit leaves nothing waiting behind, which is what lets a session end on time
/// when a plugin (or something it started) keeps a pipe open.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?
    private var waiters: [UUID: CheckedContinuation<Value?, Never>] = [:]

    func fulfil(_ newValue: Value) {
        let pending = lock.withLock { () -> [CheckedContinuation<Value?, Never>] in
            guard value == nil else { return [] }
            value = newValue
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        pending.forEach { $0.resume(returning: newValue) }
    }

    var current: Value? { lock.withLock { value } }

    /// The value, or nil if it has not arrived within `limit`.
    func value(within limit: Duration) async -> Value? {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let known = lock.withLock { () -> Value? in
                if let value { return value }
                waiters[id] = continuation
                return nil
            }
            if let known {
                continuation.resume(returning: known)
                return
            }
            _ = DispatchTimer(after: limit) { [self] in
                let waiter = lock.withLock { waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }
}
