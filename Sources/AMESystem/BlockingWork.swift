import Foundation

/// Blocking work run on a thread of its own and awaited: a flush to disk, a plugin session.
/// Swift runs tasks on as many threads as there are cores; a task that waits in a system call
/// on one of them (a server's uploads waiting in `syncfs`, say) leaves the other tasks, the
/// uploads still arriving, fewer threads to run on.
public enum BlockingWork {
    public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
