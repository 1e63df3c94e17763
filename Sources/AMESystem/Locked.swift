import Foundation

/// A value behind a lock: AME's one lock type, for state shared between threads or tasks
/// that is too small for an actor. `Synchronization.Mutex` would do, but it needs macOS 15
/// and the package still builds for macOS 14.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) {
        stored = value
    }

    /// Runs `body` with the value, holding the lock; what `body` returns is returned.
    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    /// A copy of the value.
    public var value: Value {
        withLock { $0 }
    }

    public func set(_ value: Value) {
        withLock { $0 = value }
    }
}
